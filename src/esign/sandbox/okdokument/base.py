"""The base of every OKdokument section: where the emulator is mounted, who is calling (the
x-api-key header, spec §2), and the request's JSON body."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from esign.sandbox.okdokument.conventions import fail
from esign.sandbox.okdokument.store import OKdokumentStore
from esign.sandbox.reply import Reply

PREFIX = "/okdokument"


def site(request: Request) -> str:
    """Absolute origin + prefix, built from how the client reached us."""
    return str(request.base_url).rstrip("/") + PREFIX


class OKdokumentBase:
    def __init__(self, store: OKdokumentStore) -> None:
        self.store = store

    # -- auth (spec §2; 401/403 bodies are invented) ---------------------------------------

    def _owner(self, request: Request) -> str:
        key = request.headers.get("x-api-key", "")
        if key not in self.store.keys:
            raise Reply(fail(401, "err.unauthorized"))
        if not self.store.keys[key]:
            raise Reply(fail(403, "err.forbidden"))
        return key

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(fail(400, "err.bad.request")) from None
        if not isinstance(body, dict):
            raise Reply(fail(400, "err.bad.request"))
        return body
