"""Every ZapSign command against the sandbox over loopback HTTP, piped and on a TTY."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from esign.core.http.presigned import presigned_expiry
from tests.conftest import CallbackReceiver, Cli, SandboxAdmin


def create(zs: Cli, contract: Path, *extra: str) -> dict[str, Any]:
    result = zs(
        "request", "create", str(contract), "--signer", "Ana Souza <ana@example.com>", *extra
    )
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


# -- request create ----------------------------------------------------------------------


def test_create_prints_token_and_each_signers_url(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    result = zs(
        "request",
        "create",
        str(contract),
        "--signer",
        "Ana Souza <ana@example.com>",
        "--signer",
        "Bruno",
        "--name",
        "Contrato",
        "--lang",
        "en",
        "--external-id",
        "crm-42",
        "--expires-at",
        "7d",
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["provider"] == "zapsign"
    assert data["request_id"] == data["document_id"]
    assert data["status"] == "pending"
    assert len(data["sign_urls"]) == 2 and data["sign_url"] is None
    assert [s["name"] for s in data["signers"]] == ["Ana Souza", "Bruno"]
    assert data["signers"][0]["email"] == "ana@example.com" and data["signers"][1]["email"] is None
    assert all(u.startswith(f"{sandbox.url}/zapsign/verificar/") for u in data["sign_urls"])
    stored = sandbox.running.sandbox.zapsign.store.docs[data["document_id"]]
    assert (stored.name, stored.lang, stored.external_id) == ("Contrato", "en", "crm-42")
    assert stored.date_limit_to_sign and stored.date_limit_to_sign.endswith("Z")
    assert not any(s.send_automatic_email for s in stored.signers)


def test_create_on_a_tty_lists_signers(zs: Cli, contract: Path) -> None:
    result = zs(
        "request",
        "create",
        str(contract),
        "--signer",
        "Ana <ana@example.com>",
        tty=True,
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 0
    assert "Signer Ana" in result.stdout and "/zapsign/verificar/" in result.stdout


def test_create_sends_raw_base64_and_the_bearer_token(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    sandbox.clear_requests()
    data = create(zs, contract, "--debug")
    assert data["document_id"]
    [post] = [r for r in sandbox.requests() if r["method"] == "POST"]
    assert post["raw_path"] == "/zapsign/api/v1/docs/"  # the trailing slash is kept
    assert post["credentials"] is True
    stored = sandbox.running.sandbox.zapsign.store.docs[data["document_id"]]
    assert stored.original == contract.read_bytes()


def test_send_email_needs_every_email(zs: Cli, contract: Path) -> None:
    result = zs("request", "create", str(contract), "--signer", "Ana", "--send-email")
    assert result.exit_code == 2
    assert "email for every signer" in result.stderr
    ok = zs("request", "create", str(contract), "--signer", "Ana <a@example.com>", "--send-email")
    assert ok.exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "at least one signer"),
        (["--signer", "<a@example.com>"], "is not 'Name'"),
        (["--signer", "Ana", "--lang", "de"], "invalid value for '--lang': 'de' is not one of"),
        (["--signer", "Ana", "--document", "x"], "drop --document"),
        (["--signer", "Ana", "--request-id", "x"], "drop --request-id"),
        (["--signer", "Ana", "--callback-url", "ftp://x.example/"], "absolute http(s) URL"),
        (["--signer", "Ana", "--email-to", "a@example.com"], "takes no --email-to"),
        (["--signer", "Ana", "--state", "tags"], "takes no --state"),
    ],
)
def test_create_usage_errors(zs: Cli, contract: Path, args: list[str], message: str) -> None:
    result = zs("request", "create", str(contract), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_create_is_never_retried_on_429(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    sandbox.faults(
        {
            "kind": "status",
            "status": 429,
            "retry_after": "1",
            "method": "POST",
            "path": "/zapsign/api/v1/docs/$",
            "count": 5,
        }
    )
    result = zs("request", "create", str(contract), "--signer", "Ana")
    assert result.exit_code == 7
    assert result.sleeps == []
    assert sandbox.fault_state()[0]["fired"] == 1


# -- errors (401, 402, 403, 404, 429) -----------------------------------------------------


def test_unknown_token_is_401(zs: Cli) -> None:
    result = zs("doc", "list", env={"ESIGN_API_KEY": "not-a-token"})
    assert result.exit_code == 4
    assert "401" in result.stderr and "Invalid API token." in result.stderr


def test_token_of_the_other_environment_is_403(zs: Cli, sandbox: SandboxAdmin) -> None:
    result = zs("doc", "list", env={"ESIGN_API_KEY": sandbox.zapsign("other_environment_api_key")})
    assert result.exit_code == 4
    assert "403" in result.stderr and "permissão" in result.stderr


def test_no_plan_is_402_with_its_own_message(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    result = zs(
        "request",
        "create",
        str(contract),
        "--signer",
        "Ana",
        "--json",
        env={"ESIGN_API_KEY": sandbox.zapsign("no_plan_api_key")},
    )
    assert result.exit_code == 6
    assert "requires payment (402)" in result.stderr
    assert "no API plan or no credits" in result.stderr
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error["http_status"] == 402 and error["provider_message"] == "Payment Required"


def test_unknown_document_is_404(zs: Cli) -> None:
    result = zs("doc", "info", "00000000-0000-0000-0000-000000000000")
    assert result.exit_code == 5
    assert "Não encontrado." in result.stderr


def test_real_rate_limit_is_retried_for_gets_then_exit_7(zs: Cli, sandbox: SandboxAdmin) -> None:
    from esign.sandbox.zapsign import Account

    token = "rate-limited-token"
    sandbox.running.sandbox.zapsign.store.accounts[token] = Account(limit_per_minute=1)
    first = zs("doc", "list", env={"ESIGN_API_KEY": token})
    assert first.exit_code == 0
    second = zs("doc", "list", "--max-attempts", "2", env={"ESIGN_API_KEY": token})
    assert second.exit_code == 7
    assert "rate limit" in second.stderr
    assert len(second.sleeps) == 1 and 0 < second.sleeps[0] <= 60  # Retry-After honoured


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '{"message": "Invalid Input", "data": {"email": ["Este campo é obrigatório."]}}',
            "application/json",
            "Invalid Input; email: Este campo é obrigatório.",
        ),
        (
            '{"non_field_errors": ["Date range cannot exceed 30 days"]}',
            "application/json",
            "Date range cannot exceed 30 days",
        ),
        ('{"error": "Signatário tem tentativas"}', "application/json", "Signatário tem tentativas"),
        ('"a bare JSON string"', "application/json", "a bare JSON string"),
        ("plain text failure", "text/plain", "plain text failure"),
    ],
)
def test_every_error_shape_is_surfaced(
    zs: Cli, sandbox: SandboxAdmin, body: str, content_type: str, expected: str
) -> None:
    sandbox.faults(
        {
            "kind": "status",
            "status": 400,
            "body": body,
            "content_type": content_type,
            "method": "GET",
            "path": "/zapsign/api/v1/docs/",
        }
    )
    result = zs("doc", "list")
    assert result.exit_code == 6
    assert expected in result.stderr


# -- info / list ------------------------------------------------------------------------


def test_info_normalizes_and_raw_is_unchanged(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = create(zs, contract)["document_id"]
    info = zs("doc", "info", document_id).json()
    assert info["status"] == "pending" and info["provider_status"] == "pending"
    assert info["signers"][0]["status"] == "pending"
    assert info["files"]["original"].startswith(f"{sandbox.url}/zapsign/files/")
    assert info["files"]["signed"] is None
    assert info["created_at"].endswith("Z")
    raw = zs("doc", "info", document_id, "--raw").json()
    assert raw["token"] == document_id and "open_id" in raw and raw["signers"][0]["status"] == "new"


def test_signer_statuses_move_to_viewed_and_signed(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = create(zs, contract)
    sandbox.http.get(data["sign_urls"][0])  # the signer opens the link
    assert zs("doc", "info", data["document_id"]).json()["signers"][0]["status"] == "viewed"
    sandbox.sign(data["document_id"])
    info = zs("doc", "info", data["document_id"]).json()
    assert info["status"] == "signed" and info["signers"][0]["status"] == "signed"
    assert info["signers"][0]["signed_at"].endswith("Z")


def test_info_of_an_extra_document_short_form(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    import base64

    document_id = create(zs, contract)["document_id"]
    extra = sandbox.http.post(
        f"/zapsign/api/v1/docs/{document_id}/upload-extra-doc/",
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        json={"name": "Anexo", "base64_pdf": base64.b64encode(contract.read_bytes()).decode()},
    ).json()
    info = zs("doc", "info", extra["token"]).json()
    assert info["parent_id"] == document_id
    # The short form has no status: its envelope's (the parent's) is the attachment's.
    assert info["name"] == "Anexo" and info["status"] == "pending"
    assert info["files"]["original"]


def test_info_on_a_tty(zs: Cli, contract: Path) -> None:
    document_id = create(zs, contract)["document_id"]
    result = zs("doc", "info", document_id, tty=True)
    assert "Signers" in result.stdout and "Ana Souza" in result.stdout


def test_list_follows_pages_and_limits(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    from esign.sandbox.zapsign import Account

    token = "paging-token"
    sandbox.running.sandbox.zapsign.store.accounts[token] = Account()
    env = {"ESIGN_API_KEY": token}
    made = [
        zs("request", "create", str(contract), "--signer", "S", "--name", f"doc {i}", env=env)
        for i in range(30)
    ]
    assert all(r.exit_code == 0 for r in made)
    sandbox.clear_requests()
    first_page = zs("doc", "list", env=env)
    assert len(first_page.json()) == 25
    assert "--all" in first_page.stderr  # says there is more
    everything = zs("doc", "list", "--all", env=env).json()
    assert len(everything) == 30 and len({d["id"] for d in everything}) == 30
    limited = zs("doc", "list", "--limit", "27", env=env).json()
    assert len(limited) == 27
    few = zs("doc", "list", "--limit", "3", env=env).json()
    assert len(few) == 3
    pages = [parse_qs(r["query"]).get("page") for r in sandbox.requests()]
    assert pages == [["1"], ["1"], ["2"], ["1"], ["2"], ["1"]]


def test_list_status_filter_and_values(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    signed = create(zs, contract)["document_id"]
    sandbox.sign(signed)
    ids = {d["id"] for d in zs("doc", "list", "--status", "signed", "--all").json()}
    assert signed in ids
    assert all(d["status"] == "signed" for d in zs("doc", "list", "--status", "signed").json())
    bad = zs("doc", "list", "--status", "expired")
    assert bad.exit_code == 2 and "filters by pending, signed, refused" in bad.stderr


def test_list_accepts_a_bare_array(zs: Cli, sandbox: SandboxAdmin) -> None:
    item = {"token": "t-1", "name": "Old", "status": "assinado", "open_id": 1}
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": json.dumps([item]),
            "method": "GET",
            "path": "/zapsign/api/v1/docs/$",
        }
    )
    result = zs("doc", "list")
    assert result.exit_code == 0, result.stderr
    [doc] = result.json()
    assert doc["id"] == "t-1" and doc["status"] == "signed" and doc["provider_status"] == "assinado"


# -- update / delete ------------------------------------------------------------------------


def test_update_name_and_deadline(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = create(zs, contract)["document_id"]
    result = zs("request", "update", document_id, "--name", "Renamed", "--expires-at", "2031-05-17")
    assert result.exit_code == 0, result.stderr
    assert result.json()["request_id"] == document_id
    stored = sandbox.running.sandbox.zapsign.store.docs[document_id]
    assert stored.name == "Renamed"
    assert stored.date_limit_to_sign == "2031-05-17"  # the update page's plain date
    renamed = zs("doc", "update", document_id, "--name", "Again")
    assert renamed.exit_code == 0 and renamed.json()["name"] == "Again"


def test_update_finished_document_is_rejected(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.sign(document_id)
    result = zs("request", "update", document_id, "--name", "Too late")
    # ZapSign answers 403 for a finished document: a refusal of the action, not of the token.
    assert result.exit_code == 6
    assert "não pode ser alterado" in result.stderr and "token" not in result.stderr


def test_delete_is_soft(zs: Cli, contract: Path) -> None:
    document_id = create(zs, contract)["document_id"]
    assert zs("request", "delete", document_id).exit_code == 3  # needs --yes without a TTY
    result = zs("request", "delete", document_id, "--yes")
    assert result.exit_code == 0, result.stderr
    deleted = result.json()
    # The same shape as every provider's delete, saying it was soft.
    assert deleted == {
        "provider": "zapsign",
        "id": document_id,
        "kind": "request",
        "deleted": True,
        "soft": True,
    }
    # Still readable: ZapSign deletes softly.
    assert zs("doc", "info", document_id).json()["deleted"] is True
    again = zs("doc", "delete", document_id, "--yes")
    assert again.exit_code == 0 and again.json()["deleted"] is True


def test_delete_tolerates_an_empty_body(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": "",
            "method": "DELETE",
            "path": f"/docs/{document_id}/$",
        }
    )
    result = zs("doc", "delete", document_id, "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == document_id


def test_upload_is_unsupported_with_a_pointer(zs: Cli, contract: Path) -> None:
    result = zs("doc", "upload", str(contract))
    assert result.exit_code == 2
    assert "esign request create FILE --signer" in result.stderr


# -- download / presign ---------------------------------------------------------------------


def test_download_signed_file_without_the_token(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path, zs_env: dict[str, str]
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.sign(document_id)
    sandbox.clear_requests()
    target = tmp_path / "signed.pdf"
    result = zs("doc", "download", document_id, "-o", str(target), "--debug")
    assert result.exit_code == 0, result.stderr
    info = result.json()
    body = target.read_bytes()
    assert info["sha256"] == hashlib.sha256(body).hexdigest()
    assert "Signer: Ana Souza" in PdfReader(io.BytesIO(body)).pages[-1].extract_text()
    requests = sandbox.requests()
    api = [r for r in requests if r["raw_path"].startswith("/zapsign/api/v1/")]
    files = [r for r in requests if r["raw_path"].startswith("/zapsign/files/")]
    assert api and all(r["credentials"] for r in api)
    assert files and not any(r["credentials"] for r in files)  # no Authorization there
    assert zs_env["ESIGN_API_KEY"] not in result.stderr
    assert "Signature=[REDACTED]" in result.stderr  # presigned signature redacted in --debug


def test_download_unsigned_needs_original(zs: Cli, contract: Path, tmp_path: Path) -> None:
    document_id = create(zs, contract)["document_id"]
    refused = zs("doc", "download", document_id, "-o", str(tmp_path / "x.pdf"))
    assert refused.exit_code == 6
    assert "is pending: still to sign: Ana Souza" in refused.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / "contract.pdf"]
    original = zs("doc", "download", document_id, "--original", "-o", "-")
    assert original.exit_code == 0
    assert original.stdout_bytes == contract.read_bytes()


def test_download_into_a_directory_uses_the_file_name(
    zs: Cli, contract: Path, tmp_path: Path, sandbox: SandboxAdmin
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    document_id = create(zs, contract, "--name", "Lease 2027")["document_id"]
    sandbox.sign(document_id)
    result = zs("doc", "download", document_id, "-o", f"{out}/")
    assert result.exit_code == 0, result.stderr
    assert (out / "Lease 2027.pdf").exists()


def test_presign_reads_the_expiry_from_the_url(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = create(zs, contract)["document_id"]
    original = zs("doc", "presign", document_id, "--original")
    assert original.exit_code == 0, original.stderr
    data = original.json()
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(minutes=60)
    assert expires == presigned_expiry(data["url"])
    fetched = sandbox.http.get(data["url"])
    assert fetched.status_code == 200 and fetched.content == contract.read_bytes()
    unsigned = zs("doc", "presign", document_id)
    assert unsigned.exit_code == 6


def test_presigned_urls_reject_tampering(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = create(zs, contract)["document_id"]
    url = zs("doc", "presign", document_id, "--original").json()["url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    later = str(int(query["Expires"][0]) + 3600)
    tampered = url.replace(f"Expires={query['Expires'][0]}", f"Expires={later}")
    response = sandbox.http.get(tampered)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text
    other_doc = url.replace(document_id, "00000000-0000-0000-0000-000000000000")
    assert sandbox.http.get(other_doc).status_code == 403


def test_expired_presigned_url_is_refused(sandbox: SandboxAdmin) -> None:
    presigner = sandbox.running.sandbox.zapsign.store.presigner
    url = presigner.sign(sandbox.url, "/zapsign/files/x/original.pdf", lifetime=-1)
    response = sandbox.http.get(url)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


def test_presigned_expiry_forms() -> None:
    assert presigned_expiry("https://s3/x.pdf?AWSAccessKeyId=A&Expires=1700000000&Signature=s") == (
        datetime.fromtimestamp(1700000000, tz=UTC)
    )
    v4 = "https://s3/x.pdf?X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=s"
    assert presigned_expiry(v4) == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert presigned_expiry("https://s3/x.pdf") is None


def test_presign_falls_back_to_sixty_minutes(zs: Cli, sandbox: SandboxAdmin) -> None:
    body = {
        "token": "t-2",
        "name": "x",
        "status": "signed",
        "signers": [],
        "original_file": "https://files.example/a.pdf",
        "signed_file": "https://files.example/b.pdf",
    }
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": json.dumps(body),
            "method": "GET",
            "path": "/zapsign/api/v1/docs/t-2/$",
        }
    )
    data = zs("doc", "presign", "t-2").json()
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert data["url"] == "https://files.example/b.pdf"
    assert timedelta(minutes=58) < expires - datetime.now(UTC) <= timedelta(minutes=60)


# -- signing simulation and webhooks ----------------------------------------------------------


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_signed_only_when_every_signer_signed_and_webhooks_fire(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    hook = sandbox.http.post(
        "/zapsign/api/v1/user/company/webhook/",
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        json={
            "url": callback_receiver.url,
            "type": "",
            "headers": [{"name": "Authorization", "value": "Bearer portal-secret"}],
        },
    )
    assert hook.status_code == 200 and isinstance(hook.json()["id"], int)
    data = zs("request", "create", str(contract), "--signer", "Ana", "--signer", "Bruno").json()
    first, second = (s["id"] for s in data["signers"])
    signed_one = zs("sandbox", "sign", data["document_id"], "--signer", first)
    assert signed_one.exit_code == 0, signed_one.stderr
    assert signed_one.json()["state"] == "pending"
    assert zs("doc", "info", data["document_id"]).json()["status"] == "pending"
    signed_two = zs("sandbox", "sign", second)  # a signer token works as the ID too
    assert signed_two.json()["state"] == "signed"
    wait_for(lambda: len(callback_receiver.received) >= 3)
    events = [r["json"]["event_type"] for r in callback_receiver.received]
    assert events == ["doc_created", "doc_signed", "doc_signed"]
    last = callback_receiver.received[-1]
    assert (
        last["json"]["status"] == "signed" and last["json"]["signer_who_signed"]["token"] == second
    )
    assert callback_receiver.received[1]["json"]["status"] == "pending"
    assert last["headers"]["Authorization"] == "Bearer portal-secret"  # registered header only
    again = zs("sandbox", "sign", data["document_id"])
    assert again.exit_code == 6


def test_cancel_refuses_and_webhook_filters_by_type(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.http.post(
        "/zapsign/api/v1/user/company/webhook/",
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        json={"url": callback_receiver.url, "type": "doc_refused", "doc_token": document_id},
    ).raise_for_status()
    other = create(zs, contract)["document_id"]
    zs("sandbox", "sign", other, "--cancel")  # not this webhook's document
    result = zs("sandbox", "sign", document_id, "--cancel")
    assert result.json()["state"] == "refused"
    wait_for(lambda: len(callback_receiver.received) >= 1)
    [event] = callback_receiver.received
    assert event["json"]["event_type"] == "doc_refused" and event["json"]["token"] == document_id
    info = zs("doc", "info", document_id).json()
    assert info["status"] == "refused"


def test_failed_webhook_deliveries_are_retried(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    callback_receiver.status = 500
    sandbox.http.post(
        "/zapsign/api/v1/user/company/webhook/",
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        json={"url": callback_receiver.url, "type": "doc_deleted"},
    ).raise_for_status()
    document_id = create(zs, contract)["document_id"]
    zs("doc", "delete", document_id, "--yes")
    wait_for(lambda: len(callback_receiver.received) >= 3)
    assert {r["json"]["event_type"] for r in callback_receiver.received} == {"doc_deleted"}
