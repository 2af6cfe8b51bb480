"""Secrets never printed, IDs never change the endpoint, credentials stay on the API origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from esign.core.errors import UsageError
from esign.core.http.client import HttpClient, validate_base_url
from tests.conftest import Cli, SandboxAdmin


def test_debug_trace_never_contains_the_api_key(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path, okd_env: dict[str, str]
) -> None:
    key = okd_env["ESIGN_API_KEY"]
    created = cli(
        "request", "create", str(contract), "--debug", "--callback-url", "http://127.0.0.1:9/cb"
    )
    document_id = created.json()["document_id"]
    runs = [
        created,
        cli("doc", "info", document_id, "--debug"),
        cli("doc", "list", "--debug"),
        cli(
            "doc", "download", document_id, "--any-state", "-o", str(tmp_path / "d.pdf"), "--debug"
        ),
        cli("doc", "info", "missing", "--debug"),  # an error path, with traceback
        cli("doc", "info", document_id, "--debug", "--raw"),
    ]
    for run in runs:
        assert key not in run.stdout and key not in run.stderr
        assert "> x-api-key: [REDACTED]" in run.stderr
    # The trace is useful: requests, responses and the redacted request body.
    assert "> POST http://127.0.0.1" in created.stderr
    assert "< 200 OK" in created.stderr
    assert '"filedata": {"content": "JVBERi0' in created.stderr  # shortened base64
    assert "Traceback" in runs[4].stderr  # --debug shows the traceback, still without the key


def test_secret_in_an_unexpected_error_message_is_scrubbed(
    cli: Cli, sandbox: SandboxAdmin, okd_env: dict[str, str]
) -> None:
    key = okd_env["ESIGN_API_KEY"]
    # An ID that contains the key itself must not echo it back in the error line.
    result = cli("doc", "info", f"x{key}")
    assert result.exit_code == 5
    assert key not in result.stderr
    assert "[REDACTED]" in result.stderr


@pytest.mark.parametrize(
    "hostile",
    ["../../list/flat", "a/b", "..", ".", "x?state=*", "x#frag", "%2F..%2F", "id\u00e9\u4e2d"],
)
def test_ids_are_one_path_segment(cli: Cli, sandbox: SandboxAdmin, hostile: str) -> None:
    sandbox.clear_requests()
    result = cli("doc", "info", hostile)
    assert result.exit_code == 5, result.stderr  # the sandbox looked up that exact ID
    assert "Traceback" not in result.stderr
    [request] = sandbox.requests()
    assert request["raw_path"].startswith("/okdokument/JSON/document/metadata/")
    segment = request["raw_path"].removeprefix("/okdokument/JSON/document/metadata/")
    assert "/" not in segment and segment not in ("..", ".")
    assert request["query"] == ""


@pytest.mark.parametrize("hostile", ["", "   ", "line\nbreak", "tab\there"])
def test_empty_or_control_ids_are_usage_errors(
    cli: Cli, sandbox: SandboxAdmin, hostile: str
) -> None:
    sandbox.clear_requests()
    result = cli("doc", "info", hostile)
    assert result.exit_code == 2
    assert sandbox.requests() == []


def test_plain_http_to_a_remote_host_is_refused(bare_cli: Cli) -> None:
    env = {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": "http://api.okdokument.example/JSON",
        "ESIGN_API_KEY": "5a4d0c1e_" + "0" * 64,
    }
    result = bare_cli("doc", "list", env=env)
    assert result.exit_code == 2
    assert "refusing plain http://" in result.stderr


def test_base_url_with_embedded_credentials_is_refused_without_echoing_them(
    bare_cli: Cli,
) -> None:
    env = {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": "https://user:hunter2secret@api.example/JSON",
        "ESIGN_API_KEY": "5a4d0c1e_" + "0" * 64,
    }
    result = bare_cli("doc", "list", env=env)
    assert result.exit_code == 2
    assert "contains credentials" in result.stderr
    assert "hunter2secret" not in result.stderr


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.okdokument.com/JSON", True),
        ("http://127.0.0.1:8765/okdokument/JSON", True),
        ("http://localhost/JSON", True),
        ("http://[::1]:8000/JSON", True),
        ("http://10.0.0.5/JSON", False),
        ("ftp://api.example/JSON", False),
        ("api.example/JSON", False),
    ],
)
def test_base_url_validation(url: str, ok: bool) -> None:
    if ok:
        assert validate_base_url(url, allow_http=False) == url
    else:
        with pytest.raises(UsageError):
            validate_base_url(url, allow_http=False)


def test_credentials_only_go_to_urls_under_the_api_base(sandbox: SandboxAdmin) -> None:
    seen: list[str] = []

    def auth(request: object) -> None:
        seen.append(str(request.url))  # type: ignore[attr-defined]

    client = HttpClient(sandbox.okdokument_base, timeout=5, max_attempts=1, auth=auth)
    try:
        client.request("GET", f"{sandbox.okdokument_base}/list/flat")
        client.request("GET", f"{sandbox.url}/_sandbox/health")  # same origin, other path
        client.request("GET", f"{sandbox.url}/okdokument/JSONX")  # prefix look-alike
        client.request("GET", f"{sandbox.okdokument_base}/counter", authenticated=False)
    finally:
        client.close()
    assert seen == [f"{sandbox.okdokument_base}/list/flat"]


def test_credentials_are_not_forwarded_across_a_redirect_to_another_origin(
    bare_cli: Cli, tmp_path: Path
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: dict[str, dict[str, str]] = {}

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["elsewhere"] = {k.lower(): v for k, v in self.headers.items()}
            body = b"%PDF-1.7\nredirected\n%%EOF\n"
            self.send_response(200)
            self.send_header("content-type", "application/pdf")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    other = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["api"] = {k.lower(): v for k, v in self.headers.items()}
            self.send_response(302)
            self.send_header("location", f"http://127.0.0.1:{other.server_address[1]}/file")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    for server in (api, other):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        key = "5a4d0c1e_" + "7" * 64
        env = {
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": f"http://127.0.0.1:{api.server_address[1]}/JSON",
            "ESIGN_API_KEY": key,
        }
        target = tmp_path / "r.pdf"
        result = bare_cli("doc", "download", "doc1", "--any-state", "-o", str(target), env=env)
        assert result.exit_code == 0, result.stderr
        assert target.read_bytes().startswith(b"%PDF-")
        assert seen["api"]["x-api-key"] == key
        assert "x-api-key" not in seen["elsewhere"]
        assert "authorization" not in seen["elsewhere"]
    finally:
        for server in (api, other):
            server.shutdown()
            server.server_close()
