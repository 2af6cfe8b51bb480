"""OKdokument's OTP for opening (spec §10, 5.7): with an `openOtpEmail` or `openOtpPhone` rule,
the signer presses "Send verification code" and enters the code before the document shows.
No mail or SMS leaves the emulator: the code goes to the journal, the outbox tests read."""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from esign.sandbox.okdokument.base import OKdokumentBase, site
from esign.sandbox.okdokument.store import PROVIDER, SigRequest


class OtpGate(OKdokumentBase):
    def otp_gate(self, request: Request, sig: SigRequest | None) -> Response | None:
        """The code page, while the request wants a code that has not been entered."""
        if sig is None or sig.otp_verified or sig.otp_destination() is None:
            return None
        action = html.escape(f"{site(request)}/viewDocument/otp")
        hidden = f'<input type="hidden" name="request" value="{html.escape(sig.id)}">'
        if sig.otp_code is None:
            form = f'{hidden}<button name="action" value="send">Send verification code</button>'
        else:
            form = (
                f'{hidden}<label>Verification code <input name="code"></label>'
                '<button name="action" value="verify">Open the document</button>'
            )
        return HTMLResponse(
            f"""<!doctype html><html><head><meta charset="utf-8">
<title>Verification - OKdokument sandbox</title></head><body>
<h1>Verification code</h1><p>A one-time code is needed to open this document.</p>
<form method="post" action="{action}">{form}</form></body></html>"""
        )

    async def otp_submit(self, request: Request) -> Response:
        form = await request.form()
        sig = self.store.requests.get(str(form.get("request", "")))
        if sig is None or sig.deleted or sig.otp_destination() is None:
            return HTMLResponse("<h1>Invalid request</h1>", status_code=400)
        destination = sig.otp_destination() or ""
        if form.get("action") == "send":
            sig.otp_code = f"{secrets.randbelow(10**6):06d}"
            channel = "otp_email" if "@" in destination else "otp_sms"
            self.store.shared.record(PROVIDER, channel, f"{destination} {sig.otp_code}")
        elif str(form.get("code", "")).strip() == sig.otp_code:
            sig.otp_verified = True
        else:
            return HTMLResponse("<h1>Wrong verification code</h1>", status_code=403)
        query = urlencode({"id": sig.doc_id, "request": sig.id})
        return RedirectResponse(f"{site(request)}/viewDocument?{query}", status_code=303)
