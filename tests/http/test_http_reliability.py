"""Retries, idempotency and failure handling of the HTTP layer, against injected faults."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import Cli, SandboxAdmin

CREATE_PATH = "/okdokument/JSON/signatureRequest$"
INFO_PATH = "/okdokument/JSON/document/metadata/"


def creates(sandbox: SandboxAdmin) -> list[dict[str, object]]:
    return [e for e in sandbox.journal() if e["operation"] == "create_signature_request"]


def test_create_is_not_resent_after_a_reset_once_sent(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    before = len(creates(sandbox))
    # The server executes the create, then drops the connection without answering.
    sandbox.faults({"kind": "reset_after", "method": "POST", "path": CREATE_PATH, "count": 1})
    result = cli("request", "create", str(contract), "--max-attempts", "5")
    assert result.exit_code == 1
    assert "may have reached the server" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.sleeps == []  # no retry was even scheduled
    assert len(creates(sandbox)) == before + 1  # executed exactly once


def test_create_is_not_resent_after_a_reset_before_processing(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    before = len(creates(sandbox))
    sandbox.faults({"kind": "reset", "method": "POST", "path": CREATE_PATH, "count": 1})
    result = cli("request", "create", str(contract))
    # The client cannot know the server did nothing: it must not guess.
    assert result.exit_code == 1
    assert len(creates(sandbox)) == before
    posts = [r for r in sandbox.requests() if r["method"] == "POST"]
    assert posts[-1]["raw_path"].endswith("/signatureRequest")


def test_create_is_not_retried_on_503(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    sandbox.faults(
        {
            "kind": "status",
            "status": 503,
            "retry_after": "1",
            "method": "POST",
            "path": CREATE_PATH,
            "count": 3,
        }
    )
    result = cli("request", "create", str(contract))
    assert result.exit_code == 1
    assert "503" in result.stderr
    assert result.sleeps == []
    assert sandbox.fault_state()[0]["fired"] == 1


def test_create_is_not_retried_on_429(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    sandbox.faults(
        {
            "kind": "status",
            "status": 429,
            "retry_after": "1",
            "method": "POST",
            "path": CREATE_PATH,
            "count": 3,
        }
    )
    result = cli("request", "create", str(contract))
    assert result.exit_code == 7
    assert sandbox.fault_state()[0]["fired"] == 1


def test_create_is_retried_when_the_connection_was_never_established(
    bare_cli: Cli, contract: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": f"http://127.0.0.1:{port}/JSON",
        "ESIGN_API_KEY": "5a4d0c1e_" + "0" * 64,
    }
    result = bare_cli("request", "create", str(contract), "--max-attempts", "3", env=env)
    assert result.exit_code == 1
    assert "could not connect" in result.stderr
    assert "after 3 attempts" in result.stderr
    assert len(result.sleeps) == 2


def test_get_is_retried_on_503_honouring_retry_after(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 503,
            "retry_after": "2",
            "method": "GET",
            "path": INFO_PATH,
            "count": 2,
        }
    )
    result = cli("doc", "info", document_id, "--debug")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == document_id
    assert result.sleeps == [2.0, 2.0]
    assert "retrying in 2.0s (attempt 2 of 3): HTTP 503" in result.stderr


def test_retry_after_http_date_is_honoured(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 429,
            "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT",
            "method": "GET",
            "path": INFO_PATH,
            "count": 1,
        }
    )
    result = cli("doc", "info", document_id)
    assert result.exit_code == 0
    assert result.sleeps == [0.0]  # a date in the past: retry at once


def test_retries_are_bounded_and_rate_limit_exits_7(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 429,
            "retry_after": "1",
            "method": "GET",
            "path": INFO_PATH,
            "count": None,
        }
    )
    result = cli("doc", "info", document_id, "--max-attempts", "4")
    assert result.exit_code == 7
    assert len(result.sleeps) == 3
    assert sandbox.fault_state()[0]["fired"] == 4


def test_persistent_5xx_exits_1(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 502,
            "body": "<html>Bad gateway</html>",
            "content_type": "text/html",
            "method": "GET",
            "path": INFO_PATH,
            "count": None,
        }
    )
    result = cli("doc", "info", document_id)
    assert result.exit_code == 1
    assert "502" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_500_is_not_retried(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults({"kind": "status", "status": 500, "method": "GET", "path": INFO_PATH})
    result = cli("doc", "info", document_id)
    assert result.exit_code == 1
    assert result.sleeps == []


def test_get_is_retried_after_a_connection_reset(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults({"kind": "reset", "method": "GET", "path": INFO_PATH, "count": 1})
    result = cli("doc", "info", document_id)
    assert result.exit_code == 0, result.stderr
    assert len(result.sleeps) == 1


def test_patch_update_is_retried(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    request_id = cli("request", "create", str(contract)).json()["request_id"]
    sandbox.faults(
        {"kind": "status", "status": 503, "method": "PATCH", "path": CREATE_PATH, "count": 1}
    )
    result = cli("request", "update", request_id, "--redirect-url", "https://x.example/")
    assert result.exit_code == 0, result.stderr
    assert len(result.sleeps) == 1


def test_truncated_download_fails_and_leaves_no_file(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "truncate",
            "method": "GET",
            "path": f"/JSON/document/{document_id}$",
            "count": None,
        }
    )
    target = tmp_path / "out" / "doc.pdf"
    target.parent.mkdir()
    result = cli("doc", "download", document_id, "--any-state", "-o", str(target))
    assert result.exit_code == 1
    assert "cut short" in result.stderr or "connection failed" in result.stderr
    assert list(target.parent.iterdir()) == []


def test_timeout_is_reported(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {"kind": "latency", "delay": 1.5, "method": "GET", "path": INFO_PATH, "count": None}
    )
    result = cli("doc", "info", document_id, "--timeout", "0.3", "--max-attempts", "2")
    assert result.exit_code == 1
    assert "timed out" in result.stderr
    assert len(result.sleeps) == 1


def test_invalid_json_body_is_a_malformed_response(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {"kind": "status", "status": 200, "body": "{not json", "method": "GET", "path": INFO_PATH}
    )
    result = cli("doc", "info", document_id)
    assert result.exit_code == 1
    assert "not JSON" in result.stderr
