"""The signer's side of ZapSign: the page behind a signer's sign_url, where the signer signs
or refuses (the state changes themselves are in lifecycle.py)."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from esign.sandbox.zapsign.base import PREFIX
from esign.sandbox.zapsign.lifecycle import Lifecycle
from esign.sandbox.zapsign.store import now_text


class SignerPages(Lifecycle):
    async def sign_page(self, request: Request) -> Response:
        found = self.store.find(request.path_params["signer_token"])
        signer = found[1] if found else None
        if found is None or signer is None:
            return HTMLResponse("<h1>Link inválido</h1>", status_code=404)
        doc = found[0]
        signer.times_viewed += 1
        signer.last_view_at = now_text()
        if signer.status == "new":
            signer.status = "link-opened"
        who = signer.email or signer.name
        doc.record("Documento visualizado", who, f"Documento visualizado por {who}")
        self._notify(
            request, doc, "doc_viewed", signer_who_viewed=self._signer_json(request, signer)
        )
        action = f"{PREFIX}/verificar/{signer.token}"
        return HTMLResponse(
            f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(doc.name)} - ZapSign sandbox</title></head><body>
<h1>{html.escape(doc.name)}</h1><p>Signer: {html.escape(signer.name)} ({signer.status})</p>
<form method="post" action="{html.escape(action)}">
<button name="action" value="sign">Assinar</button>
<button name="action" value="refuse">Recusar</button></form></body></html>"""
        )

    async def sign_submit(self, request: Request) -> Response:
        form = await request.form()
        action = "cancel" if form.get("action") == "refuse" else "sign"
        result = await self.sign(request, request.path_params["signer_token"], action=action)
        if "error" in result:
            return HTMLResponse(f"<h1>{html.escape(result['error'])}</h1>", status_code=400)
        return HTMLResponse(f"<h1>Documento {html.escape(result['state'])}</h1>")
