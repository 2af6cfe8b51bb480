"""ZapSign signers (spec §8): detail (8.1), update (8.2, also the documented way to send a
reminder: at most one per 30 minutes), add (8.3) and remove (8.4, answered in plain text)."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from esign.sandbox.zapsign.base import REQUIRED, err, invalid, not_found
from esign.sandbox.zapsign.lifecycle import Lifecycle
from esign.sandbox.zapsign.store import (
    API_USER,
    ECHOED_SIGNER_FIELDS,
    REMINDER_INTERVAL,
    ZDoc,
    ZSigner,
    new_signer,
)
from esign.sandbox.zapsign.validation import validate_signer

# Atualizar signatário's fields the emulator changes (strings, then the order).
UPDATABLE_TEXT = (
    "name",
    "email",
    "phone_country",
    "phone_number",
    "external_id",
    "qualification",
    "redirect_link",
)
CHANNELS = {"send_automatic_email": "email", "send_automatic_whatsapp": "whatsapp"}


class Signers(Lifecycle):
    def _signer_of(self, request: Request, owner: str) -> tuple[ZDoc, ZSigner] | None:
        found = self.store.find(request.path_params["token"])
        if found is None or found[1] is None or found[0].owner != owner:
            return None
        return found[0], found[1]

    async def signer_detail(self, request: Request) -> Response:
        owner = self._owner(request)
        found = self._signer_of(request, owner)
        if found is None:
            return not_found()
        # No sign_url: absent from the documented Detail-signer sample (gap 19).
        return JSONResponse(self._signer_json(request, found[1]))

    async def signer_update(self, request: Request) -> Response:
        """8.2 Update signer (POST): only before the signer signs; answers the signer with
        its sign_url, as the documented sample does. `send_automatic_email` (or WhatsApp)
        set to true sends the link again: a reminder, refused within 30 minutes of the
        last one."""
        owner = self._owner(request)
        found = self._signer_of(request, owner)
        if found is None:
            return not_found()
        doc, signer = found
        body = await self._json(request)
        # No error body is documented for a signer who signed or a finished document.
        if signer.status == "signed" or not doc.in_progress():
            return err(400, error="O signatário já assinou ou o documento foi finalizado.")
        refused = validate_signer(body, update=True)
        if refused is not None:
            return refused
        channels = [CHANNELS[key] for key in CHANNELS if body.get(key) is True]
        if channels:
            refused = self._reminder_refusal(signer, body)
            if refused is not None:
                return refused
        for key in UPDATABLE_TEXT:
            if isinstance(body.get(key), str):
                setattr(signer, key, body[key])
        if isinstance(body.get("auth_mode"), str):
            signer.auth_mode = body["auth_mode"]
        if "order_group" in body:
            signer.order_group = body["order_group"]
        signer.options.update({k: body[k] for k in ECHOED_SIGNER_FIELDS if k in body})
        if "send_automatic_email" in body:
            signer.send_automatic_email = bool(body["send_automatic_email"])
        doc.touch()
        for channel in channels:
            signer.last_reminder_at = time.time()
            doc.record(
                "Lembrete enviado",
                API_USER,
                f"Link de assinatura reenviado para {signer.email or signer.name} ({channel})",
            )
            self._link_sent(request, doc, signer, channel)
        return JSONResponse(self._signer_json(request, signer, sign_url=True))

    def _reminder_refusal(self, signer: ZSigner, body: dict[str, Any]) -> Response | None:
        if body.get("send_automatic_email") and not (body.get("email") or signer.email):
            return invalid({"email": [REQUIRED]})
        if body.get("send_automatic_whatsapp") and not (
            body.get("phone_number") or signer.phone_number
        ):
            return invalid({"phone_number": [REQUIRED]})
        last = signer.last_reminder_at
        if last is not None and time.time() - last < REMINDER_INTERVAL:
            # "At most 1 reminder every 30 minutes"; no body is documented for it: the
            # bulk re-notify endpoint's own throttle (429 `cooldown_period`, "the message
            # includes the time left") is the model.
            left = int(REMINDER_INTERVAL - (time.time() - last)) // 60 + 1
            return err(
                429,
                error=f"Aguarde o período de cooldown: {left} minutos para o próximo lembrete.",
                code="cooldown_period",
            )
        return None

    async def add_signer(self, request: Request) -> Response:
        """8.3 Add signer: a new signer object with status new, its token and sign_url."""
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None or doc.parent is not None:
            return not_found()
        body = await self._json(request)
        if not doc.in_progress():
            return err(403, detail="Documento finalizado ou cancelado não pode ser alterado.")
        if any(s.status == "signed" and s.auth_mode == "certificadoDigital" for s in doc.signers):
            # "Changes are not allowed on documents that already carry signatures made with a
            # digital certificate" (the page's hint; the status and body are the emulator's).
            return err(
                403,
                detail="Não são permitidas alterações em documentos que já possuam assinaturas "
                "feitas com certificado digital.",
            )
        if not str(body.get("name") or "").strip():
            return invalid({"name": [REQUIRED]})
        refused = validate_signer(body)
        if refused is not None:
            return refused
        signer = new_signer(body)
        doc.signers.append(signer)
        self.store.signer_docs[signer.token] = doc.token
        doc.touch()
        doc.record(
            "Signatário adicionado", API_USER, f"Signatário {signer.name} adicionado ao documento"
        )
        self._notify(
            request,
            doc,
            "created_signer",
            created_signer=self._signer_json(request, signer, sign_url=True),
        )
        if signer.send_automatic_email:
            self._link_sent(request, doc, signer, "email")
        return JSONResponse(self._signer_json(request, signer, sign_url=True))

    async def remove_signer(self, request: Request) -> Response:
        """8.4 Delete signer: plain-text answers. Irreversible; a signer who signed, or the
        only signer, cannot be removed; the signed PDF may be regenerated, and then
        doc_signed fires (and the document is signed if everyone left has signed)."""
        owner = self._owner(request)
        found = self._signer_of(request, owner)
        if found is None:
            return not_found()
        doc, signer = found
        if signer.status == "signed":
            return PlainTextResponse(
                "Erro: Não é possível remover um signatário que já assinou o documento",
                status_code=400,
            )
        if len(doc.signers) == 1:
            # Documented as impossible; the answer is the emulator's, in the same form.
            return PlainTextResponse(
                "Erro: Não é possível remover o único signatário do documento", status_code=400
            )
        if not doc.in_progress():  # (the emulator's answer, in the documented form)
            return PlainTextResponse("Erro: O documento não está em andamento", status_code=400)
        doc.signers.remove(signer)
        del self.store.signer_docs[signer.token]
        doc.touch()
        doc.record("Signatário removido", API_USER, f"Signatário {signer.name} removido")
        if any(s.status == "signed" for s in doc.signers):
            # The signed PDF is regenerated without the removed signer: doc_signed fires.
            if all(s.status == "signed" for s in doc.signers):
                doc.status = "signed"
            self._notify(request, doc, "doc_signed")
        return PlainTextResponse("Signatário removido com sucesso.")
