"""Loopback proxies the tests start: an HTTP forward proxy (CONNECT tunnels for https://,
absolute-form requests for http://, optional Basic authentication) and a SOCKS5 proxy
(optional username/password). Each records what it was asked, so a test can prove that a
request went through it, or did not."""

from __future__ import annotations

import base64
import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.rawserver import LoopbackListener


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until either side closes."""

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(b, a), daemon=True)
    other.start()
    pump(a, b)
    other.join(timeout=10)


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    """The request head up to the blank line, and whatever body bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


@dataclass
class HttpProxy(LoopbackListener):
    credentials: tuple[str, str] | None = None
    seen: list[str] = field(default_factory=list)  # "CONNECT host:port", "GET http://..."
    authorizations: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listen()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def _authorized(self, headers: dict[str, str]) -> bool:
        given = headers.get("proxy-authorization")
        self.authorizations.append(given)
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return given == f"Basic {expected}"

    def serve_connection(self, conn: socket.socket) -> None:
        with conn:
            head, rest = _read_head(conn)
            if not head:
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.seen.append(f"{method} {target}")
            if not self._authorized(headers):
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'proxy-authenticate: Basic realm="test"\r\ncontent-length: 0\r\n\r\n'
                )
                return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                try:
                    upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
                except OSError:
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    return
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                with upstream:
                    _relay(conn, upstream)
                return
            self._forward(conn, method, target, lines[1:], rest)

    def _forward(
        self, conn: socket.socket, method: str, target: str, header_lines: list[str], rest: bytes
    ) -> None:
        url = urlsplit(target)
        path = url.path + (f"?{url.query}" if url.query else "")
        kept = [
            line
            for line in header_lines
            if line.split(":", 1)[0].strip().lower()
            not in ("proxy-authorization", "proxy-connection", "connection")
        ]
        request = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "connection: close", "", ""])
        try:
            up = socket.create_connection((url.hostname or "", url.port or 80), timeout=10)
        except OSError:
            return  # the host is unreachable: this proxy drops the client's connection
        with up:
            up.sendall(request.encode("latin-1") + rest)
            length = next(
                (
                    int(line.split(":", 1)[1])
                    for line in kept
                    if line.lower().startswith("content-length:")
                ),
                0,
            )
            remaining = length - len(rest)
            while remaining > 0:
                chunk = conn.recv(min(remaining, 65536))
                if not chunk:
                    break
                up.sendall(chunk)
                remaining -= len(chunk)
            while data := up.recv(65536):
                conn.sendall(data)


@dataclass
class Socks5Proxy(LoopbackListener):
    credentials: tuple[str, str] | None = None
    seen: list[str] = field(default_factory=list)  # "host:port" of each CONNECT

    def __post_init__(self) -> None:
        self.listen()

    def url(self, userinfo: str = "") -> str:
        return f"socks5://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    def serve_connection(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")

        def read(n: int) -> bytes:
            data = reader.read(n)
            if len(data) != n:
                raise OSError("short read")
            return bytes(data)

        with conn, contextlib.suppress(OSError):
            version, count = read(2)
            methods = read(count)
            wanted = 2 if self.credentials else 0
            if version != 5 or wanted not in methods:
                conn.sendall(b"\x05\xff")
                return
            conn.sendall(bytes([5, wanted]))
            if self.credentials:
                _sub, ulen = read(2)
                user = read(ulen).decode()
                (plen,) = read(1)
                password = read(plen).decode()
                if (user, password) != self.credentials:
                    conn.sendall(b"\x01\x01")
                    return
                conn.sendall(b"\x01\x00")
            _v, command, _r, kind = read(4)
            if kind == 1:
                host = socket.inet_ntoa(read(4))
            elif kind == 3:
                (length,) = read(1)
                host = read(length).decode()
            else:
                host = socket.inet_ntop(socket.AF_INET6, read(16))
            (port,) = struct.unpack("!H", read(2))
            self.seen.append(f"{host}:{port}")
            if command != 1:
                conn.sendall(b"\x05\x07\x00\x01" + b"\x00" * 6)
                return
            try:
                upstream = socket.create_connection((host, port), timeout=5)
            except OSError:
                conn.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)
                return
            conn.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
            with upstream:
                _relay(conn, upstream)


@pytest.fixture
def http_proxy() -> Iterator[HttpProxy]:
    proxy = HttpProxy()
    yield proxy
    proxy.close()


@pytest.fixture
def auth_proxy() -> Iterator[HttpProxy]:
    proxy = HttpProxy(credentials=("proxyuser", "pr0xy-PASSWORD-canary"))
    yield proxy
    proxy.close()


@pytest.fixture
def socks_proxy() -> Iterator[Socks5Proxy]:
    proxy = Socks5Proxy(credentials=("sockuser", "s0cks-PASSWORD-canary"))
    yield proxy
    proxy.close()
