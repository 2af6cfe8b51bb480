"""The base of every ZapSign section: where the emulator is mounted, who is calling (the API
token and its rate limit, spec §2, §4), the request body, and the error bodies (§5)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from esign.sandbox.reply import Reply
from esign.sandbox.zapsign.store import ZapSignStore, ZDoc

PREFIX = "/zapsign"
API = "/api/v1"
REQUIRED = "Este campo é obrigatório."


def err(status: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def not_found() -> JSONResponse:
    return err(404, detail="Não encontrado.")  # DRF's default, in the PT locale


def invalid(data: dict[str, Any]) -> JSONResponse:
    return err(400, message="Invalid Input", data=data)


class ZapSignBase:
    def __init__(self, store: ZapSignStore) -> None:
        self.store = store
        # Webhook deliveries in flight (lifecycle.py), held so that none is collected mid-way.
        self._tasks: set[asyncio.Task[None]] = set()

    # -- auth and rate limit (spec §2, §4) -------------------------------------------------

    def _owner(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        # The legacy ?api_token= form is still what the official SDKs send.
        token = token or request.query_params.get("api_token", "")
        if not token:
            raise Reply(err(401, detail="As credenciais de autenticação não foram fornecidas."))
        account = self.store.accounts.get(token)
        if account is None:
            raise Reply(err(401, detail="Invalid API token."))
        if account.kind == "other_env":
            raise Reply(err(403, detail="Você não tem permissão para executar essa ação."))
        wait = account.window.admit(self.store.limit_of(account))
        if wait is not None:
            # Not documented, but ZapSign's own client honours it when present (spec §4).
            retry_after = str(max(1, math.ceil(wait)))
            raise Reply(
                JSONResponse(
                    {"detail": "Request was throttled."},
                    status_code=429,
                    headers={"Retry-After": retry_after},
                )
            )
        return token

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(err(400, detail="JSON parse error")) from None
        if not isinstance(body, dict):
            raise Reply(err(406, detail="Body must be a JSON object"))
        return body

    def _mine(self, owner: str, token: str) -> ZDoc | None:
        doc = self.store.docs.get(token)
        return doc if doc is not None and doc.owner == owner else None
