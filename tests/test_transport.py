"""The HTTP transport (http.client under httpx): keep-alive, stale connections, bodies cut
short, chunked bodies both ways, and TLS verification, each against a real loopback server
whose answers the test writes byte by byte."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from esign.core.errors import NetworkError
from esign.core.http import HttpClient
from esign.core.http_import import import_httpx
from esign.core.transport import StdlibTransport

httpx = import_httpx()


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


@dataclass
class RawServer:
    """A loopback HTTP/1.1 server: reads each request (Content-Length or chunked body) and
    sends whatever the responder returns, so the test controls every byte and every close."""

    respond: Responder
    tls: ssl.SSLContext | None = None
    accepted: int = 0
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            reader = conn.makefile("rb")
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                self.seen.append(request)
                answer = self.respond(request)
                conn.sendall(answer.data)
                if answer.close:
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()


def _read_request(reader: object) -> Seen | None:
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
    if headers.get("transfer-encoding", "").lower() == "chunked":
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

    def start(respond: Responder, tls: ssl.SSLContext | None = None) -> RawServer:
        server = RawServer(respond, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client(url: str, **kwargs: object) -> HttpClient:
    return HttpClient(
        url,
        timeout=5,
        max_attempts=int(kwargs.pop("max_attempts", 3)),  # type: ignore[call-overload]
        sleep=lambda _s: None,
        **kwargs,  # type: ignore[arg-type]
    )


def test_keep_alive_serves_many_requests_on_one_connection(serve: Callable[..., RawServer]) -> None:
    server = serve(lambda _r: ok())
    http = client(server.url)
    try:
        for _ in range(5):
            assert http.request("GET", http.url("x")).json() == {"ok": True}
    finally:
        http.close()
    assert server.accepted == 1
    assert len(server.seen) == 5


def test_connection_closed_while_idle_is_not_reused(serve: Callable[..., RawServer]) -> None:
    # The server drops each connection after answering without saying so (no
    # `connection: close`), as a keep-alive timeout does. A create must not fail for it,
    # and it is never retried, so the transport has to notice before sending.
    def answer(_r: Seen) -> Answer:
        reply = ok()
        return Answer(reply.data, close=True)

    server = serve(answer)
    http = client(server.url)
    try:
        http.request("GET", http.url("x"))
        import time

        time.sleep(0.1)  # let the close arrive
        response = http.request("POST", http.url("create"), json={"a": 1})
    finally:
        http.close()
    assert response.status_code == 200
    assert server.accepted == 2
    assert [s.method for s in server.seen] == ["GET", "POST"]


def test_connection_close_header_is_honoured(serve: Callable[..., RawServer]) -> None:
    server = serve(lambda _r: Answer(ok(extra="connection: close\r\n").data, close=True))
    http = client(server.url)
    try:
        for _ in range(3):
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert server.accepted == 3


def test_body_cut_short_is_a_protocol_error(serve: Callable[..., RawServer]) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n"
    server = serve(lambda _r: Answer(head + b"only ten b", close=True))
    with (
        httpx.Client(transport=StdlibTransport()) as plain,
        pytest.raises(httpx.RemoteProtocolError, match="90 bytes missing"),
    ):
        plain.get(server.url + "/x")


def test_chunked_request_and_response_bodies(serve: Callable[..., RawServer]) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    server = serve(lambda _r: Answer(chunked))

    def parts() -> Iterator[bytes]:
        yield b"first,"
        yield b""
        yield b"second"

    with httpx.Client(transport=StdlibTransport()) as plain:
        response = plain.post(server.url + "/upload", content=parts())
        again = plain.get(server.url + "/again")
    assert response.content == b"hello world"
    assert again.content == b"hello world"
    assert server.seen[0].headers["transfer-encoding"] == "chunked"
    assert server.seen[0].body == b"first,second"
    assert server.accepted == 1  # a chunked answer read to its end leaves the connection usable


def test_chunked_body_cut_short_is_a_protocol_error(serve: Callable[..., RawServer]) -> None:
    cut = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\nonly"
    server = serve(lambda _r: Answer(cut, close=True))
    with (
        httpx.Client(transport=StdlibTransport()) as plain,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        plain.get(server.url + "/x")


def test_request_line_and_headers_go_out_as_built(serve: Callable[..., RawServer]) -> None:
    server = serve(lambda _r: ok())
    http = client(server.url)
    try:
        http.request("GET", http.url("doc", "a%2Fb"), params={"q": "x y"}, headers={"x-k": "v"})
    finally:
        http.close()
    seen = server.seen[0]
    assert seen.path == "/doc/a%2Fb?q=x+y"
    assert seen.headers["x-k"] == "v"
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["user-agent"].startswith("esign/")


def test_refused_connection_is_a_connect_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with httpx.Client(transport=StdlibTransport()) as plain, pytest.raises(httpx.ConnectError):
        plain.get(f"http://127.0.0.1:{port}/x")


def test_silent_server_is_a_read_timeout(serve: Callable[..., RawServer]) -> None:
    stop = threading.Event()

    def never(_r: Seen) -> Answer:
        stop.wait(5)
        return Answer(b"")

    server = serve(never)
    try:
        with (
            httpx.Client(transport=StdlibTransport(), timeout=0.3) as plain,
            pytest.raises(httpx.ReadTimeout),
        ):
            plain.get(server.url + "/x")
    finally:
        stop.set()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
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
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _tls_server(serve: Callable[..., RawServer], certificate: tuple[Path, Path]) -> RawServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return serve(lambda _r: ok(), tls=context)


def test_untrusted_certificate_is_refused_once_with_a_hint(
    serve: Callable[..., RawServer],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    server = _tls_server(serve, certificate)
    http = client(server.url)
    try:
        with pytest.raises(NetworkError) as caught:
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert "TLS certificate was not accepted" in caught.value.message
    assert "self-signed" in caught.value.message
    assert caught.value.hint is not None and "SSL_CERT_FILE" in caught.value.hint
    assert server.seen == []  # nothing was sent over the refused connection
    assert server.accepted == 1  # and it was not tried again


def test_certificate_trusted_through_ssl_cert_file(
    serve: Callable[..., RawServer],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = _tls_server(serve, certificate)
    http = client(server.url)
    try:
        for _ in range(2):
            assert http.request("GET", http.url("x")).json() == {"ok": True}
    finally:
        http.close()
    assert server.accepted == 1


def test_untrusted_certificate_from_the_command_line(
    serve: Callable[..., RawServer],
    certificate: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    server = _tls_server(serve, certificate)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESIGN_", "SSL_CERT"))}
    env.update(
        ESIGN_PROVIDER="okdokument",
        ESIGN_BASE_URL=server.url + "/JSON",
        ESIGN_API_KEY="k_" + "0" * 20,
        XDG_CONFIG_HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path),
    )
    esign = Path(os.sys.executable).with_name("esign")  # type: ignore[attr-defined]
    result = subprocess.run(
        [str(esign), "doc", "info", "abc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "TLS certificate was not accepted" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.seen == []
