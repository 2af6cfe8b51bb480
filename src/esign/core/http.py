"""The HTTP session every provider uses (DESIGN §6).

One httpx client per process, with:
- retries for connection failures, timeouts, 429, 502, 503 and 504, exponential backoff with
  jitter, `Retry-After` honoured; a request that is not safe to repeat (a create) is retried
  only when the connection was never established;
- credentials added per hop, and only to URLs under the API base URL, so they never reach a
  presigned URL or another origin a redirect points to (redirects are followed here, not by
  httpx, which would copy custom headers such as `x-api-key` across origins);
- a `--debug` trace on stderr with every secret redacted.
"""

from __future__ import annotations

import email.utils
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, urljoin, urlsplit

from esign import __version__
from esign.core.errors import NetworkError, UsageError
from esign.core.redact import redact_body, redact_headers, redact_url, scrub

if TYPE_CHECKING:
    import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_REDIRECTS = 5
RETRY_AFTER_CAP = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
USER_AGENT = f"esign/{__version__}"

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
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, *, allow_http: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"the base URL {redact_url(url)!r} is not an http(s) URL",
            hint="set ESIGN_BASE_URL or the profile's base_url",
        )
    if parts.username or parts.password:
        raise UsageError(
            "the base URL contains credentials",
            hint="remove the user:password@ part; credentials belong in the keyring or "
            "ESIGN_API_KEY",
        )
    if parts.scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise UsageError(
            f"refusing plain http:// to {parts.hostname}: credentials would travel unencrypted",
            hint="use https://, or set allow_http = true in the profile if you really mean it",
        )
    return url.rstrip("/")


def parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
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
        self.stream.write(scrub(line, self.secrets()) + "\n")
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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        from esign.core.http_import import import_httpx
        from esign.core.transport import StdlibTransport

        httpx_module = import_httpx()

        self.base_url = validate_base_url(base_url, allow_http=allow_http)
        self.max_attempts = max(1, max_attempts)
        self._auth = auth
        self._tracer = tracer
        self._allow_http = allow_http
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry
        self.gate = RetryGate(clock, sleep)
        self._client: httpx.Client = httpx_module.Client(
            timeout=httpx_module.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,
            transport=StdlibTransport(),
        )

    def close(self) -> None:
        self._client.close()

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
                    params=params,
                    headers=headers,
                    authenticated=authenticated,
                    stream=stream,
                    attempt=attempt,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if _certificate_refused(exc):
                    # Asking again would meet the same certificate.
                    raise NetworkError(
                        _describe(exc),
                        hint="if the server uses a private CA, point SSL_CERT_FILE at its "
                        "certificate bundle",
                    ) from exc
                # The connection was never established: the server saw nothing, so even a
                # create is safe to send again.
                if attempt < self.max_attempts:
                    self._wait(attempt, None, f"{_describe(exc)}")
                    continue
                raise self._network_error(exc, attempt) from exc
            except httpx.LocalProtocolError as exc:
                # Nothing left this machine, and sending again would fail the same way.
                raise UsageError(
                    f"could not send the request: {exc}",
                    hint="look for a stray newline or control character in the credential "
                    "and settings, such as a key file read with its line ending",
                ) from exc
            except httpx.TransportError as exc:
                if safe_to_repeat and attempt < self.max_attempts:
                    self._wait(attempt, None, f"{_describe(exc)}")
                    continue
                raise self._network_error(exc, attempt, maybe_sent=not safe_to_repeat) from exc

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
    ) -> httpx.Response:
        for _hop in range(MAX_REDIRECTS + 1):
            request = self._client.build_request(
                method, url, json=json, params=params, headers=headers
            )
            if authenticated and self._auth is not None and self._credentials_allowed(url):
                self._auth(request)
            if self._tracer:
                self._tracer.request(request, attempt)
            started = time.monotonic()
            response = self._client.send(request, stream=True)
            if not stream or response.is_redirect:
                response.read()
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
            url = urljoin(str(request.url), location)
            target = urlsplit(url)
            if (
                target.scheme == "http"
                and not self._allow_http
                and not is_loopback(target.hostname or "")
            ):
                raise UsageError(f"refusing a redirect to plain http:// on {target.hostname}")
            params = None
            if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
                method, json = "GET", None
        raise NetworkError(f"too many redirects (more than {MAX_REDIRECTS})")

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

    def _network_error(
        self, exc: Exception, attempts: int, *, maybe_sent: bool = False
    ) -> NetworkError:
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        hint = "check the base URL and your network, then try again"
        if maybe_sent:
            hint = (
                "the request may have reached the server, so it was not sent again; "
                "check with `esign doc list` before retrying"
            )
        return NetworkError(f"{_describe(exc)} {tries}", hint=hint)


def plain_text_excerpt(text: str, limit: int = 200) -> str | None:
    """A non-JSON error body (an HTML error page, a proxy's text) as one short line."""
    without_tags = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", text, flags=re.S | re.I)
    line = " ".join(without_tags.split())
    return line[:limit] or None


def _certificate_refused(exc: BaseException) -> bool:
    import ssl

    return isinstance(exc.__cause__, ssl.SSLCertVerificationError)


def _describe(exc: Exception) -> str:
    import httpx

    if _certificate_refused(exc):
        return f"the server's TLS certificate was not accepted ({exc})"
    if isinstance(exc, httpx.TimeoutException):
        return "the request timed out"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect to the server"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection unexpectedly"
    return f"network error ({type(exc).__name__})"
