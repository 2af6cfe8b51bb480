"""The signer's side of OKdokument (spec §6.4 open document, the signing page, §6.5 completion
callback, §6.6 result URL), and `sign`, which `esign sandbox sign` uses too."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from esign.sandbox.callbacks import post_callback
from esign.sandbox.okdokument.base import site
from esign.sandbox.okdokument.conventions import fail
from esign.sandbox.okdokument.otp import OtpGate
from esign.sandbox.okdokument.store import PROVIDER
from esign.sandbox.pdf import stamp_pdf


class Signing(OtpGate):
    # -- signer side: 6.4 open document, the signing page, 6.5 callback, 6.6 result URL ----

    async def open_document(self, request: Request) -> Response:
        request_id = request.path_params["request_id"]
        sig = self.store.requests.get(request_id)
        if sig is None or sig.deleted or sig.expired() or sig.doc_id not in self.store.docs:
            return fail(400, "err.signature.request.not.exist", request_id)
        query = urlencode({"id": sig.doc_id, "request": request_id})
        return RedirectResponse(f"{site(request)}/viewDocument?{query}", status_code=302)

    async def view_document(self, request: Request) -> Response:
        doc = self.store.docs.get(request.query_params.get("id", ""))
        request_id = request.query_params.get("request", "")
        if doc is None:
            return HTMLResponse("<h1>Document not found</h1>", status_code=404)
        sig = self.store.requests.get(request_id)
        gate = self.otp_gate(request, sig)
        if gate is not None:
            return gate
        allowed = sig.allowed_fields if sig else {}
        fields = "; ".join(
            f"{kind}: {', '.join(names) if isinstance(names, list) else names}"
            for kind, names in allowed.items()
        )
        fields_line = f"<p>Fields you may fill: {html.escape(fields)}</p>" if fields else ""
        action = f"{site(request)}/viewDocument/submit"
        page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(doc.filename)} - OKdokument sandbox</title></head><body>
<h1>{html.escape(doc.filename)}</h1><p>State: {html.escape(doc.current_state())}</p>
<p>This is the esign sandbox's stand-in for OKdokument's signing page.</p>{fields_line}
<form method="post" action="{html.escape(action)}">
<input type="hidden" name="request" value="{html.escape(request_id)}">
<label>Your name <input name="signer" value="Sandbox Signer"></label>
<button name="action" value="sign">Submit</button>
<button name="action" value="cancel">Close</button></form></body></html>"""
        return HTMLResponse(page)

    async def submit(self, request: Request) -> Response:
        form = await request.form()
        request_id = str(form.get("request", ""))
        action = "cancel" if form.get("action") == "cancel" else "sign"
        signer = str(form.get("signer") or "Sandbox Signer")
        pending = self.store.requests.get(request_id)
        if pending is not None and pending.otp_destination() and not pending.otp_verified:
            return HTMLResponse("<h1>Enter the verification code first</h1>", status_code=403)
        result = await self.sign(request_id, action=action, signer=signer)
        if "error" in result:
            return HTMLResponse(f"<h1>{html.escape(result['error'])}</h1>", status_code=400)
        sig = self.store.requests[request_id]
        doc = self.store.docs[sig.doc_id]
        params = {
            "name": doc.filename.rsplit(".", 1)[0],
            "docid": doc.id,
            "lang": sig.rules.get("lang") or "en",  # the signing UI's language
            "result": "success" if action == "sign" else "close",
            "ts": str(int(time.time() * 1000)),
        }
        target = sig.resulturl or f"{site(request)}/thankYouPage.html"
        return RedirectResponse(_append_query(target, params), status_code=302)

    async def thank_you(self, request: Request) -> Response:
        return HTMLResponse("<h1>Thank you</h1><p>The document was processed.</p>")

    async def sign(self, some_id: str, *, action: str, signer: str) -> dict[str, Any]:
        """Press Submit (or Close) for a document or signature request; used by the signing
        page and by `esign sandbox sign`. Returns the new state or an error."""
        found = self.store.find_for_signing(some_id)
        if found is None:
            return {
                "error": f"no OKdokument document or signature request {some_id!r}",
                "status": 404,
            }
        doc, sig = found
        if sig is None or sig.deleted:
            return {"error": "the document has no open signature request", "status": 409}
        if sig.expired():
            return {"error": "the signature request has expired", "status": 409}
        state = doc.current_state()
        if state != "tosign":
            return {"error": f"the document is {state!r}, not 'tosign'", "status": 409}
        if action == "sign":
            try:
                doc.signed = stamp_pdf(doc.content(), signer=signer, provider=PROVIDER)
            except ValueError:
                # Office uploads are "converted" by the real service; the sandbox keeps bytes.
                doc.signed = doc.content()
            doc.state = "signed"
        else:
            doc.state = "canceled"
        doc.modified = datetime.now(UTC)
        sig.outcome = doc.state
        if sig.send_info_url:
            payload = {"state": doc.state, "id": doc.id, "signatureRequestId": sig.id}
            delivered = await post_callback(self.store.shared, PROVIDER, sig.send_info_url, payload)
            if not delivered:
                doc.state = "errorsendinfo"
        return {"provider": PROVIDER, "id": doc.id, "request_id": sig.id, "state": doc.state}


def _append_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
