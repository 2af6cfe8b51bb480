"""A hostile HTTP server for tests: what a compromised provider, a broken proxy or an attacker
on the path could answer, down to the byte.

Each test routes a method and path (a regex) to a `Reply`: any status and headers (raw bytes
allowed, for header values that are not ASCII), a body sent at once, dripped a few bytes at a
time, or never sent (`hang`). Every request is recorded. Unlike the sandbox, it emulates no
provider: it says exactly what the test tells it to, as badly as the test wants.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: list[tuple[str | bytes, str | bytes]] = field(default_factory=list)
    body: bytes = b""
    # Seconds between pieces of `drip_size` bytes: a slow drip keeps every single read within
    # its timeout while the whole answer takes forever.
    drip: float | None = None
    drip_size: int = 1
    # Seconds of silence before anything is sent (headers included).
    hang: float = 0.0
    # Send this Content-Length instead of the body's (None: the body's length).
    content_length: int | None = None
    # Leave the body unfinished: send `body`, then keep the connection open this long.
    stall_after_body: float = 0.0


Responder = Callable[[Seen], Reply]


def json_reply(data: bytes | str, status: int = 200, **extra: Any) -> Reply:
    body = data.encode() if isinstance(data, str) else data
    return Reply(status=status, headers=[("Content-Type", "application/json")], body=body, **extra)


def pdf_reply(body: bytes, *headers: tuple[str | bytes, str | bytes], **extra: Any) -> Reply:
    return Reply(headers=[("Content-Type", "application/pdf"), *headers], body=body, **extra)


_SIGNED_METADATA = re.compile(r"/JSON/document/metadata/([^/?]+)$")


def _signed_metadata(document_id: str) -> str:
    """OKdokument's document metadata, shaped as the spec's §6.10 example, state signed."""
    return json.dumps(
        {
            "filename": f"{document_id}.pdf",
            "state": "signed",
            "modification": "2024-03-01 10:00:00",
            "id": document_id,
            "date": 1709283600000,
            "number": "1",
        }
    )


class HostileServer:
    """A threaded loopback server; `route()` what it answers, `url` where it listens."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Reply | Responder]] = []
        self.seen: list[Seen] = []
        self.closed = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                server.seen.append(seen)
                server._answer(self, seen)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True  # a hanging answer must not hold the test's exit
        # A client that leaves mid-answer is what many tests want: no traceback on stderr
        # (in-process CLI runs capture stderr, and would see the server's complaint).
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def route(self, method: str, path: str, reply: Reply | Responder) -> None:
        """Answer `method` requests whose path matches the regex `path` (first match wins)."""
        self.routes.append((method.upper(), re.compile(path), reply))

    def close(self) -> None:
        self.closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        for method, pattern, reply in self.routes:
            if method in (seen.method, "*") and pattern.search(seen.path):
                chosen = reply(seen) if callable(reply) else reply
                break
        else:
            signed = _SIGNED_METADATA.search(seen.path) if seen.method == "GET" else None
            if signed is not None:
                # OKdokument downloads read the document's state first (§6.10): unless a test
                # routes it, every document here is signed, so its file may be fetched.
                chosen = json_reply(_signed_metadata(signed.group(1)))
            else:
                chosen = json_reply('{"message": "no such route in the hostile server"}', 404)
        self._send(handler, chosen)

    def _pause(self, seconds: float) -> None:
        self.closed.wait(seconds)

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        out = handler.wfile
        if reply.hang:
            self._pause(reply.hang)
        head = [f"HTTP/1.1 {reply.status} Hostile\r\n".encode()]
        names = set()
        for name, value in reply.headers:
            raw_name = name.encode() if isinstance(name, str) else name
            raw_value = value.encode("utf-8") if isinstance(value, str) else value
            names.add(raw_name.lower())
            head.append(raw_name + b": " + raw_value + b"\r\n")
        if b"content-length" not in names and b"transfer-encoding" not in names:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            head.append(f"Content-Length: {length}\r\n".encode())
        head.append(b"\r\n")
        try:
            out.write(b"".join(head))
            out.flush()
            if reply.drip is None:
                out.write(reply.body)
                out.flush()
            else:
                for start in range(0, len(reply.body), reply.drip_size):
                    if self.closed.is_set():
                        return
                    out.write(reply.body[start : start + reply.drip_size])
                    out.flush()
                    time.sleep(reply.drip)
            if reply.stall_after_body:
                self._pause(reply.stall_after_body)
                handler.close_connection = True
        except OSError:
            handler.close_connection = True  # the client left: that is what some tests want
