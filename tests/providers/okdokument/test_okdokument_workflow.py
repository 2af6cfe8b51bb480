"""OKdokument's request create with its documented rules and fields (emailTo/emailFrom, lang,
OTP for opening, tostamp, allowedFields), its counter (`esign account`), all in the sandbox
too; and every new workflow command on a provider that lacks it: exit 2 saying what it has
instead, before anything is sent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, SandboxAdmin, ih_settings
from tests.hostile import HostileServer, json_reply
from tests.providers.test_provider_truth import pdf_text, replay


def store(sandbox: SandboxAdmin) -> Any:
    return sandbox.running.sandbox.okdokument.store


def create(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("request", "create", *args)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


# == rules and fields ===========================================================================


def test_send_email_otp_lang_state_and_fields_go_into_the_request(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    fields = tmp_path / "fields.json"
    # Document fields configuration's example, new pages' form (arrays) and old (a string).
    fields.write_text('{"SIGNATURE": ["SC_signature"], "TEXT": "TO_text"}')
    data = create(
        cli,
        str(contract),
        "--send-email",
        "--email-to",
        "ana@example.com",
        "--email-from",
        "office@example.com",
        "--otp",
        "+421 900 123 456",
        "--lang",
        "sk",
        "--fields",
        str(fields),
    )
    sig = store(sandbox).requests[data["request_id"]]
    assert sig.rules == {
        "lang": "sk",
        "emailTo": "ana@example.com",
        "emailFrom": "office@example.com",
        "openOtpPhone": "+421900123456",
    }
    assert sig.allowed_fields == {"SIGNATURE": ["SC_signature"], "TEXT": "TO_text"}
    outbox = [e for e in sandbox.journal() if e["operation"] == "email_signature_request"]
    assert outbox[-1]["id"] == "ana@example.com"


def test_the_body_sent(okd_env: dict[str, str], hostile: HostileServer, contract: Path) -> None:
    hostile.route(
        "POST",
        "/JSON/signatureRequest$",
        json_reply('{"message": "msg.signature.request.id.created", "result": "r1"}'),
    )
    cli = Cli({**okd_env, "ESIGN_BASE_URL": f"{hostile.url}/JSON"})
    result = cli("request", "create", str(contract), "--state", "tostamp", "--otp", "a@example.com")
    assert result.exit_code == 0, result.stderr
    body = json.loads(hostile.seen[0].body)
    assert body["filedata"]["state"] == "tostamp"
    assert body["rules"] == {"openOtpEmail": "a@example.com"}
    assert "allowedFields" not in body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--send-email", "--email-to", "a@example.com"], "--email-from"),
        (["--email-to", "a@example.com", "--email-from", "b@example.com"], "go with --send-email"),
        (
            ["--send-email", "--email-to", "nobody", "--email-from", "b@example.com"],
            "email address",
        ),
        (["--otp", "call me"], "--otp must be an email address or a phone number"),
        (
            ["--state", "signed"],
            "invalid value for '--state': 'signed' is not one of tosign, tags, tostamp",
        ),
        (["--order"], "takes no --order"),
        (["--folder", "/a/"], "takes no --folder"),
        (["--template", "t1"], "takes no --template"),
        (["--reminder-days", "2"], "takes no --reminder-days"),
    ],
)
def test_rule_errors_send_nothing(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    sandbox.clear_requests()
    result = cli("request", "create", str(contract), *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert sandbox.requests() == []


def test_state_and_fields_errors(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = create(cli, str(contract))["document_id"]
    sandbox.clear_requests()
    later = cli("request", "create", "--document", document_id, "--state", "tags")
    assert later.exit_code == 2 and "new round" in later.stderr
    for content, message in (
        ('{"SIGNATURES": ["x"]}', "not a field type"),
        ('{"TEXT": [1]}', "field name or a list"),
        ("[]", "JSON object"),
        ("{}", "names no field types"),
    ):
        path = tmp_path / "f.json"
        path.write_text(content)
        result = cli("request", "create", str(contract), "--fields", str(path))
        assert result.exit_code == 2 and message in result.stderr, (content, result.stderr)
    assert sandbox.requests() == []


def test_sandbox_refuses_email_to_without_email_from(cli: Cli, sandbox: SandboxAdmin) -> None:
    api = sandbox.http
    headers = {"x-api-key": sandbox.okdokument_key}
    answer = api.post(
        "/okdokument/JSON/signatureRequest",
        headers=headers,
        json={"filedata": {"content": "JVBERi0xLjcK"}, "rules": {"emailTo": "a@example.com"}},
    )
    assert answer.status_code == 400 and answer.json()["message"] == "err.email.from.required"
    bad = api.post(
        "/okdokument/JSON/signatureRequest",
        headers=headers,
        json={"filedata": {"content": "JVBERi0xLjcK"}, "allowedFields": {"PHOTO": "x"}},
    )
    assert bad.status_code == 400


def test_otp_gates_the_signing_page(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = create(cli, str(contract), "--otp", "ana@example.com")
    page = sandbox.http.get(data["sign_url"].replace(sandbox.url, ""), follow_redirects=True)
    assert "Send verification code" in page.text and "Submit" not in page.text
    early = sandbox.http.post(
        "/okdokument/viewDocument/submit",
        data={"request": data["request_id"], "action": "sign", "name": "Ana", "agree": "yes"},
    )
    assert early.status_code == 403
    sent = sandbox.http.post(
        "/okdokument/viewDocument/otp", data={"request": data["request_id"], "action": "send"}
    )
    assert sent.status_code == 303
    [mail] = [e for e in sandbox.journal() if e["operation"] == "otp_email"][-1:]
    address, code = mail["id"].split()
    assert address == "ana@example.com" and re.fullmatch(r"\d{6}", code)
    wrong = sandbox.http.post(
        "/okdokument/viewDocument/otp",
        data={
            "request": data["request_id"],
            "action": "verify",
            "code": "000000" if code != "000000" else "111111",
        },
    )
    assert wrong.status_code == 403
    right = sandbox.http.post(
        "/okdokument/viewDocument/otp",
        data={"request": data["request_id"], "action": "verify", "code": code},
        follow_redirects=True,
    )
    assert "Submit" in right.text
    signed = sandbox.http.post(
        "/okdokument/viewDocument/submit",
        data={"request": data["request_id"], "action": "sign", "name": "Ana", "agree": "yes"},
    )
    assert signed.status_code == 302
    assert cli("doc", "info", data["document_id"]).json()["status"] == "signed"


def test_tostamp_is_processing_then_stamped_and_ready(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = create(cli, str(contract), "--state", "tostamp")
    info = cli("doc", "info", data["document_id"]).json()
    assert (info["status"], info["provider_status"]) == ("processing", "tostamp")
    store(sandbox).docs[data["document_id"]].ready_at = 0  # the emulator's processing is done
    ready = cli("doc", "info", data["document_id"]).json()
    assert (ready["status"], ready["provider_status"]) == ("pending", "tosign")
    current = cli("doc", "download", data["document_id"], "--any-state", "-o", "-")
    assert "Digital stamp" in pdf_text(current.stdout_bytes)
    uploaded = cli("doc", "upload", str(contract), "--state", "tostamp")
    assert uploaded.exit_code == 0 and uploaded.json()["provider_status"] == "tostamp"


def test_allowed_fields_are_kept_and_the_lang_reaches_the_result_url(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    fields = tmp_path / "fields.json"
    fields.write_text('{"SIGNATURE": ["SC_signature", "SO_second"]}')
    data = create(
        cli,
        str(contract),
        "--fields",
        str(fields),
        "--lang",
        "sk",
        "--redirect-url",
        "https://portal.example/done",
    )
    sig = store(sandbox).requests[data["request_id"]]
    assert sig.allowed_fields == {"SIGNATURE": ["SC_signature", "SO_second"]}
    done = sandbox.http.post(
        "/okdokument/viewDocument/submit",
        data={"request": data["request_id"], "action": "sign", "name": "Ana", "agree": "yes"},
    )
    assert "lang=sk" in done.headers["location"]


# == account: the counter (§6.13) ==============================================================


def test_account_counts_what_the_sandbox_did(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    before = cli("account").json()
    assert before["provider"] == "okdokument" and before["account"] == "sandbox"
    first = create(cli, str(contract))
    second = create(cli, str(contract))
    cli("sandbox", "sign", first["document_id"])
    cli("doc", "download", first["document_id"], "-o", "-")
    cli("doc", "delete", second["document_id"], "--yes")
    after = cli("account").json()
    assert after["credits"] == before["credits"] - 2
    assert after["used"] == before["used"] + 2
    for name, grew in (
        ("signature_requests", 2),
        ("stored_files", 2),
        ("downloaded", 1),
        ("deleted", 1),
    ):
        assert after["totals"][name] == before["totals"][name] + grew, name
    for name, grew in (("signature_requests", 2), ("files", 2), ("downloaded", 1), ("deleted", 1)):
        assert after["this_month"][name] == before["this_month"][name] + grew, name
    assert re.fullmatch(r"\d{4}-\d{2}", after["month"])
    shown = cli("account", tty=True, env={"NO_COLOR": "1"})
    assert "Credits left" in shown.stdout and "Total signature requests" in shown.stdout


def test_documented_counter_sample_replayed(cli: Cli, sandbox: SandboxAdmin) -> None:
    # 3.5 Signature Request Counter, the example (verbatim): the account is `abc`, one month.
    sample = """{ "actual": { "abc.storedFiles": "45", "abc.deleted.f": "40",
                "abc.usedSignatureRequests": "45", "abc.downloaded": "39",
                "abc.availableSignatureRequests": "35" },
    "downloaded":        { "2022.5.abc": "20" },
    "files":             { "2022.5.abc": "22" },
    "deleted.f":         { "2022.5.abc": "15" },
    "signatureRequests": { "2022.5.abc": "22" } }"""
    replay(sandbox, "GET", "^/okdokument/JSON/counter$", sample)
    data = cli("account").json()
    assert (data["account"], data["credits"], data["used"]) == ("abc", 35, 45)
    assert data["totals"] == {
        "stored_files": 45,
        "deleted": 40,
        "signature_requests": 45,
        "downloaded": 39,
    }
    # May 2022 is not this month: nothing counted this month.
    assert data["this_month"] == {
        "signature_requests": 0,
        "files": 0,
        "downloaded": 0,
        "deleted": 0,
    }
    assert cli("account", "--raw").json() == json.loads(sample)


def test_this_month_is_read_from_its_bucket(
    okd_env: dict[str, str], hostile: HostileServer
) -> None:
    from datetime import UTC, datetime

    from esign.providers.okdokument.local_time import from_utc

    now = from_utc(datetime.now(UTC))
    bucket = f"{now.year}.{now.month}.abc"
    body = {
        "actual": {"abc.availableSignatureRequests": "7"},
        "signatureRequests": {bucket: "3", "2020.1.abc": "9"},
        "files": {bucket: "4"},
    }
    hostile.route("GET", "/JSON/counter$", json_reply(json.dumps(body)))
    data = Cli({**okd_env, "ESIGN_BASE_URL": f"{hostile.url}/JSON"})("account").json()
    assert data["this_month"]["signature_requests"] == 3 and data["this_month"]["files"] == 4
    assert data["credits"] == 7


def test_no_signature_request_left(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    counters = store(sandbox).counter(sandbox.okdokument_key)
    kept = counters.available_requests
    counters.available_requests = 0
    try:
        result = cli("request", "create", str(contract))
        assert result.exit_code == 6 and "402" in result.stderr and "esign account" in result.stderr
    finally:
        counters.available_requests = kept


# == what a provider lacks: exit 2, saying what it has instead, nothing sent ===================

NEW_COMMANDS: list[tuple[list[str], str]] = [
    (["request", "cancel", "ID", "--reason", "x", "--yes"], "cancel"),
    (["signer", "list", "ID"], "signer"),
    (["signer", "add", "ID", "--name", "Ana"], "signer"),
    (["signer", "update", "SIGNER", "--name", "Ana"], "signer"),
    (["signer", "remind", "SIGNER"], "remind"),
    (["signer", "remove", "SIGNER", "--yes"], "remove"),
    (["doc", "audit", "ID"], "history"),
    (["doc", "audit", "ID", "-o", "{tmp}/a.pdf"], "history"),
    (["doc", "download", "ID", "-o", "{tmp}/d.pdf", "--with-audit"], "history"),
    (["doc", "attach", "ID", "{pdf}"], "attach"),
    (["template", "list"], "template"),
]

INSTEAD = {
    "okdokument": {
        "cancel": "esign request delete ID",
        "signer": "new round",
        "remind": "--send-email --email-to",
        "remove": "`esign request delete ID` ends",
        "history": "--callback-url",
        "attach": "esign doc upload",
        "template": "--state tags",
    },
    "indexhealth": {
        "cancel": "document store",
        "signer": "document store",
        "remind": "document store",
        "remove": "document store",
        "history": "document store",
        "attach": "esign doc upload",
        "template": "esign doc upload",
    },
}


@pytest.mark.parametrize("provider", ["okdokument", "indexhealth"])
@pytest.mark.parametrize(
    ("args", "what"),
    NEW_COMMANDS,
    ids=[" ".join(a[:2]) + f"-{i}" for i, (a, _) in enumerate(NEW_COMMANDS)],
)
def test_a_provider_without_it_says_what_it_has_instead(
    sandbox: SandboxAdmin,
    okd_env: dict[str, str],
    contract: Path,
    tmp_path: Path,
    provider: str,
    args: list[str],
    what: str,
) -> None:
    env = okd_env if provider == "okdokument" else ih_settings(sandbox)
    cli = Cli(env)
    out = tmp_path / "out"
    out.mkdir()
    sandbox.clear_requests()
    result = cli(*[a.replace("{tmp}", str(out)).replace("{pdf}", str(contract)) for a in args])
    assert result.exit_code == 2, result.stderr
    title = "OKdokument" if provider == "okdokument" else "IndexHealth"
    assert f"{title} has no" in result.stderr
    assert INSTEAD[provider][what] in result.stderr
    assert list(out.iterdir()) == []
    assert [r for r in sandbox.requests() if not r["raw_path"].endswith("/token")] == []


def test_indexhealth_has_no_account_endpoint(sandbox: SandboxAdmin) -> None:
    result = Cli(ih_settings(sandbox))("account")
    assert result.exit_code == 2 and "IndexHealth has no account usage" in result.stderr
