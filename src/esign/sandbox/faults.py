"""Fault injection, beside the routes rather than inside them (ARCHITECTURE.md §8).

A fault rule matches requests by provider prefix, method and path pattern, and fires a given
number of times (or with a probability drawn from a seeded generator, so runs repeat):

- `status`: answer with a status (and `Retry-After`, body) without running the route;
- `latency`: wait, then run the route;
- `reset`: close the connection before the route runs (the server did nothing);
- `reset_after`: run the route (state changes!), then close the connection unanswered;
- `truncate`: run the route, send the headers with the full Content-Length and only part of
  the body, then close;
- `stall`: run the route, send the headers and part of the body, then go silent for `delay`
  seconds (past the client's read timeout) before closing.

Spec form, for `sandbox serve --faults` and `POST /_sandbox/faults`: a JSON object or list of
objects with the fields of `FaultRule`; on the command line also the short form
`KIND[:STATUS]@METHOD PATH-REGEX[*COUNT]`, e.g. `status:503@GET /okdokument/JSON/document*2`.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KINDS = ("status", "latency", "reset", "reset_after", "truncate", "stall")


@dataclass
class FaultRule:
    kind: str
    path: str = ".*"  # regex searched in the request path
    method: str | None = None
    status: int = 503
    retry_after: str | None = None
    body: str | None = None
    content_type: str = "application/json"
    headers: list[list[str]] = field(default_factory=list)  # extra [name, value] pairs
    delay: float = 0.0
    count: int | None = 1  # times to fire; None = every time (or by `rate`)
    rate: float | None = None  # probability per matching request
    fired: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


def parse_rules(spec: Any) -> list[FaultRule]:
    if isinstance(spec, str):
        text = spec.strip()
        if text.startswith(("{", "[")):
            spec = json.loads(text)
        else:
            return [_parse_short(part) for part in text.split(";") if part.strip()]
    items = spec if isinstance(spec, list) else [spec]
    rules = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("a fault rule is a JSON object")
        known = {k: v for k, v in item.items() if k in FaultRule.__dataclass_fields__}
        known.pop("fired", None)
        rules.append(FaultRule(**known))
    return rules


_SHORT = re.compile(
    r"^(?P<kind>[a-z_]+)(?::(?P<arg>[\d.]+))?@(?:(?P<method>[A-Z]+)\s+)?(?P<path>\S+?)"
    r"(?:\*(?P<count>\d+|inf))?$"
)


def _parse_short(text: str) -> FaultRule:
    match = _SHORT.match(text.strip())
    if not match:
        raise ValueError(f"cannot read fault {text!r}; expected KIND[:ARG]@[METHOD ]PATH[*COUNT]")
    kind, arg = match.group("kind"), match.group("arg")
    count_text = match.group("count")
    count = None if count_text == "inf" else int(count_text or 1)
    rule = FaultRule(kind=kind, path=match.group("path"), method=match.group("method"), count=count)
    if arg and kind == "status":
        rule.status = int(float(arg))
    elif arg and kind == "latency":
        rule.delay = float(arg)
    return rule


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.seed = seed
        self._random = random.Random(seed)

    def set(self, rules: list[FaultRule], *, seed: int | None = None) -> None:
        self.rules = rules
        if seed is not None:
            self.seed = seed
        self._random = random.Random(self.seed)

    def add(self, rules: list[FaultRule]) -> None:
        self.rules.extend(rules)

    def clear(self) -> None:
        self.rules = []

    def pick(self, method: str, path: str) -> FaultRule | None:
        for rule in self.rules:
            if rule.exhausted() or not rule.matches(method, path):
                continue
            if rule.rate is not None and self._random.random() >= rule.rate:
                continue
            rule.fired += 1
            return rule
        return None

    def describe(self) -> list[dict[str, Any]]:
        return [asdict(rule) for rule in self.rules]


def _abort_connection(receive: Receive) -> None:
    """Drop the TCP connection under the server's feet (uvicorn keeps it on the cycle)."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:  # pragma: no cover - another ASGI server
        raise ConnectionAbortedError("sandbox fault: connection reset")
    transport.abort()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        rule = self.injector.pick(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "latency":
            await asyncio.sleep(rule.delay)
            await self.app(scope, receive, send)
        elif rule.kind == "status":
            await _send_status(send, rule)
        elif rule.kind == "reset":
            _abort_connection(receive)
        elif rule.kind == "reset_after":
            await self.app(scope, receive, _swallow)
            _abort_connection(receive)
        elif rule.kind in ("truncate", "stall"):
            await self._truncate(
                scope, receive, send, stall=rule.delay if rule.kind == "stall" else 0
            )

    async def _truncate(self, scope: Scope, receive: Receive, send: Send, stall: float = 0) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start is None:
            return
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        if stall:
            await asyncio.sleep(stall)
        _abort_connection(receive)


async def _swallow(message: Message) -> None:
    return None


async def _send_status(send: Send, rule: FaultRule) -> None:
    body = (
        rule.body
        if rule.body is not None
        else json.dumps({"message": "sandbox fault", "statusCode": rule.status})
    ).encode()
    headers = [
        (b"content-type", rule.content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if rule.retry_after is not None:
        headers.append((b"retry-after", str(rule.retry_after).encode()))
    headers.extend((str(k).lower().encode(), str(v).encode("latin-1")) for k, v in rule.headers)
    await send({"type": "http.response.start", "status": rule.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
