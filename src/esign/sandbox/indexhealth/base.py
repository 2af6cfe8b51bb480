"""The base of every IndexHealth section: where the emulator is mounted, the envelope every
answer is (spec §1), the bearer token check, and the request's JSON body."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from esign.sandbox.indexhealth.store import IndexHealthStore
from esign.sandbox.reply import Reply

PREFIX = "/indexhealth"


class IndexHealthBase:
    def __init__(self, store: IndexHealthStore) -> None:
        self.store = store

    # -- the envelope (spec §1) ------------------------------------------------------------

    def envelope(self, code: int, data: Any = None, message: str = "OKAY") -> JSONResponse:
        if data is None:
            data = {}
        mode = self.store.status_mode
        if code == 200:
            return JSONResponse({"statusCode": 200, "data": data, "message": message})
        body: dict[str, Any] = {"data": data, "message": message}
        if mode in ("both", "body"):
            body = {"statusCode": code, **body}
        return JSONResponse(body, status_code=200 if mode == "body" else code)

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token or not self.store.valid_token(token):
            raise Reply(self.envelope(403, message="UNAUTHORIZED"))

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(self.envelope(436, message="1. Request body is not valid JSON")) from None
        if not isinstance(body, dict):
            raise Reply(self.envelope(436, message="1. Request body must be a JSON object"))
        return body
