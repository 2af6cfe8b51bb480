"""`esign api`: authenticated requests to any endpoint, for all three providers, against the
sandbox over loopback (and a hostile server where the sandbox would be too polite)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from esign.sandbox.indexhealth import IndexHealthStore
from tests.conftest import Cli, SandboxAdmin, ih_settings
from tests.hostile import HostileServer, Reply, json_reply


@pytest.fixture
def ih(sandbox: SandboxAdmin) -> Cli:
    return Cli(ih_settings(sandbox))


def _created(cli: Cli, contract: Path, *extra: str) -> str:
    result = cli("request", "create", str(contract), *extra)
    assert result.exit_code == 0, result.stderr
    return str(result.json()["document_id"])


def _api_calls(sandbox: SandboxAdmin) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if not r["raw_path"].startswith("/_sandbox")]


# -- ZapSign --------------------------------------------------------------------------------


def test_zapsign_get_prints_the_body_as_it_came(zs: Cli, contract: Path) -> None:
    token = _created(zs, contract, "--signer", "Ana <ana@example.com>")
    piped = zs("api", f"/docs/{token}/")
    assert piped.exit_code == 0, piped.stderr
    assert piped.json()["token"] == token
    assert piped.stdout.count("\n") == 1  # compact when piped
    shown = zs("api", "GET", f"docs/{token}/", tty=True)  # a METHOD first, no leading slash
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.startswith("{\n  ")  # indented on a terminal
    assert json.loads(shown.stdout)["token"] == token


def test_zapsign_post_with_fields_sends_a_json_body(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    token = _created(zs, contract, "--signer", "Ana <ana@example.com>")
    refused = zs(
        "api", "-X", "POST", "/refuse/", "-f", f"doc_token={token}", "-f", "rejected_reason=dup"
    )
    assert refused.exit_code == 0, refused.stderr
    info = zs("doc", "info", token).json()
    assert info["status"] == "refused"
    assert info["rejected_reason"] == "dup"


def test_zapsign_fields_default_to_post_and_typed_fields_keep_their_type(
    zs: Cli, contract: Path
) -> None:
    token = _created(zs, contract, "--signer", "Ana <ana@example.com>")
    # Update document (PUT /docs/{token}/) takes the new name; -F sends typed values.
    renamed = zs("api", "-X", "PUT", f"/docs/{token}/", "-F", "name=renamed", "--silent")
    assert renamed.exit_code == 0, renamed.stderr
    assert renamed.stdout == ""  # --silent
    assert zs("doc", "info", token).json()["name"] == "renamed"


def test_zapsign_paginate_follows_next(zs: Cli, contract: Path) -> None:
    tokens = {_created(zs, contract, "--signer", "A <a@example.com>") for _ in range(27)}
    pages = zs("api", "/docs/", "--paginate")
    assert pages.exit_code == 0, pages.stderr
    body = pages.json()
    assert isinstance(body, list) and len(body) >= 2  # one JSON array of the pages
    listed = {item["token"] for page in body for item in page["results"]}
    assert tokens <= listed
    lines = zs("api", "/docs/", "--paginate", "--jq", ".results[].token")
    assert lines.exit_code == 0, lines.stderr
    assert tokens <= set(lines.stdout.split())  # raw strings, one per line


def test_zapsign_error_body_on_stdout_and_the_exit_code_of_every_command(zs: Cli) -> None:
    missing = zs("api", "/docs/no-such-token/")
    assert missing.exit_code == 5
    assert missing.json() == {"detail": "Não encontrado."}  # the provider's body, on stdout
    assert missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1
    wrong_token = zs("api", "/docs/", env={"ESIGN_API_KEY": "not-a-token"})
    assert wrong_token.exit_code == 4


def test_include_prints_status_line_and_headers_first(zs: Cli) -> None:
    result = zs("api", "/docs/", "-i")
    assert result.exit_code == 0, result.stderr
    head, _, body = result.stdout.partition("\n\n")
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert "content-type: application/json" in head.lower()
    assert "results" in json.loads(body)


def test_a_foreign_url_is_refused_and_nothing_is_sent(zs: Cli, sandbox: SandboxAdmin) -> None:
    sandbox.clear_requests()
    base = zs.env["ESIGN_BASE_URL"]
    for target in (
        "https://attacker.example/api/v1/docs/",
        base.replace("/api/v1", "/api/v2") + "/docs/",  # same origin, outside the base path
        base.replace("http://", "https://") + "/docs/",
        "/../../okdokument/JSON/counter",
        "/docs/%2e%2e/%2e%2e/x",
        "/docs/#frag",
    ):
        result = zs("api", target)
        assert result.exit_code == 2, (target, result.stderr)
        assert result.stderr.startswith("error: "), result.stderr
    assert _api_calls(sandbox) == []
    inside = zs("api", base + "/docs/")  # an absolute URL under the base is fine
    assert inside.exit_code == 0, inside.stderr


def test_paginate_refuses_a_next_link_to_another_origin(hostile: HostileServer) -> None:
    hostile.route(
        "GET", "/api/v1/docs/", json_reply(json.dumps({"next": "http://127.0.0.2:1/steal"}))
    )
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": "tok-12345678",
        }
    )
    result = cli("api", "/docs/", "--paginate")
    assert result.exit_code == 2
    assert "not under the profile's base URL" in result.stderr
    assert len(hostile.seen) == 1


def test_paginate_is_refused_where_the_api_has_no_pages(cli: Cli) -> None:
    result = cli("api", "/list/flat", "--paginate")
    assert result.exit_code == 2
    assert "no pages" in result.stderr


# -- OKdokument -----------------------------------------------------------------------------


def test_okdokument_get_and_binary_download(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    doc = _created(cli, contract)
    sandbox.sign(doc)
    meta = cli("api", f"/document/metadata/{doc}", "--jq", ".state")
    assert meta.exit_code == 0, meta.stderr
    assert meta.stdout == "signed\n"  # a string prints raw
    on_terminal = cli("api", f"/document/{doc}", tty=True)
    assert on_terminal.exit_code == 2
    assert "binary" in on_terminal.stderr and "-o FILE" in on_terminal.stderr
    assert on_terminal.stdout == ""
    out = tmp_path / "signed.pdf"
    saved = cli("api", f"/document/{doc}", "-o", str(out))
    assert saved.exit_code == 0, saved.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert list(tmp_path.glob("*.part")) == []
    again = cli("api", f"/document/{doc}", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr
    piped = cli("api", f"/document/{doc}")  # piped: the bytes themselves
    assert piped.exit_code == 0
    assert piped.stdout_bytes == out.read_bytes()


def test_okdokument_post_with_typed_fields(cli: Cli, contract: Path) -> None:
    import base64

    content = base64.b64encode(contract.read_bytes()).decode()
    b64 = contract.with_suffix(".b64")
    b64.write_text(content)
    # Upload document (JSON), spec 6.3: {"filename", "state", "file": {"content": base64}};
    # the answer's `result` is the document ID.
    created = cli(
        "api",
        "POST",
        "/document",
        "-F",
        f"file[content]=@{b64}",
        "-f",
        "filename=from-api.pdf",
        "-f",
        "state=tosign",
        "--jq",
        ".result",
    )
    assert created.exit_code == 0, created.stderr
    info = cli("doc", "info", created.stdout.strip())
    assert info.exit_code == 0, info.stderr
    assert info.json()["name"] == "from-api.pdf"


def test_okdokument_rejected_key_is_exit_4(cli: Cli, sandbox: SandboxAdmin) -> None:
    result = cli("api", "/counter", env={"ESIGN_API_KEY": sandbox.okdokument_forbidden_key})
    assert result.exit_code == 4
    assert result.stdout  # the provider's error body


# -- IndexHealth ----------------------------------------------------------------------------


def test_indexhealth_post_and_download(ih: Cli, contract: Path, tmp_path: Path) -> None:
    uploaded = ih("doc", "upload", str(contract), "--collection", "col-demo")
    assert uploaded.exit_code == 0, uploaded.stderr
    doc = uploaded.json()["id"]
    details = ih("api", "/get-document-details", "-f", f"document_id={doc}", "--jq", ".data.name")
    assert details.exit_code == 0, details.stderr
    assert details.stdout.strip()
    missing = ih("api", "/get-document-details", "-f", "document_id=nope")
    assert missing.exit_code == 5  # the envelope's 437, mapped as every command maps it
    out = tmp_path / "file.pdf"
    saved = ih("api", f"/download/{doc}", "-o", str(out))
    assert saved.exit_code == 0, saved.stderr
    assert out.read_bytes() == contract.read_bytes()


def test_indexhealth_renews_a_refused_token_once(
    sandbox: SandboxAdmin, ih: Cli, contract: Path
) -> None:
    store: IndexHealthStore = sandbox.running.sandbox.indexhealth.store
    saved = store.revoked_before
    try:
        store.revoked_before = time.time() + 60  # every token is refused
        failing = ih("api", "/get-documents", "-f", "collection_id=col-demo", "--debug")
        assert failing.exit_code == 4
        assert failing.stderr.count("< 403") == 2  # the call, then once with a new token
    finally:
        store.revoked_before = saved
    ok = ih("api", "/get-documents", "-f", "collection_id=col-demo", "--jq", ".statusCode")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout == "200\n"


# -- safety ---------------------------------------------------------------------------------


def test_debug_masks_the_credential_and_stdout_never_shows_it(zs: Cli) -> None:
    key = zs.env["ESIGN_API_KEY"]
    result = zs("api", "/docs/", "--debug", "-i")
    assert result.exit_code == 0
    assert key not in result.stderr
    assert key not in result.stdout
    assert "Bearer [REDACTED]" in result.stderr or "[REDACTED]" in result.stderr


def test_a_post_that_may_have_arrived_is_not_sent_again(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    sandbox.faults({"kind": "reset_after", "path": "^/zapsign/api/v1/refuse/$", "count": 1})
    token = _created(zs, contract, "--signer", "Ana <ana@example.com>")
    sandbox.clear_requests()
    result = zs("api", "POST", "/refuse/", "-f", f"doc_token={token}", "-f", "rejected_reason=x")
    assert result.exit_code == 1
    assert "not sent again" in result.stderr
    refuses = [r for r in sandbox.requests() if r["raw_path"].endswith("/refuse/")]
    assert len(refuses) == 1


def test_a_get_is_retried_after_a_503(zs: Cli, sandbox: SandboxAdmin) -> None:
    sandbox.faults({"kind": "status", "status": 503, "path": "^/zapsign/api/v1/docs/$", "count": 1})
    # Not paced (--rate none): the one sleep is the retry's backoff.
    result = zs("api", "/docs/", "--rate", "none")
    assert result.exit_code == 0, result.stderr
    assert len(result.sleeps) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["api", "/docs/", "-f", "novalue"], "key=value"),
        (["api", "/docs/", "-H", "NoColon"], "Name: value"),
        (["api", "BREW", "/docs/"], "unknown HTTP method"),
        (["api", "GET", "/docs/", "-X", "POST"], "disagree"),
        (["api", "/docs/", "--input", "/no/such/file"], "cannot read --input"),
        (["api", "/docs/", "-f", "a[b]=1", "-X", "GET"], "nested"),
    ],
)
def test_bad_input_is_exit_2_and_sends_nothing(
    zs: Cli, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    sandbox.clear_requests()
    result = zs(*args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert _api_calls(sandbox) == []


def test_nested_fields_and_input_body(hostile: HostileServer, tmp_path: Path) -> None:
    hostile.route("POST", "/api/v1/docs/", json_reply("{}"))
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": "tok-12345678",
        }
    )
    result = cli(
        "api",
        "/docs/",
        "-F",
        "signers[][name]=Ana",
        "-F",
        "signers[][email]=ana@example.com",
        "-F",
        "signers[][name]=Bo",
        "-F",
        "meta[count]=3",
        "-F",
        "flag=true",
        "-F",
        "nothing=null",
        "-f",
        "text=42",
        "-F",
        "tags[]=a",
        "-F",
        "tags[]=b",
    )
    assert result.exit_code == 0, result.stderr
    sent = json.loads(hostile.seen[-1].body)
    assert sent == {
        "signers": [{"name": "Ana", "email": "ana@example.com"}, {"name": "Bo"}],
        "meta": {"count": 3},
        "flag": True,
        "nothing": None,
        "text": "42",
        "tags": ["a", "b"],
    }
    assert hostile.seen[-1].headers["authorization"] == "Bearer tok-12345678"
    body = tmp_path / "body.json"
    body.write_bytes(b'{"raw": [1, 2]}')
    raw = cli("api", "/docs/", "--input", str(body), "-H", "X-Extra: yes")
    assert raw.exit_code == 0, raw.stderr
    assert hostile.seen[-1].body == b'{"raw": [1, 2]}'
    assert hostile.seen[-1].headers["content-type"] == "application/json"
    assert hostile.seen[-1].headers["x-extra"] == "yes"


def test_a_query_in_the_path_is_kept_beside_the_fields(hostile: HostileServer) -> None:
    # gh merges the two; httpx alone would replace the path's query with the fields.
    hostile.route("GET", "/api/v1/docs/", json_reply("{}"))
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": "tok-12345678",
        }
    )
    result = cli("api", "/docs/?page=2&x=0", "-X", "GET", "-f", "x=1", "-f", "y=2")
    assert result.exit_code == 0, result.stderr
    assert hostile.seen[-1].path == "/api/v1/docs/?page=2&x=0&x=1&y=2"


@pytest.mark.parametrize("kind", ["application/json", "text/plain"])
def test_a_credential_the_server_reflects_is_masked_on_stdout(
    hostile: HostileServer, kind: str
) -> None:
    # An echo endpoint, or a debugging proxy, that quotes the request's headers back.
    key = "tok-reflected-0123456789"
    body = json.dumps({"headers": {"Authorization": f"Bearer {key}"}, "n": 1})
    hostile.route("GET", "/api/v1/echo", Reply(200, [("content-type", kind)], body.encode()))
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": key,
        }
    )
    result = cli("api", "/echo")
    assert result.exit_code == 0, result.stderr
    assert key not in result.stdout and "[REDACTED]" in result.stdout
    if kind == "application/json":
        assert json.loads(result.stdout)["n"] == 1  # still JSON


def test_a_reflected_credential_is_masked_however_the_json_escapes_it(
    hostile: HostileServer,
) -> None:
    key = "k_abc/def/ghi123"
    escaped = key.replace("/", "\\/")  # PHP's default json_encode
    unicode = "".join(f"\\u{ord(ch):04x}" for ch in key)
    body = ('\ufeff{"a": "' + escaped + '", "b": "' + unicode + '", "n": 1}').encode()
    hostile.route("GET", "/api/v1/echo", Reply(200, [("content-type", "application/json")], body))
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": key,
        }
    )
    result = cli("api", "/echo", "--jq", ".")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)  # a BOM is still JSON, and the filter applied
    assert shown == {"a": "[REDACTED]", "b": "[REDACTED]", "n": 1}
