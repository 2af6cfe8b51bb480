"""What happens to a ZapSign document after its creation, whichever section or page causes it:
a signature (the PDF stamped), a refusal (Cancelar documentos: a watermark), and the webhooks
each change fires (spec §9.1 delivery, retried on anything but 200)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from esign.sandbox.callbacks import post_callback
from esign.sandbox.pdf import stamp_pdf, watermark_pdf
from esign.sandbox.zapsign.events import Events
from esign.sandbox.zapsign.store import API_USER, PROVIDER, Webhook, ZDoc, ZSigner, now_text

WEBHOOK_ATTEMPTS = 3


class Lifecycle(Events):
    # -- signatures and refusals: the signer's page, 7.6 cancel, `esign sandbox sign` ----------

    async def sign(
        self, request: Request, some_id: str, *, action: str, signer_token: str | None = None
    ) -> dict[str, Any]:
        """Sign for one signer (a signer token, or --signer), or for every pending signer of a
        document; `cancel` refuses the document."""
        found = self.store.find(some_id)
        if found is None:
            return {"error": f"no ZapSign document or signer {some_id!r}", "status": 404}
        doc, signer = found
        if not doc.in_progress():
            state = "deleted" if doc.deleted else doc.status
            return {"error": f"the document is {state}, not pending", "status": 409}
        if action == "cancel":
            self._refuse(request, doc, "Cancelado no sandbox")
            return {"provider": PROVIDER, "id": doc.token, "state": doc.status, "signed": []}
        if signer_token:
            signer = next((s for s in doc.signers if s.token == signer_token), None)
            if signer is None:
                return {
                    "error": f"document {doc.token} has no signer {signer_token!r}",
                    "status": 404,
                }
        targets = [signer] if signer else [s for s in doc.signers if s.status != "signed"]
        if signer is not None and signer.status == "signed":
            return {"error": f"signer {signer.token} has already signed", "status": 409}
        if doc.signature_order_active:
            # Signed in order (order_group, lowest first; a signer without one last).
            targets.sort(key=_turn)
            if signer is not None:
                waiting = [s for s in doc.signers if s.status != "signed"]
                if _turn(signer) > min(_turn(s) for s in waiting):
                    return {"error": f"it is not signer {signer.token}'s turn yet", "status": 409}
        for target in targets:
            # signed_file is filled from the first signature on, for the document and each
            # attachment of its envelope; `status` stays pending until the last signer.
            for part in (doc, *(self.store.docs[t] for t in doc.extras)):
                _stamp(part, target.name)
            target.status = "signed"
            target.signed_at = now_text()
            doc.record(
                "Documento assinado",
                target.email or target.name,
                f"Documento assinado por {target.email or target.name}",
            )
            if all(s.status == "signed" for s in doc.signers):
                doc.status = "signed"
            doc.touch()
            self._notify(
                request, doc, "doc_signed", signer_who_signed=self._signer_json(request, target)
            )
        return {
            "provider": PROVIDER,
            "id": doc.token,
            "state": doc.status,
            "signed": [t.token for t in targets],
        }

    def _refuse(self, request: Request, doc: ZDoc, reason: str) -> None:
        """Cancel: status refused, and a "Documento recusado" watermark on the final PDF
        (Cancelar documentos), so signed_file is set even if nobody signed; doc_signed may
        follow because the PDF changed."""
        doc.status = "refused"
        doc.rejected_reason = reason
        doc.record("Documento recusado", API_USER, f"Documento recusado: {reason}")
        for part in (doc, *(self.store.docs[t] for t in doc.extras)):
            try:
                part.signed = watermark_pdf(
                    part.signed or part.original, text="Documento recusado", reason=reason
                )
            except ValueError:
                part.signed = part.signed or part.original
        doc.touch()
        self._notify(request, doc, "doc_refused", rejected_reason=reason)
        self._notify(request, doc, "doc_signed")

    def _link_sent(self, request: Request, doc: ZDoc, signer: ZSigner, channel: str) -> None:
        """signature_notification_sent: the link went to the signer (create, add, reminder)."""
        self._notify(
            request,
            doc,
            "signature_notification_sent",
            created_signer=self._notified_signer(request, signer, channel),
        )

    # -- 9.1 delivery ----------------------------------------------------------------------

    def _notify(self, request: Request, doc: ZDoc, event: str, **extra: Any) -> None:
        """Deliver `event` to each webhook of the account that wants it, in the background;
        `extra` is the event's own keys (events.py completes them to the documented shape)."""
        hooks = self._hooks_for(doc, event)
        if not hooks:
            return
        payload = self._event_payload(request, doc, event, **extra)
        for hook in hooks:
            task = asyncio.get_running_loop().create_task(self._deliver(hook, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _hooks_for(self, doc: ZDoc, event: str) -> list[Webhook]:
        return [
            h for h in self.store.webhooks if h.owner == doc.owner and h.wants(event, doc.token)
        ]

    async def _deliver(self, hook: Webhook, payload: dict[str, Any]) -> None:
        headers = hook.header_map()
        # Anything but 200 is retried (spec 9.1; the schedule is undocumented).
        for attempt in range(WEBHOOK_ATTEMPTS):
            if await post_callback(
                self.store.shared, PROVIDER, hook.url, payload, headers=headers, success=(200,)
            ):
                return
            await asyncio.sleep(0.2 * (attempt + 1))


def _turn(signer: ZSigner) -> int:
    return signer.order_group if signer.order_group is not None else 1_000_000


def _stamp(doc: ZDoc, signer: str) -> None:
    current = doc.signed or doc.original
    try:
        doc.signed = stamp_pdf(current, signer=signer, provider=PROVIDER)
    except ValueError:
        doc.signed = current  # a .docx kept as bytes; nothing to stamp on
