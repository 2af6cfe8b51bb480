"""HTTP/1.1 for httpx, spoken by the standard library's `http.client`.

httpx stays the client API (requests, responses, timeouts, errors); only the wire is
different. httpx's default transport, httpcore with h11, costs about 27 ms of imports on
every command and parses response bodies in Python: a 1 GiB download ran at half the speed
of this transport, whose body reads are single `recv` calls into the returned bytes.
`http.client` is imported by httpx anyway, so this transport adds no import at all.

What it keeps from httpcore: a keep-alive pool that is safe across threads, a pooled
connection is checked for a server-side close before it is reused, TLS is verified with
httpx's own default context (certifi's CA bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR`), and
every failure is raised as the httpx exception httpcore would raise for it, so retries and
messages do not depend on the transport.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any, Literal

from esign.core.http_import import import_httpx

import_httpx()
import httpx  # noqa: E402 - after the stand-in for httpx's command-line tool

# A read hands over whatever the socket has, up to this much: one `recv` per chunk. A chunk
# this size is still in the core's cache when it is hashed and when the writer thread copies
# it to the file; 1 MiB chunks made a 1 GiB download both slower and far less steady here
# (medians of 8: 1.50 s at 256 KiB, 1.63 s at 128 KiB, 1.86 s at 512 KiB, 2.16 s at 1 MiB).
READ_CHUNK = 256 * 1024
# Enough idle connections for `doc download --jobs` (at most 64 workers).
MAX_IDLE = 64

Phase = Literal["connect", "write", "read"]
PoolKey = tuple[str, str, int]

_TIMEOUTS: dict[Phase, type[httpx.TimeoutException]] = {
    "connect": httpx.ConnectTimeout,
    "write": httpx.WriteTimeout,
    "read": httpx.ReadTimeout,
}
_FAILURES: dict[Phase, type[httpx.NetworkError]] = {
    "connect": httpx.ConnectError,
    "write": httpx.WriteError,
    "read": httpx.ReadError,
}


@contextlib.contextmanager
def _as_httpx_errors(phase: Phase, request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        raise _TIMEOUTS[phase](str(exc) or "timed out", request=request) from exc
    except ssl.SSLCertVerificationError as exc:
        raise httpx.ConnectError(exc.verify_message or str(exc), request=request) from exc
    except http.client.HTTPException as exc:
        # Includes RemoteDisconnected (the server closed before answering) and IncompleteRead.
        raise httpx.RemoteProtocolError(
            f"{type(exc).__name__}: {exc}".rstrip(": "), request=request
        ) from exc
    except OSError as exc:
        raise _FAILURES[phase](f"{type(exc).__name__}: {exc}", request=request) from exc


def _closed_by_server(sock: socket.socket) -> bool:
    """An idle keep-alive socket that is readable has been closed (or sent garbage): reusing
    it would fail the next request for nothing."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


class _Pool:
    """Idle keep-alive connections by (scheme, host, port). A connection is in the pool or
    in the hands of exactly one request, never both."""

    def __init__(self, max_idle: int) -> None:
        self._max_idle = max_idle
        self._idle: dict[PoolKey, list[http.client.HTTPConnection]] = {}
        self._count = 0
        self._lock = threading.Lock()

    def take(self, key: PoolKey) -> http.client.HTTPConnection | None:
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                conn = idle.pop()
                self._count -= 1
                if conn.sock is not None and not _closed_by_server(conn.sock):
                    return conn
                conn.close()
        return None

    def give(self, key: PoolKey, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if self._count < self._max_idle:
                self._idle.setdefault(key, []).append(conn)
                self._count += 1
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._count = self._idle, {}, 0
        for conns in idle.values():
            for conn in conns:
                conn.close()


class StdlibTransport(httpx.BaseTransport):
    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self._pool = _Pool(max_idle)
        self._tls_lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        # raw_host is the ASCII (IDNA-encoded) form, the one DNS and SNI take.
        host = url.raw_host.decode("ascii")
        key: PoolKey = (url.scheme, host, url.port or (443 if url.scheme == "https" else 80))
        conn = self._pool.take(key)
        if conn is None:
            conn = self._connect(key, timeouts.get("connect"), request)
        try:
            with _as_httpx_errors("write", request):
                _set_timeout(conn, timeouts.get("write"))
                _send(conn, request)
            with _as_httpx_errors("read", request):
                _set_timeout(conn, timeouts.get("read"))
                answer = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        return httpx.Response(
            status_code=answer.status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.getheaders()],
            stream=_Body(answer, conn, key, self._pool, request),
            extensions={
                "http_version": b"HTTP/1.0" if answer.version == 10 else b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        self._pool.close()

    def _connect(
        self, key: PoolKey, timeout: float | None, request: httpx.Request
    ) -> http.client.HTTPConnection:
        scheme, host, port = key
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=self._tls_context()
            )
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn._create_connection = _create_connection  # type: ignore[attr-defined]
        with _as_httpx_errors("connect", request):
            conn.connect()
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        # Built on the first https:// request (certifi's bundle takes about 35 ms to load):
        # the sandbox on plain loopback HTTP never pays for it.
        with self._tls_lock:
            if self._tls is None:
                context = httpx.create_ssl_context()
                context.set_alpn_protocols(["http/1.1"])
                self._tls = context
            return self._tls


def _create_connection(
    address: tuple[str, int], timeout: float | None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    # A str host goes through the idna codec inside getaddrinfo (loading it costs about
    # 1 ms); the host is ASCII already, so it goes as bytes.
    host, port = address
    ascii_host: Any = host.encode("ascii")  # typeshed says str; getaddrinfo takes bytes too
    return socket.create_connection((ascii_host, port), timeout, source_address)


def _set_timeout(conn: http.client.HTTPConnection, seconds: float | None) -> None:
    if conn.sock is not None:
        conn.sock.settimeout(seconds)


def _send(conn: http.client.HTTPConnection, request: httpx.Request) -> None:
    # http.client refuses line breaks and control characters (no header injection), and says
    # so with the offending value in its message: that value may be a secret (an API key
    # pasted with its newline), so the error is rebuilt from the header's name alone.
    try:
        conn.putrequest(
            request.method,
            request.url.raw_path.decode("ascii"),
            skip_host=True,
            skip_accept_encoding=True,
        )
    except ValueError:
        raise httpx.LocalProtocolError(
            "the request line holds a line break or control character", request=request
        ) from None
    for name, value in request.headers.raw:
        try:
            conn.putheader(name, value)
        except ValueError:
            raise httpx.LocalProtocolError(
                f"the {name.decode('latin-1')} header holds a line break or control character",
                request=request,
            ) from None
    try:
        body: bytes | None = request.content
    except httpx.RequestNotRead:
        body = None
    if body is not None:
        # Headers and a buffered body leave in one segment.
        conn.endheaders(message_body=body or None)
        return
    conn.endheaders()
    chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
    for part in request.stream:  # type: ignore[union-attr]
        if chunked:
            if part:
                conn.send(b"%x\r\n%b\r\n" % (len(part), part))
        else:
            conn.send(part)
    if chunked:
        conn.send(b"0\r\n\r\n")


class _Body(httpx.SyncByteStream):
    """The response body as it arrives. The connection goes back to the pool only after the
    whole body was read; a body left unread or cut short closes it."""

    def __init__(
        self,
        answer: http.client.HTTPResponse,
        conn: http.client.HTTPConnection,
        key: PoolKey,
        pool: _Pool,
        request: httpx.Request,
    ) -> None:
        self._answer = answer
        self._conn = conn
        self._key = key
        self._pool = pool
        self._request = request
        self._complete = False
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        answer = self._answer
        with _as_httpx_errors("read", self._request):
            while chunk := answer.read1(READ_CHUNK):
                yield chunk
        if answer.length:
            # http.client ends a short Content-Length body quietly; h11 would not.
            raise httpx.RemoteProtocolError(
                f"peer closed connection without sending complete message body "
                f"({answer.length} bytes missing)",
                request=self._request,
            )
        self._complete = True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._answer.close()
        if self._complete and not self._answer.will_close and self._conn.sock is not None:
            self._pool.give(self._key, self._conn)
        else:
            self._conn.close()
