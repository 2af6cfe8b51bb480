"""`esign webhook listen`: a local receiver for ZapSign webhooks and OKdokument's sendInfo
callbacks that prints each event, and can check a header, forward and save.

The standard library's threading HTTP server: it starts in milliseconds, needs nothing the
entry point does not already load, and a delivery is one small POST. Each delivery is answered
first (200, or 401 when the required header is wrong; ZapSign retries anything but 200), and
only then forwarded, saved and printed, so a slow app behind `--forward-to` never makes the
provider time out and send the event again.
"""

from __future__ import annotations

import hmac
import json
import os
import queue
import re
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from esign.core.errors import UsageError
from esign.core.models import Signer, WebhookEvent, iso_utc

if TYPE_CHECKING:
    import httpx

    from esign.core.config.secret import Secret
    from esign.core.context import AppContext

DEFAULT_PORT = 8766  # beside the sandbox's 8765
MAX_BODY = 10 * 1024 * 1024  # a document event is a few KB; this only bounds a hostile sender
READ_TIMEOUT = 10.0  # a sender that stops mid-body does not hold a thread forever
FORWARD_TIMEOUT = 30.0
PROVIDERS = ("zapsign", "okdokument")
# Hop-by-hop headers (RFC 9110 §7.6.1) and those the new connection sets itself; every other
# header reaches the app as the provider sent it.
NOT_FORWARDED = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
    }
)


@dataclass(frozen=True)
class ListenOptions:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    forward_to: str | None = None
    provider: str | None = None  # None: told apart by the payload
    require_header: tuple[str, Secret] | None = None
    save_dir: Path | None = None


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # a header name (RFC 9110 §5.1)


def parse_header(text: str, flag: str, stdin: TextIO) -> tuple[str, Secret]:
    """`Name: value` as given to --header / --require-header. A value may be a secret, and a
    command line stays in shell history and `ps`: `Name: @-` reads it from stdin and
    `Name: @FILE` from a file (one line, its line ending dropped)."""
    from esign.core.config.secret import Secret

    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not _TOKEN.match(name):
        raise UsageError(f"{flag} takes 'Name: value', not {text!r}")
    value = value.strip()
    if value == "@-":
        value = stdin.readline().rstrip("\r\n")
    elif value.startswith("@"):
        try:
            lines = Path(value[1:]).expanduser().read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or "not text"
            raise UsageError(f"{flag}: cannot read {value[1:]}: {why}") from None
        value = lines[0] if lines else ""
    if any(ch in value for ch in "\r\n\0"):
        raise UsageError(f"{flag}: the value of {name} has a line break or NUL")
    if not value:
        raise UsageError(f"{flag}: {name} has an empty value")
    return name, Secret(value)


def listen(app: AppContext, opts: ListenOptions) -> None:
    """Serve until Ctrl-C (or SIGTERM/SIGHUP), then say how many events came: exit 0."""
    listener = Listener(app, opts)
    url = listener.bind()
    output = app.output
    from esign.core.http.client import is_loopback

    if not is_loopback(opts.host):
        output.warn(f"listening on {opts.host}: anyone who can reach it can post events")
    what = {"zapsign": "ZapSign webhooks", "okdokument": "OKdokument callbacks"}
    kinds = what[opts.provider] if opts.provider else "ZapSign webhooks and OKdokument callbacks"
    output.info(f"listening on {url} for {kinds} (Ctrl-C to stop)")
    if opts.forward_to:
        output.info(f"forwarding each delivery to {opts.forward_to}")
    if opts.save_dir:
        output.info(f"saving each payload in {opts.save_dir}")
    try:
        listener.serve()
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP (esign.core.signals): the normal end
        pass
    finally:
        listener.close()
    output.info(listener.summary())


@dataclass(frozen=True)
class Delivery:
    sequence: int
    received_at: str
    payload: dict[str, Any]
    body: bytes
    headers: list[tuple[str, str]]


# How long a stop waits for deliveries already received to be handled (a slow --forward-to).
DRAIN_SECONDS = 10.0


class Listener:
    def __init__(self, app: AppContext, opts: ListenOptions) -> None:
        self.app = app
        self.opts = opts
        self.output = app.output
        self.lock = threading.Lock()
        self.received = 0
        self.refused = 0
        self.rejected = 0  # not JSON, too large, no length
        self._server: ThreadingHTTPServer | None = None
        self._forwarder: httpx.Client | None = None
        # Deliveries are numbered as they arrive and handled (forwarded, saved, printed) one
        # at a time, in that order, by one worker: the provider has its 200 meanwhile.
        self._queue: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._work, name="esign-webhooks", daemon=True)
        if opts.forward_to:
            check_url(opts.forward_to, "--forward-to")
        if opts.save_dir is not None:
            try:
                opts.save_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot use --save {opts.save_dir}: {exc.strerror}") from None
            if not opts.save_dir.is_dir():
                raise UsageError(f"--save {opts.save_dir} is not a directory")

    # -- the server ------------------------------------------------------------------------

    def bind(self) -> str:
        host = self.opts.host.strip("[]")
        server_class = _IPv6Server if ":" in host else _Server
        try:
            self._server = server_class((host, self.opts.port), _handler_for(self))
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {self.opts.host}:{self.opts.port}: {exc.strerror or exc}",
                hint="choose another --port (0 picks a free one)",
            ) from None
        port = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def serve(self) -> None:
        if self._server is None:
            raise RuntimeError("bind() first")
        self._worker.start()
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """From another thread (a closed stdout, a test)."""
        if self._server is not None:
            self._server.shutdown()

    def close(self) -> None:
        if self._server is not None:
            self._server.server_close()
        if self._worker.is_alive():
            # What arrived before the stop is still handled (and counted) before the summary.
            self._queue.put(None)
            self._worker.join(timeout=DRAIN_SECONDS)
        if self._forwarder is not None:
            self._forwarder.close()

    def summary(self) -> str:
        count = f"{self.received} event{'s' if self.received != 1 else ''} received"
        extra = []
        if self.refused:
            extra.append(f"{self.refused} refused for a missing or wrong header")
        if self.rejected:
            extra.append(f"{self.rejected} not events")
        return f"stopped: {count}" + (f" ({', '.join(extra)})" if extra else "")

    # -- one delivery ------------------------------------------------------------------------

    def authorized(self, headers: Any) -> bool:
        if self.opts.require_header is None:
            return True
        name, expected = self.opts.require_header
        given = headers.get(name)
        if given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.reveal().encode())

    def note_refused(self, peer: str) -> None:
        with self.lock:
            self.refused += 1
        name = self.opts.require_header[0] if self.opts.require_header else "?"
        self.output.warn(f"refused a delivery from {peer} (401): header {name} missing or wrong")

    def note_rejected(self, peer: str, why: str) -> None:
        with self.lock:
            self.rejected += 1
        self.output.warn(f"ignored a request from {peer}: {why}")

    def accept(self, payload: dict[str, Any], body: bytes, headers: list[tuple[str, str]]) -> None:
        """A delivery, numbered as it arrives and queued, before the provider gets its 200."""
        with self.lock:
            self.received += 1
            delivery = Delivery(
                self.received, iso_utc(datetime.now(UTC)) or "", payload, body, headers
            )
        self._queue.put(delivery)

    def _work(self) -> None:
        while (delivery := self._queue.get()) is not None:
            self.handle(delivery)

    def handle(self, delivery: Delivery) -> None:
        """After the provider has its answer: forward, save, print."""
        event = describe(delivery.payload, self.opts.provider, delivery.received_at)
        if self.opts.forward_to:
            event.forwarded = self.forward(delivery.body, delivery.headers)
        if self.opts.save_dir is not None:
            event.saved = self.save(delivery.body, event, delivery.sequence)
        self.print(event)

    def forward(self, body: bytes, headers: list[tuple[str, str]]) -> dict[str, Any]:
        url = self.opts.forward_to or ""
        sent = [(k, v) for k, v in headers if k.lower() not in NOT_FORWARDED]
        try:
            response = self.forwarder().post(url, content=body, headers=sent)
        except Exception as exc:  # any failure is reported on the event line
            return {"url": url, "status": None, "error": _failure(exc)}
        return {"url": url, "status": response.status_code, "error": None}

    def forwarder(self) -> httpx.Client:
        with self.lock:
            if self._forwarder is None:
                self._forwarder = _forwarding_client(self.app, self.opts.forward_to or "")
            return self._forwarder

    def save(self, body: bytes, event: WebhookEvent, sequence: int) -> str | None:
        """The body as received, in a new 0600 file (never over an existing one or through a
        planted symlink)."""
        directory = self.opts.save_dir
        if directory is None:
            return None
        stamp = re.sub(r"[^0-9TZ]", "", event.received_at)
        label = _safe(f"{event.provider or 'unknown'}-{event.event or 'event'}")
        for attempt in range(100):
            suffix = f"-{attempt}" if attempt else ""
            path = directory / f"{stamp}-{sequence:04d}-{label}{suffix}.json"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                fd = os.open(path, flags, 0o600)
            except FileExistsError:
                continue
            except OSError as exc:
                self.output.warn(f"could not save the payload in {directory}: {exc.strerror}")
                return None
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(body)
            except OSError as exc:
                path.unlink(missing_ok=True)
                self.output.warn(f"could not save the payload in {path}: {exc.strerror}")
                return None
            return str(path)
        return None

    def print(self, event: WebhookEvent) -> None:
        try:
            with self.lock:
                if self.output.raw:
                    self.output.write_json_line(event.payload)
                elif self.output.json_mode:
                    self.output.write_json_line(event.to_dict())
                else:
                    from esign.core.output.views import render

                    render(event, self.output.console())
        except (BrokenPipeError, ValueError):
            # `esign webhook listen | head -1`: the reader left, so there is no one to tell.
            threading.Thread(target=self.stop, daemon=True).start()


def describe(payload: dict[str, Any], provider: str | None, received_at: str) -> WebhookEvent:
    """One delivery as esign's event: which provider sent it (from the flag, else from its
    shape), what it says, and the payload itself."""
    from esign.providers.okdokument import callbacks as okdokument
    from esign.providers.zapsign import webhooks as zapsign

    if provider is None:
        if "event_type" in payload:
            provider = "zapsign"
        elif okdokument.is_callback(payload):
            provider = "okdokument"
    signer: Signer | None = None
    if provider == "zapsign":
        event, document_id, status, signer = zapsign.event_fields(payload)
    elif provider == "okdokument":
        event, document_id, status = okdokument.event_fields(payload)
    else:
        event = document_id = status = None
    return WebhookEvent(
        received_at=received_at,
        provider=provider,
        event=event,
        document_id=document_id,
        status=status,
        signer=signer,
        payload=payload,
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # Ctrl-C does not wait for a slow forward


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


def _handler_for(listener: Listener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "esign-webhook-listen"
        sys_version = ""
        timeout = READ_TIMEOUT

        def do_POST(self) -> None:
            peer = self.client_address[0]
            if not listener.authorized(self.headers):
                listener.note_refused(peer)
                self._answer(401, {"error": "unauthorized"})
                return
            body = self._body(peer)
            if body is None:
                return
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                listener.note_rejected(peer, "the body is not a JSON object")
                self._answer(400, {"error": "a JSON object was expected"})
                return
            listener.accept(payload, body, list(self.headers.items()))
            self._answer(200, {"received": True})

        def do_GET(self) -> None:
            self._answer(200, {"esign": "webhook listener; POST events here"})

        def _body(self, peer: str) -> bytes | None:
            length_text = self.headers.get("content-length")
            if length_text is None or not length_text.strip().isdigit():
                listener.note_rejected(peer, "no Content-Length")
                self._answer(411, {"error": "Content-Length required"})
                return None
            length = int(length_text)
            if length > MAX_BODY:
                listener.note_rejected(peer, f"a {length}-byte body (at most {MAX_BODY})")
                self._answer(413, {"error": "body too large"})
                return None
            try:
                body = self.rfile.read(length)
            except OSError:
                body = b""
            if len(body) < length:
                listener.note_rejected(peer, "the body ended early")
                self.close_connection = True
                return None
            return body

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                pass  # the sender left; its delivery is still handled

        def do_PUT(self) -> None:
            self._answer(405, {"error": "POST events here"})

        do_PATCH = do_DELETE = do_PUT

        def log_message(self, format: str, *args: Any) -> None:
            return  # each event is printed by the listener instead

    return Handler


def check_url(url: str, flag: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} must be an http:// or https:// URL, not {url!r}")


def _forwarding_client(app: AppContext, url: str) -> httpx.Client:
    """Plain httpx to the user's app: the proxy and TLS trust the user's network needs, no
    retries (the provider already has its answer), no redirects followed."""
    from esign.core.http.httpx_import import import_httpx

    httpx_module = import_httpx()
    parts = urlsplit(url)
    network = app.network
    proxy = network.proxy_for(parts.scheme, parts.hostname or "", parts.port)
    client: httpx.Client = httpx_module.Client(
        timeout=app.flags.timeout or FORWARD_TIMEOUT,
        trust_env=False,
        follow_redirects=False,
        verify=network.trust() if parts.scheme == "https" else False,
        proxy=proxy.url if proxy is not None else None,
    )
    return client


def _failure(exc: Exception) -> str:
    from esign.core.redact import scrub

    return scrub(f"{type(exc).__name__}: {exc}")[:300]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:80].strip("._") or "event"
