"""ZapSign webhooks (spec §9.2): create one for the account, add headers to it, delete it.
Their delivery is in lifecycle.py."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.zapsign.base import REQUIRED, ZapSignBase, err, not_found
from esign.sandbox.zapsign.store import Webhook


class Webhooks(ZapSignBase):
    async def create_webhook(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if not body.get("url"):
            return err(400, message="Invalid Input", data={"url": [REQUIRED]})
        kind = str(body.get("type") or "")
        hook = Webhook(
            id=next(self.store.webhook_ids),
            owner=owner,
            url=str(body["url"]),
            type=kind,
            doc_token=body.get("doc_token") or None,
            headers=[h for h in body.get("headers") or [] if isinstance(h, dict)],
        )
        self.store.webhooks.append(hook)
        return JSONResponse({"id": hook.id})

    async def add_webhook_headers(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        hook = self._webhook(owner, body.get("id"))
        if hook is None:
            return not_found()
        hook.headers.extend(h for h in body.get("headers") or [] if isinstance(h, dict))
        return JSONResponse({"message": "headers added"})

    async def delete_webhook(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        hook = self._webhook(owner, body.get("id"))  # int in responses, string in the example
        if hook is None:
            return not_found()
        self.store.webhooks.remove(hook)
        return JSONResponse("webhook deleted")

    def _webhook(self, owner: str, some_id: Any) -> Webhook | None:
        try:
            wanted = int(some_id)
        except (TypeError, ValueError):
            return None
        return next((h for h in self.store.webhooks if h.id == wanted and h.owner == owner), None)
