"""ZapSign signers (spec §8): detail (8.1), update (8.2) and add (8.3)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.zapsign.base import REQUIRED, err, invalid, not_found
from esign.sandbox.zapsign.lifecycle import Lifecycle
from esign.sandbox.zapsign.store import new_signer


class Signers(Lifecycle):
    async def signer_detail(self, request: Request) -> Response:
        owner = self._owner(request)
        found = self.store.find(request.path_params["token"])
        if found is None or found[1] is None or found[0].owner != owner:
            return not_found()
        # No sign_url: absent from the documented Detail-signer sample (gap 19).
        return JSONResponse(self._signer_json(request, found[1]))

    async def signer_update(self, request: Request) -> Response:
        """8.2 Update signer (POST): only before the signer signs; answers the signer with
        its sign_url, as the documented sample does."""
        owner = self._owner(request)
        found = self.store.find(request.path_params["token"])
        if found is None or found[1] is None or found[0].owner != owner:
            return not_found()
        doc, signer = found[0], found[1]
        body = await self._json(request)
        if signer.status == "signed" or not doc.in_progress():
            return err(400, error="O signatário já assinou ou o documento foi finalizado.")
        for key in ("name", "email", "phone_country", "phone_number", "external_id"):
            if isinstance(body.get(key), str):
                setattr(signer, key, body[key])
        if isinstance(body.get("redirect_link"), str):
            signer.redirect_link = body["redirect_link"]
        if isinstance(body.get("send_automatic_email"), bool):
            signer.send_automatic_email = body["send_automatic_email"]
        doc.touch()
        return JSONResponse(self._signer_json(request, signer, sign_url=True))

    async def add_signer(self, request: Request) -> Response:
        """8.3 Add signer: a new signer object with status new, its token and sign_url."""
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None or doc.parent is not None:
            return not_found()
        body = await self._json(request)
        if not doc.in_progress():
            return err(403, detail="Documento finalizado ou cancelado não pode ser alterado.")
        if not str(body.get("name") or "").strip():
            return invalid({"name": [REQUIRED]})
        signer = new_signer(body)
        doc.signers.append(signer)
        self.store.signer_docs[signer.token] = doc.token
        doc.touch()
        self._notify(
            request, doc, "created_signer", created_signer=self._signer_json(request, signer)
        )
        return JSONResponse(self._signer_json(request, signer, sign_url=True))
