"""ZapSign webhooks (spec §9.2): create one for the account, add headers to it, delete it;
and `trigger`, which sends one documented event now (`esign sandbox trigger`). Their payloads
are in events.py, their delivery in lifecycle.py."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from esign.sandbox.callbacks import deliver
from esign.sandbox.pdf import sample_contract, watermark_pdf
from esign.sandbox.zapsign.base import REQUIRED, err, not_found
from esign.sandbox.zapsign.events import EVENTS, SIGNER_KEYS, signer_for
from esign.sandbox.zapsign.lifecycle import Lifecycle, _stamp
from esign.sandbox.zapsign.store import (
    DEMO_API_TOKEN,
    PROVIDER,
    Webhook,
    ZDoc,
    ZSigner,
    new_signer,
    now_text,
)


class Webhooks(Lifecycle):
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
        return PlainTextResponse("Webhook deletado com sucesso")  # the documented 200 text

    def _webhook(self, owner: str, some_id: Any) -> Webhook | None:
        try:
            wanted = int(some_id)
        except (TypeError, ValueError):
            return None
        return next((h for h in self.store.webhooks if h.id == wanted and h.owner == owner), None)

    # -- `esign sandbox trigger` -------------------------------------------------------------

    async def trigger(
        self, request: Request, event: str, some_id: str | None, to: str | None
    ) -> dict[str, Any]:
        """Send `event` as the document stands now (nothing changes state), to `to` or else
        to the account's webhooks that want it. Without an ID, a sample document is made
        for it in the demo account."""
        if event not in EVENTS:
            return {"error": f"ZapSign has no event {event!r}", "status": 400}
        if some_id:
            found = self.store.find(some_id)
            if found is None:
                return {"error": f"no ZapSign document or signer {some_id!r}", "status": 404}
            doc, signer = found
            if doc.parent is not None:
                return {
                    "error": f"{doc.token} is an attachment: events are about its main "
                    f"document {doc.parent}",
                    "status": 400,
                }
            contradiction = _contradiction(doc, signer, event)
            if contradiction:
                return {
                    "error": f"document {doc.token} {contradiction}, and {event} is sent about "
                    f"{IMPLIED[event]}: change it first (`esign sandbox sign`, `esign doc "
                    "delete`), or trigger without --document for a sample in that state",
                    "status": 409,
                }
        else:
            doc, signer = self._sample_document(event), None
        if signer is None and (event in SIGNER_KEYS or event == "email_bounce"):
            signer = signer_for(doc, event)
            if signer is None:
                return {"error": f"document {doc.token} has no signer", "status": 409}
        extra: dict[str, Any] = {}
        if signer is not None and event in SIGNER_KEYS:
            extra[SIGNER_KEYS[event]] = self._signer_json(request, signer)
        if event == "email_bounce":
            extra["signer"] = signer
        payload = self._event_payload(request, doc, event, **extra)
        if to:
            targets: list[tuple[str, dict[str, str]]] = [(to, {})]
        else:
            targets = [(h.url, h.header_map()) for h in self._hooks_for(doc, event)]
            if not targets:
                return {
                    "error": f"no webhook of this account wants {event}: create one "
                    f"(`esign webhook create URL`), or give the receiver with --to URL",
                    "status": 409,
                }
        deliveries = []
        for url, headers in targets:
            record = await deliver(self.store.shared, PROVIDER, url, payload, headers=headers)
            deliveries.append({"url": url, "status": record.status, "error": record.error})
        return {
            "provider": PROVIDER,
            "event": event,
            "document_id": doc.token,
            "signer_id": signer.token if signer is not None else None,
            "deliveries": deliveries,
        }

    def _sample_document(self, event: str) -> ZDoc:
        """A new document in the demo account, already in the state `event` is sent about (set
        directly: the only delivery is the triggered one)."""
        account = self.store.accounts[DEMO_API_TOKEN]
        doc = ZDoc(
            token=str(uuid.uuid4()),
            owner=DEMO_API_TOKEN,
            open_id=next(account.open_ids),
            name="Sandbox trigger sample",
            original=sample_contract("Sandbox trigger sample"),
            lang="pt-br",
            signers=[new_signer({"name": "Ana Souza", "email": "ana@example.com"})],
        )
        self.store.docs[doc.token] = doc
        for signer in doc.signers:
            self.store.signer_docs[signer.token] = doc.token
        self.store.shared.record(PROVIDER, "create_document", doc.token)
        if event == "doc_signed":
            signer = doc.signers[0]
            _stamp(doc, signer.name)
            signer.status, signer.signed_at = "signed", now_text()
            doc.status = "signed"
        elif event == "doc_refused":
            doc.status, doc.rejected_reason = "refused", "Recusado no sandbox"
            doc.signed = watermark_pdf(doc.original, text="Documento recusado", reason="sandbox")
        elif event == "doc_deleted":
            doc.deleted, doc.deleted_at = True, now_text()
        return doc


# What each state-bound event is about, and how a document can contradict it.
IMPLIED = {
    "doc_signed": "a signature",
    "doc_refused": "a refused document",
    "doc_deleted": "a deleted document",
}


def _contradiction(doc: ZDoc, signer: ZSigner | None, event: str) -> str | None:
    if event == "doc_signed":
        who = [signer] if signer is not None else doc.signers
        if not any(s.status == "signed" for s in who):
            return "has no signature yet" if signer is None else "is not signed by that signer"
    elif event == "doc_refused" and doc.status != "refused":
        return f"is {doc.status}"
    elif event == "doc_deleted" and not doc.deleted:
        return "is not deleted"
    return None
