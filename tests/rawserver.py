"""A loopback HTTP/1.1 server whose answers a test writes byte by byte: every header, every
close, every informational answer, as a hostile or broken server would send them."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    data: bytes
    close: bool = False  # close the connection right after sending `data`


Responder = Callable[[Seen], Answer]


def ok(body: bytes = b'{"ok": true}', extra: str = "") -> Answer:
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    )
    return Answer(head.encode() + body)


class LoopbackListener:
    """Accepts connections on a free loopback port, each served on its own thread by
    `serve_connection`."""

    port: int

    def listen(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def serve_connection(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.on_accept()
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()

    def on_accept(self) -> None:
        """Called for each accepted connection, before it is served."""


@dataclass
class RawServer(LoopbackListener):
    """A loopback HTTP/1.1 server: reads each request (Content-Length or chunked body) and
    sends whatever the responder returns, so the test controls every byte and every close."""

    respond: Responder
    tls: ssl.SSLContext | None = None
    # False: answer as soon as the headers are in, never reading the body (a server that
    # refuses an upload early), then close.
    read_body: bool = True
    accepted: int = 0
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listen()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def on_accept(self) -> None:
        self.accepted += 1

    def serve_connection(self, conn: socket.socket) -> None:
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            reader = conn.makefile("rb")
            while True:
                request = _read_request(reader, read_body=self.read_body)
                if request is None:
                    return
                self.seen.append(request)
                answer = self.respond(request)
                conn.sendall(answer.data)
                if answer.close or not self.read_body:
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()


def _read_request(reader: object, *, read_body: bool = True) -> Seen | None:
    readline = reader.readline  # type: ignore[attr-defined]
    read = reader.read  # type: ignore[attr-defined]
    start = readline()
    if not start:
        return None
    method, path, _ = start.decode().split(" ", 2)
    headers: dict[str, str] = {}
    while (line := readline()) not in (b"\r\n", b""):
        name, value = line.decode().split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = b""
    if not read_body:
        pass
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while (size := int(readline().split(b";")[0], 16)) > 0:
            body += read(size)
            readline()
        readline()
    elif "content-length" in headers:
        body = read(int(headers["content-length"]))
    return Seen(method, path, headers, body)


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(
        respond: Responder, tls: ssl.SSLContext | None = None, *, read_body: bool = True
    ) -> RawServer:
        server = RawServer(respond, tls, read_body)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (cert.pem, key.pem)."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed (scripts/test installs it)"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context
