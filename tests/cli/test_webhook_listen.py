"""`esign webhook listen`, run as users run it (the installed entry point in a child process,
real signals): it receives the sandbox's events for both providers, checks the required
header, forwards byte for byte, saves, and stops on Ctrl-C with exit 0 and a count."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pexpect
import pytest

from tests.conftest import Cli, SandboxAdmin
from tests.listening import ESIGN

SECRET = "whsec-3f9a1c77e2b04d5e"

pytestmark = pytest.mark.subprocess


def test_receives_the_sandboxs_events_for_both_providers(
    listen: Any, zs: Cli, cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    listener = listen()
    hook = zs("webhook", "create", listener.url, "--event", "doc_signed")
    assert hook.exit_code == 0, hook.stderr
    [created] = hook.json()
    try:
        request = zs("request", "create", str(contract), "--signer", "Ana Souza <ana@x.com>")
        document_id = request.json()["document_id"]
        zs("sandbox", "sign", document_id)
        event = listener.next_event()
        assert event["provider"] == "zapsign" and event["event"] == "doc_signed"
        assert event["document_id"] == document_id and event["status"] == "signed"
        assert event["signer"]["name"] == "Ana Souza" and event["signer"]["status"] == "signed"
        assert event["payload"]["token"] == document_id
        assert event["received_at"].endswith("Z")
    finally:
        zs("webhook", "delete", created["id"], "--yes")

    okd = cli("request", "create", str(contract), "--callback-url", listener.url)
    okd_data = okd.json()
    cli("sandbox", "sign", okd_data["request_id"], "--cancel")
    event = listener.next_event()
    assert event["provider"] == "okdokument" and event["event"] == "canceled"
    assert event["document_id"] == okd_data["document_id"] and event["status"] == "canceled"
    assert event["signer"] is None
    assert event["payload"]["signatureRequestId"] == okd_data["request_id"]
    # Delivered means answered 200: the document did not go to errorsendinfo.
    assert cli("doc", "info", okd_data["document_id"]).json()["provider_status"] == "canceled"

    code, stderr = listener.stop()
    assert code == 0
    assert "stopped: 2 events received" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_other_stops_end_it_cleanly_too(listen: Any, signum: int) -> None:
    listener = listen()
    code, stderr = listener.stop(signum)
    assert code == 0 and "stopped: 0 events received" in stderr


def test_require_header_refuses_deliveries_without_it(
    listen: Any, zs: Cli, contract: Path, tmp_path: Path
) -> None:
    listener = listen("--require-header", "Authorization: @-", stdin=f"Bearer {SECRET}\n")
    bare = httpx.post(listener.url, json={"event_type": "doc_signed"}, timeout=10)
    wrong = httpx.post(
        listener.url,
        json={"event_type": "doc_signed"},
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert (bare.status_code, wrong.status_code) == (401, 401)
    # The registered webhook carries the header (its value read from a file, never argv).
    secret_file = tmp_path / "secret"
    secret_file.write_text(f"Bearer {SECRET}\n")
    hook = zs(
        "webhook", "create", listener.url, "--header", f"Authorization: @{secret_file}", "--debug"
    )
    assert hook.exit_code == 0, hook.stderr
    assert SECRET not in hook.stdout + hook.stderr  # --debug traces the body: masked
    [created] = hook.json()
    assert created["headers"] == ["Authorization"]
    try:
        document_id = zs("request", "create", str(contract), "--signer", "Ana").json()[
            "document_id"
        ]
        event = listener.next_event()
        assert event["event"] == "doc_created" and event["document_id"] == document_id
    finally:
        zs("webhook", "delete", created["id"], "--yes")
    code, stderr = listener.stop()
    assert code == 0
    assert "stopped: 1 event received (2 refused for a missing or wrong header)" in stderr
    assert "refused a delivery from 127.0.0.1 (401): header Authorization" in stderr
    assert SECRET not in stderr


class Recorder:
    """The user's app behind --forward-to: keeps the exact bytes and headers it got."""

    def __init__(self, status: int = 202) -> None:
        self.received: list[tuple[bytes, dict[str, str], str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                recorder.received.append((body, dict(self.headers.items()), self.path))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/app/hooks?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_forward_to_resends_the_exact_body_and_headers(listen: Any) -> None:
    app = Recorder(status=202)
    try:
        listener = listen("--forward-to", app.url)
        # Odd spacing, key order and non-ASCII text: a re-encoded body would differ.
        body = '{"event_type":"doc_signed",  "token":"t-1","name":"Contrato  São Paulo ✓"}'.encode()
        answer = httpx.post(
            listener.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Zapsign-Secret": "s3",
                "User-Agent": "zs",
            },
            timeout=10,
        )
        assert answer.status_code == 200  # the provider's answer does not wait for the app
        event = listener.next_event()
        assert event["forwarded"] == {"url": app.url, "status": 202, "error": None}
        [(got, headers, path)] = app.received
        assert got == body and path == "/app/hooks?x=1"
        assert headers["X-Zapsign-Secret"] == "s3" and headers["User-Agent"] == "zs"
        assert headers["Content-Type"] == "application/json"
    finally:
        app.close()


def test_a_failed_forward_is_reported_and_the_provider_still_gets_200(listen: Any) -> None:
    listener = listen("--forward-to", "http://127.0.0.1:9/down")
    answer = httpx.post(listener.url, json={"event_type": "doc_created", "token": "t"}, timeout=10)
    assert answer.status_code == 200
    event = listener.next_event()
    assert event["forwarded"]["status"] is None and "ConnectError" in event["forwarded"]["error"]


def test_save_keeps_each_payload_as_received(listen: Any, tmp_path: Path) -> None:
    target = tmp_path / "events" / "today"
    listener = listen("--save", str(target))
    bodies = [
        b'{"event_type": "doc_signed", "token": "a"}',
        b'{"state":"signed","id":"d","signatureRequestId":"r"}',
    ]
    for body in bodies:
        httpx.post(listener.url, content=body, timeout=10)
    saved = [listener.next_event()["saved"] for _ in bodies]
    assert [Path(p).read_bytes() for p in saved] == bodies
    assert Path(saved[0]).name.endswith("-0001-zapsign-doc_signed.json")
    assert Path(saved[1]).name.endswith("-0002-okdokument-signed.json")
    assert all(stat.S_IMODE(Path(p).stat().st_mode) == 0o600 for p in saved)


def test_what_is_not_an_event_is_refused_without_stopping(listen: Any) -> None:
    listener = listen()
    not_json = httpx.post(listener.url, content=b"<xml/>", timeout=10)
    array = httpx.post(listener.url, json=[1, 2], timeout=10)
    assert (not_json.status_code, array.status_code) == (400, 400)
    port = int(listener.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        # A sender announcing 50 MB is answered before it sends them.
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.0 413")
    unknown = httpx.post(listener.url, json={"hello": "world"}, timeout=10)
    assert unknown.status_code == 200  # new event kinds are accepted (ZapSign's policy)
    event = listener.next_event()
    assert event["provider"] is None and event["payload"] == {"hello": "world"}
    code, stderr = listener.stop()
    assert code == 0 and "(3 not events)" in stderr


def test_port_in_use_is_a_usage_error() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as taken:
        port = str(taken.server_address[1])
        done = subprocess.run(
            [ESIGN, "webhook", "listen", "--port", port], capture_output=True, text=True, timeout=30
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr


def test_terminal_shows_one_readable_line_per_event(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        ESIGN, ["webhook", "listen", "--port", "0"], env=env, encoding="utf-8", timeout=15
    )
    try:
        child.expect(r"listening on (http://127\.0\.0\.1:\d+/)")
        url = child.match.group(1)
        hostile = "Ana\x1b]52;c;cHduZWQ=\x07 Souza"  # OSC 52 would write the clipboard
        payload = {
            "event_type": "doc_signed",
            "token": "doc-1",
            "status": "pending",
            "signer_who_signed": {"token": "s", "name": hostile, "status": "signed"},
        }
        assert httpx.post(url, json=payload, timeout=10).status_code == 200
        child.expect(r"zapsign  doc_signed  doc-1  pending  signer (.*) \(signed\)")
        assert "\x1b]52" not in child.after and "\\x1b]52" in child.after
        child.sendintr()
        child.expect("stopped: 1 event received")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
