"""Who may use the sandbox's admin API (`/_sandbox/*`: install faults, sign documents).

A web page the developer visits can send a cross-site "simple" POST (text/plain or a form)
to 127.0.0.1 without any preflight; the browser does not let it read the answer, but the
fault is installed or the document signed all the same. Requests with a body must therefore
be `application/json`, which a browser only sends cross-site after a CORS preflight that the
sandbox never grants. On a non-loopback bind anyone on the network could reach it too, so
`esign sandbox serve` then makes a per-run admin token, prints it, and every admin request
must carry it (`Authorization: Bearer TOKEN`; `esign sandbox sign` sends $ESIGN_SANDBOX_TOKEN).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from esign.sandbox.faults import ASGIApp, Receive, Scope, Send

ADMIN_PREFIX = "/_sandbox"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class AdminGuard:
    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            refusal = self._refusal(scope)
            if refusal is not None:
                await _answer(send, *refusal)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.token is not None:
            given = headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, "the admin API needs the token `esign sandbox serve` printed"
        if scope["method"] in BODY_METHODS:
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return 415, "the admin API takes application/json only"
        return None


async def _answer(send: Send, status: int, message: str) -> None:
    body: Any = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
