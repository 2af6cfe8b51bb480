"""The signer's side of OKdokument (spec §6.4 open document, the signing page, §6.5 completion
callback, §6.6 result URL), and `sign`, which `esign sandbox sign` uses too."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from esign.sandbox.callbacks import deliver, post_callback
from esign.sandbox.okdokument.base import site
from esign.sandbox.okdokument.conventions import fail
from esign.sandbox.okdokument.otp import OtpGate
from esign.sandbox.okdokument.store import DEMO_API_KEY, PROVIDER, Doc, SigRequest
from esign.sandbox.pdf import sample_contract, stamp_pdf
from esign.sandbox.signer_page import (
    HEADERS,
    Refusal,
    ResultPage,
    SignerLine,
    SigningPage,
    message_page,
    result_page,
    signing_page,
)

TITLE = "OKdokument"
NOT_OPEN = "This signature request does not exist, was deleted, or is for another document."
# The documented UI has Submit and Close/Cancel (spec 6.4); Close records no reason.
REFUSAL = Refusal(
    button="Refuse to sign (Close)",
    asks_reason=False,
    note="OKdokument records no reason: the portal learns only that you closed the document "
    "(state canceled).",
)
# What `esign sandbox trigger` sends: the sendInfo states (6.5).
EVENTS = ("signed", "canceled")


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
        sig = self._live_request(doc, request_id)
        if doc is None or sig is None:
            return _page(message_page(TITLE, "Document not found", NOT_OPEN), 404)
        state = doc.current_state()
        if state != "tosign" or sig.outcome:
            return _page(result_page(self._result(request, doc, sig)))
        gate = self.otp_gate(request, sig)  # an OTP for opening comes first (5.7)
        if gate is not None:
            return gate
        return _page(signing_page(self._signing(request, doc, sig)))

    async def view_pdf(self, request: Request) -> Response:
        """The document's current PDF, for the signer's page (sandbox: the real viewer's own
        URLs are not documented). Only with a live signature request of that document."""
        doc = self.store.docs.get(request.query_params.get("id", ""))
        sig = self._live_request(doc, request.query_params.get("request", ""))
        if doc is None or sig is None:
            return _page(message_page(TITLE, "Document not found", NOT_OPEN), 404)
        return Response(
            doc.content(),
            media_type="application/pdf",
            headers={"Content-Disposition": "inline", "Cache-Control": "no-store"},
        )

    async def submit(self, request: Request) -> Response:
        form = await request.form()
        request_id = str(form.get("request", ""))
        sig = self.store.requests.get(request_id)
        doc = self.store.docs.get(sig.doc_id) if sig else None
        if doc is None or sig is None:
            return _page(message_page(TITLE, "Document not found", NOT_OPEN), 404)
        if sig.otp_destination() and not sig.otp_verified:
            return HTMLResponse("<h1>Enter the verification code first</h1>", status_code=403)
        action = "cancel" if form.get("action") in ("refuse", "cancel") else "sign"
        signer = " ".join(str(form.get("name") or form.get("signer") or "").split())[:255]
        if action == "sign" and (not signer or form.get("agree") != "yes"):
            error = (
                "Type your full name to sign."
                if not signer
                else "Confirm that you have read the document."
            )
            return _page(signing_page(self._signing(request, doc, sig, error)), 400)
        result = await self.sign(request_id, action=action, signer=signer or "Sandbox Signer")
        if "error" in result:
            return _page(message_page(TITLE, "Not signed", str(result["error"])), 409)
        params = {
            "name": doc.filename.rsplit(".", 1)[0],
            "docid": doc.id,
            "lang": sig.rules.get("lang") or "en",  # the signing UI's language (rule lang)
            "result": "success" if action == "sign" else "close",
            "ts": str(int(time.time() * 1000)),
        }
        if sig.resulturl:
            return RedirectResponse(_append_query(sig.resulturl, params), status_code=302)
        # OKdokument's own thank-you page; the sandbox's adds the request, so that the page
        # can link the signed PDF (the documented parameters stay as they are).
        params["request"] = sig.id
        return RedirectResponse(
            _append_query(f"{site(request)}/thankYouPage.html", params), status_code=302
        )

    async def thank_you(self, request: Request) -> Response:
        query = request.query_params
        doc = self.store.docs.get(query.get("docid", ""))
        sig = self._live_request(doc, query.get("request", ""))
        if doc is None or sig is None:
            return _page(message_page(TITLE, "Thank you", "The document was processed."))
        return _page(result_page(self._result(request, doc, sig)))

    # -- what the pages show ----------------------------------------------------------------

    def _live_request(self, doc: Doc | None, request_id: str) -> SigRequest | None:
        sig = self.store.requests.get(request_id) if request_id else None
        if doc is None or sig is None or sig.deleted or sig.doc_id != doc.id:
            return None
        return sig

    def _pdf_url(self, request: Request, doc: Doc, sig: SigRequest) -> str:
        return f"{site(request)}/viewDocument/pdf?{urlencode({'id': doc.id, 'request': sig.id})}"

    def _signing(
        self, request: Request, doc: Doc, sig: SigRequest, error: str | None = None
    ) -> SigningPage:
        return SigningPage(
            provider=TITLE,
            document_name=doc.filename,
            pdf_url=self._pdf_url(request, doc, sig),
            pdf_bytes=doc.content(),
            action=f"{site(request)}/viewDocument/submit",
            # One signer per signature request (several sign only together, face to face).
            signers=[SignerLine("You, with the name you type below", "not signed yet")],
            refusal=REFUSAL,
            name=sig.rules.get("guiSignerName", ""),
            sign_button="Sign (Submit)",
            hidden={"request": sig.id},
            error=error,
        )

    def _result(self, request: Request, doc: Doc, sig: SigRequest) -> ResultPage:
        state = doc.current_state()
        outcome = sig.outcome or state
        links: list[tuple[str, str]] = []
        if outcome == "signed":
            message = "The document is signed: the signed PDF is ready."
            links.append(("Download the signed PDF", self._pdf_url(request, doc, sig)))
        elif outcome == "canceled":
            message = "You closed the document without signing it."
        else:
            message = f"This document is {state}, not open for signing."
        if state == "errorsendinfo":
            message += " The portal's completion callback (sendInfoURL) failed."
        shown = {"signed": "signed", "canceled": "refused"}.get(outcome, outcome)
        return ResultPage(TITLE, doc.filename, shown, message, links)

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

    async def trigger(self, event: str, some_id: str | None, to: str | None) -> dict[str, Any]:
        """Send the sendInfo callback for `event` as if the signer had acted, without changing
        the document, to `to` or else the request's sendInfoURL. Without an ID, a sample
        document and request are made for it."""
        if event not in EVENTS:
            return {"error": f"OKdokument's callback has no state {event!r}", "status": 400}
        if some_id:
            found = self.store.find_for_signing(some_id)
            if found is None:
                return {
                    "error": f"no OKdokument document or signature request {some_id!r}",
                    "status": 404,
                }
            doc, sig = found
            if sig is None:
                return {"error": f"document {doc.id} has no signature request", "status": 409}
        else:
            doc, sig = self._sample_request()
        target = to or sig.send_info_url
        if not target:
            return {
                "error": f"signature request {sig.id} has no sendInfoURL: give the receiver "
                "with --to URL (or create the request with --callback-url)",
                "status": 409,
            }
        payload = {"state": event, "id": doc.id, "signatureRequestId": sig.id}
        record = await deliver(self.store.shared, PROVIDER, target, payload)
        return {
            "provider": PROVIDER,
            "event": event,
            "document_id": doc.id,
            "request_id": sig.id,
            "deliveries": [{"url": target, "status": record.status, "error": record.error}],
        }

    def _sample_request(self) -> tuple[Doc, SigRequest]:
        doc = self.store.new_doc(
            DEMO_API_KEY, "sandbox-trigger-sample.pdf", "tosign", sample_contract("Sample")
        )
        sig = SigRequest(
            id=str(uuid.uuid4()),
            doc_id=doc.id,
            owner=DEMO_API_KEY,
            resulturl=None,
            send_info_url=self.store.default_send_info_url,
            expires_ms=None,
        )
        self.store.requests[sig.id] = sig
        self.store.shared.record(PROVIDER, "create_signature_request", sig.id)
        return doc, sig


def _page(text: str, status: int = 200) -> Response:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def _append_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
