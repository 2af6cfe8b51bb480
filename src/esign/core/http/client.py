"""The HTTP session every provider uses (ARCHITECTURE.md §6).

httpx with its own default transport (httpcore) carries every request, through the proxy the
environment or the settings name and with TLS verified against the system's trust store
(esign.core.http.network). On top of it, esign keeps:
- retries for connection failures, timeouts, 429, 502, 503 and 504, exponential backoff with
  jitter, `Retry-After` honoured; a request that is not safe to repeat (a create) is retried
  only when the connection was never established;
- credentials added per hop, and only to URLs under the API base URL, so they never reach a
  presigned URL or another origin a redirect points to (redirects are followed here, not by
  httpx, which would copy custom headers such as `x-api-key` across origins);
- a `--debug` trace on stderr with every secret redacted;
- the process's rate limiter (esign.core.http.ratelimit), acquired for each request that
  counts against the provider's limit (an authenticated request under the API base, never a
  presigned file URL), and told of every 429.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from esign import __version__
from esign.core.errors import MalformedResponseError, NetworkError, UsageError
from esign.core.http.network import Network, Proxy
from esign.core.http.ratelimit import RateLimiter
from esign.core.redact import REDACTED, redact_body, redact_headers, redact_url, scrub

if TYPE_CHECKING:
    import ssl

    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 60.0
# The most a JSON (non-streamed) answer may grow to once decoded. The providers' answers are
# a few kB to a few MB; this stops a small gzip "bomb" from taking gigabytes of memory.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
USER_AGENT = f"esign/{__version__}"
PROXY_HINT = (
    "check the proxy URL and its user:password@ part (--proxy, ESIGN_PROXY, the profile's "
    "proxy, HTTPS_PROXY / HTTP_PROXY)"
)
# Enough pooled connections for `doc download --jobs` (at most 64 workers).
MAX_CONNECTIONS = 64

AuthHook = Callable[["httpx.Request"], None]


def encode_segment(value: str, what: str = "ID") -> str:
    """One path segment, whatever the user typed: `../x`, `a/b`, `?` or `#` stay inside it."""
    if not value or not value.strip():
        raise UsageError(f"the {what} is empty")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise UsageError(f"the {what} contains control characters")
    encoded = quote(value, safe="")
    # quote() leaves dots alone, and a segment of only dots would be resolved away.
    if set(encoded) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def is_loopback(host: str) -> bool:
    """Only the literal name `localhost` and loopback addresses: a name such as
    `x.localhost` is whatever the resolver says it is, so it is not trusted by its spelling."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, *, allow_http: bool) -> str:
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url.strip()):
        raise UsageError(
            "the base URL contains a line break, space or control character",
            hint="set ESIGN_BASE_URL or the profile's base_url to the URL alone",
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:  # an unclosed IPv6 bracket, a port of letters
        raise UsageError(
            "the base URL is not a URL esign can read",
            hint="set ESIGN_BASE_URL or the profile's base_url",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"the base URL {mask_query(url)!r} is not an http(s) URL",
            hint="set ESIGN_BASE_URL or the profile's base_url",
        )
    if parts.username or parts.password:
        raise UsageError(
            "the base URL contains credentials",
            hint="remove the user:password@ part; credentials belong in the keyring or "
            "ESIGN_API_KEY",
        )
    if parts.query or parts.fragment or url.strip().endswith(("?", "#")):
        raise UsageError(
            f"the base URL {mask_query(url)!r} has a ?query or #fragment",
            hint="give the API base alone (e.g. https://api.zapsign.com.br/api/v1): esign "
            "appends paths to it, and a query there would go to every endpoint",
        )
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise UsageError(
            f"refusing plain http:// to {parts.hostname}: credentials would travel unencrypted",
            hint="use https://, or set allow_http = true in the profile if you really mean it",
        )
    return url.strip().rstrip("/")


def mask_query(url: str) -> str:
    """A URL to show: every query value masked (a key may hide there), and a bare `?TOKEN`
    too (a part without `=` may be the key itself); a #fragment and userinfo masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED  # not a URL: nothing of it is known to be safe to show
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = "&".join(
        f"{pair.partition('=')[0]}={REDACTED}" if "=" in pair else REDACTED
        for pair in parts.query.split("&")
        if pair
    )
    fragment = REDACTED if parts.fragment else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query, fragment=fragment))


def parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        if not math.isfinite(seconds):  # "nan", "inf": not a delay a server can mean
            return None
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class Tracer:
    """Writes the redacted `--debug` trace."""

    stream: TextIO
    secrets: Callable[[], Iterable[str]]

    def write(self, line: str) -> None:
        from esign.core.output.terminal import for_terminal

        # What a server sent is data: shown with its escapes, never obeyed by the terminal.
        self.stream.write(for_terminal(scrub(line, self.secrets())) + "\n")
        self.stream.flush()

    def request(self, request: httpx.Request, attempt: int) -> None:
        self.write(f"> {request.method} {redact_url(str(request.url))} (attempt {attempt})")
        for key, value in redact_headers(request.headers.items()):
            self.write(f"> {key}: {value}")
        body = request.content if not request.stream or _is_buffered(request) else b""
        if body:
            self.write(f"> {redact_body(body, request.headers.get('content-type'))}")

    def response(self, response: httpx.Response, elapsed: float, *, body: bool) -> None:
        self.write(f"< {response.status_code} {response.reason_phrase} ({elapsed * 1000:.0f} ms)")
        for key, value in redact_headers(response.headers.items()):
            self.write(f"< {key}: {value}")
        if body:
            text = redact_body(response.content, response.headers.get("content-type"))
            if text:
                self.write(f"< {text}")


def _is_buffered(request: httpx.Request) -> bool:
    try:
        request.content  # noqa: B018 - raises for a streaming body
    except Exception:
        return False
    return True


class RetryGate:
    """A shared "not before" time: when the server says Retry-After to one worker of a pool,
    every worker waits, instead of the others hammering on."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._not_before = 0.0
        self._lock = threading.Lock()

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def wait(self) -> None:
        with self._lock:
            remaining = self._not_before - self._clock()
        if remaining > 0:
            self._sleep(remaining)


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        max_attempts: int,
        auth: AuthHook | None = None,
        tracer: Tracer | None = None,
        allow_http: bool = False,
        network: Network | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_retry: Callable[[str], None] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        from esign.core.http.httpx_import import import_httpx

        import_httpx()  # first, so that no `import httpx` loads httpx's command-line tool
        self.base_url = validate_base_url(base_url, allow_http=allow_http)
        self.max_attempts = max(1, max_attempts)
        self.timeout = timeout
        self.network = network or Network()
        self._auth = auth
        self._tracer = tracer
        self._allow_http = allow_http
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        self.gate = RetryGate(clock, sleep)
        # Unlimited unless given: still counts requests and 429s, and paces after a 429.
        self.limiter = limiter or RateLimiter(None, clock=clock, sleep=sleep)
        # One httpx client per route (direct or through a proxy; with TLS or without): the
        # proxy depends on each URL's host (NO_PROXY), and the TLS trust is loaded only when
        # an https:// URL is met.
        self._routes: dict[tuple[str | None, bool], httpx.Client] = {}
        self._routes_lock = threading.Lock()

    def close(self) -> None:
        with self._routes_lock:
            routes, self._routes = self._routes, {}
        for client in routes.values():
            client.close()

    def _client_for(self, url: httpx.URL) -> httpx.Client:
        proxy = self.network.proxy_for(url.scheme, url.host, url.port)
        tls = url.scheme == "https"
        key = (proxy.url if proxy else None, tls)
        with self._routes_lock:
            client = self._routes.get(key)
            if client is None:
                client = self._routes[key] = self._new_client(proxy, tls)
        return client

    def _new_client(self, proxy: Proxy | None, tls: bool) -> httpx.Client:
        from esign.core.http.httpx_import import import_httpx

        httpx_module = import_httpx()
        verify = self.network.trust() if tls else _trusts_nothing()
        proxy_spec = None
        if proxy is not None:
            proxy_tls = self.network.trust() if proxy.url.startswith("https:") else None
            proxy_spec = httpx_module.Proxy(proxy.url, ssl_context=proxy_tls)
            if self._tracer:
                self._tracer.write(f"* through proxy {proxy.shown} ({proxy.source})")
        client: httpx.Client = httpx_module.Client(
            timeout=httpx_module.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,  # esign reads the environment itself (esign.core.http.network)
            verify=verify,
            proxy=proxy_spec,
            limits=httpx_module.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
        )
        return client

    def url(self, *segments: str) -> str:
        """An API URL: literal path parts joined, each user ID passed through `encode_segment`."""
        return self.base_url + "/" + "/".join(segments)

    def _credentials_allowed(self, url: str) -> bool:
        base = urlsplit(self.base_url)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            return False
        base_path = base.path.rstrip("/")
        return target.path == base_path or target.path.startswith(base_path + "/")

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
        stream: bool = False,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send with retries; returns the final response (any status), or raises NetworkError.

        With `stream=True` the body is not read: the caller must close the response.
        """
        import httpx

        method = method.upper()
        safe_to_repeat = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            self.gate.wait()
            try:
                response = self._send_following_redirects(
                    method,
                    url,
                    json=json,
                    content=content,
                    params=params,
                    headers=headers,
                    authenticated=authenticated,
                    stream=stream,
                    attempt=attempt,
                )
            except httpx.ProxyError as exc:
                # The proxy answered the tunnel request with a refusal (407, 403, 502...):
                # asking again meets the same answer, and the API never saw the request.
                raise NetworkError(self._failure(exc).sentence(attempt), hint=PROXY_HINT) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                failure = self._failure(exc)
                if failure.certificate:
                    # Asking again would meet the same certificate.
                    raise NetworkError(
                        failure.sentence(attempt),
                        hint="if the server uses a private CA (or a TLS-inspecting proxy), "
                        "give its certificate with --ca-bundle FILE or ESIGN_CA_BUNDLE",
                    ) from exc
                # The connection was never established: the server saw nothing, so even a
                # create is safe to send again.
                if attempt < self.max_attempts:
                    self._wait(attempt, None, failure.sentence())
                    continue
                raise NetworkError(failure.sentence(attempt), hint=failure.hint) from exc
            except httpx.LocalProtocolError as exc:
                # Nothing left this machine, and sending again would fail the same way.
                raise UsageError(
                    f"could not send the request: {exc}",
                    hint="look for a stray newline or control character in the credential "
                    "and settings, such as a key file read with its line ending",
                ) from exc
            except httpx.TransportError as exc:
                failure = self._failure(exc)
                if safe_to_repeat and attempt < self.max_attempts:
                    self._wait(attempt, None, failure.sentence())
                    continue
                hint = failure.hint
                if not safe_to_repeat:
                    hint = (
                        "the request may have reached the server, so it was not sent again; "
                        "check with `esign doc list` before retrying"
                    )
                raise NetworkError(failure.sentence(attempt), hint=hint) from exc

            if response.status_code == 407:
                # A forwarding proxy's answer for plain http:// (https:// meets it as the
                # ProxyError above): the proxy's refusal, never the provider's.
                if stream:
                    response.close()
                raise self._proxy_refusal(response)
            if response.status_code == 429:
                self.limiter.slow_down()
            if (
                response.status_code in RETRY_STATUSES
                and safe_to_repeat
                and attempt < self.max_attempts
            ):
                delay = parse_retry_after(response.headers.get("retry-after"), self._clock())
                if stream:
                    response.close()
                if delay is not None:
                    self.gate.hold(delay)  # the whole pool waits, not only this worker
                self._wait(attempt, delay, f"HTTP {response.status_code}")
                continue
            return response

    def _send_following_redirects(
        self,
        method: str,
        url: str,
        *,
        json: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        authenticated: bool,
        stream: bool,
        attempt: int,
        content: bytes | None = None,
    ) -> httpx.Response:
        from esign.core.http.httpx_import import import_httpx

        httpx = import_httpx()
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_target(url)
            client = self._client_for(httpx.URL(url))
            request = client.build_request(
                method, url, json=json, content=content, params=params, headers=headers
            )
            if stream:
                # A file arrives as it is stored: a compressed encoding would make memory
                # follow the decompression ratio, not the chunk size.
                request.headers["Accept-Encoding"] = "identity"
            api_request = authenticated and self._credentials_allowed(url)
            if api_request and self._auth is not None:
                self._auth(request)
            _refuse_broken_headers(request)
            if api_request:
                self.limiter.acquire()
            if self._tracer:
                self._tracer.request(request, attempt)
            started = time.monotonic()
            response = client.send(request, stream=True)
            if not stream or response.is_redirect:
                response = _read_capped(response)
            if self._tracer:
                self._tracer.response(
                    response, time.monotonic() - started, body=not stream or response.is_redirect
                )
            if not response.is_redirect:
                return response
            location = response.headers.get("location")
            response.close()
            if not location:
                return response
            next_url = urljoin(str(request.url), location)
            if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
                method, json, content = "GET", None, None
                original_method_changed = True
            else:
                original_method_changed = False
            if _origin(next_url) != _origin(url):
                # Another origin gets neither credentials (dropped by _credentials_allowed)
                # nor a body, and its answer is trusted only for what carries no trust: a
                # file fetched by a plain GET. A token, a document's metadata or a create's
                # answer from another origin would be the other origin's word.
                file_get = stream and method in ("GET", "HEAD") and json is None and not content
                if original_method_changed or not file_get:
                    raise NetworkError(
                        f"refusing a redirect from {_origin(url)} to another origin, "
                        f"{_origin(next_url)} (HTTP {response.status_code})",
                        hint="credentials and request bodies go only to the API's own origin; "
                        "check the base URL",
                    )
            url = next_url
            params = None
        raise NetworkError(f"too many redirects (more than {MAX_REDIRECTS})")

    def _check_target(self, url: str) -> None:
        """Every URL esign fetches (the API, a presigned file URL, a redirect) is http(s), and
        plain http:// only on loopback unless the profile allows it."""
        target = urlsplit(url)
        if target.scheme not in ("http", "https") or not target.hostname:
            raise MalformedResponseError(
                f"refusing to fetch {redact_url(url)!r}: esign only fetches http(s) URLs",
                hint="the URL came from the provider's answer or a redirect",
            )
        if target.scheme == "http" and not self._allow_http and not is_loopback(target.hostname):
            raise UsageError(
                f"refusing plain http:// to {target.hostname}: the file or answer could be read "
                "or changed on the way",
                hint="set allow_http = true in the profile if you really mean it",
            )

    def pause_before_retry(self, attempt: int, reason: str) -> None:
        """Back off (and say so under --debug) before a caller's own retry."""
        self._wait(attempt, None, reason)

    def _wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        if retry_after is not None:
            delay = retry_after
        else:
            # Full jitter keeps a fleet of CI jobs from retrying in lockstep.
            delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
        message = (
            f"retrying in {delay:.1f}s (attempt {attempt + 1} of {self.max_attempts}): {reason}"
        )
        if self._tracer:
            self._tracer.write(f"* {message}")
        if self._on_retry:
            self._on_retry(message)
        self._sleep(delay)

    def _proxy_refusal(self, response: httpx.Response) -> NetworkError:
        url = response.request.url
        target = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
        proxy = self.network.proxy_for(url.scheme, url.host, url.port)
        who = f"the proxy {proxy.shown}" if proxy else f"a proxy between esign and {target}"
        return NetworkError(
            f"{who} refused the request to {target}: HTTP 407 {response.reason_phrase}".rstrip(),
            hint=PROXY_HINT,
        )

    def _failure(self, exc: httpx.TransportError) -> Failure:
        return describe_failure(exc, self.network, self.timeout)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _read_capped(response: httpx.Response) -> httpx.Response:
    """The whole answer, decoded, refused past MAX_ANSWER_BYTES; the response returned holds
    it already decoded (httpx's read() has no limit)."""
    import httpx

    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise MalformedResponseError(
                    f"the server's answer grew past {MAX_ANSWER_BYTES // (1024 * 1024)} MiB "
                    "once decoded; refused",
                    hint="a JSON answer is never that large; a proxy or server is misbehaving",
                    http_status=response.status_code,
                )
            chunks.append(chunk)
    finally:
        response.close()
    if not response.headers.get("content-encoding"):
        # Nothing was decoded: the same response, its body now read from what was kept.
        headers = response.headers
    else:
        headers = httpx.Headers(
            [
                (k, v)
                for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")
            ]
        )
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=b"".join(chunks),
        request=response.request,
        extensions=response.extensions,
    )


def _refuse_broken_headers(request: httpx.Request) -> None:
    """A header value with a line break or control character (a key file read with its
    newline) is refused before anything is sent, naming only the header: the value may be
    a secret, and h11's own refusal would quote it."""
    for name, value in request.headers.raw:
        if any((byte < 0x20 and byte != 0x09) or byte == 0x7F for byte in value):
            raise UsageError(
                f"the {name.decode('latin-1')} header holds a line break or control character",
                hint="look for a stray newline in the credential and settings, such as a key "
                "file read with its line ending",
            )


@dataclass(frozen=True)
class Failure:
    """A transport failure in curl's terms: what could not be done, to which host and port
    (and through which proxy), and why."""

    what: str
    reason: str
    certificate: bool = False
    hint: str = "check the base URL and your network, then try again"

    def sentence(self, attempts: int | None = None) -> str:
        tries = ""
        if attempts is not None:
            tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        return f"{self.what}{tries}: {self.reason}"


def describe_failure(exc: httpx.TransportError, network: Network, timeout: float) -> Failure:
    import httpx

    try:
        url = exc.request.url
    except RuntimeError:  # pragma: no cover - httpx always attaches the request it sent
        return Failure("network error", type(exc).__name__)
    target = f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"
    proxy = network.proxy_for(url.scheme, url.host, url.port)
    certificate = _certificate_error(exc)
    if certificate is not None:
        where = target if proxy is None else f"{target} (through proxy {proxy.shown})"
        return Failure(
            f"the TLS certificate of {where} was not accepted",
            certificate.verify_message or str(certificate),
            certificate=True,
        )
    if isinstance(exc, httpx.ProxyError):
        shown = proxy.shown if proxy else "the proxy"
        return Failure(f"the proxy {shown} refused the connection to {target}", str(exc))
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        reason = "timed out" if isinstance(exc, httpx.ConnectTimeout) else _os_reason(exc)
        if proxy is not None:
            return Failure(
                f"could not connect to proxy {proxy.host_port} ({proxy.source}, for {target})",
                reason,
                hint="check that the proxy is running, or bypass it for this host with NO_PROXY",
            )
        return Failure(f"could not connect to {target}", reason)
    # Past the connect, a proxy is still in the path: the answer (or its absence) may be its.
    via = "" if proxy is None else f" (through proxy {proxy.shown}, {proxy.source})"
    if isinstance(exc, httpx.TimeoutException):
        return Failure(f"no answer from {target}{via}", f"timed out after {timeout:g} s")
    if isinstance(exc, httpx.RemoteProtocolError):
        return Failure(f"the connection to {target}{via} failed", _protocol_reason(exc))
    return Failure(f"the connection to {target}{via} failed", _os_reason(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    import ssl

    for link in _chain(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            return link
    return None


_ERRNO_WORDS = {
    "ECONNREFUSED": "connection refused",
    "ECONNRESET": "connection reset by peer",
    "ENETUNREACH": "network unreachable",
    "EHOSTUNREACH": "no route to host",
    "ETIMEDOUT": "timed out",
    "EPIPE": "connection closed by peer",
}


def _os_reason(exc: BaseException) -> str:
    import errno
    import socket

    for link in _chain(exc):
        if isinstance(link, socket.gaierror):
            return "could not resolve the host name"
        if isinstance(link, OSError) and link.errno is not None:
            name = errno.errorcode.get(link.errno, "")
            return _ERRNO_WORDS.get(name) or (link.strerror or name).lower()
    text = str(exc)
    return text.lower() if text else type(exc).__name__


def _protocol_reason(exc: BaseException) -> str:
    text = str(exc)
    if "without sending complete message body" in text:
        detail = text.partition(": ")[2]
        return "the body was cut short" + (f" ({detail})" if detail else "")
    if "without sending a response" in text:
        return "the server closed the connection without answering"
    return text or "the server broke the HTTP protocol"


def _trusts_nothing() -> ssl.SSLContext:
    """For a route that only ever speaks plain http://: verification on, with no trusted
    certificate at all, so a TLS handshake on it can only fail. Loading the real trust store
    is left to the first https:// URL."""
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
