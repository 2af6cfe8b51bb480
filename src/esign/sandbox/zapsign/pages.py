"""The signer's side of ZapSign: the page behind a signer's sign_url
(`/verificar/{signer_token}`), where the signer reads the document, then signs or refuses
with a reason (the state changes themselves are in lifecycle.py). Opening it is the
documented doc_viewed moment.

ZapSign's real page shows Refuse only for documents created with allow_refuse_signature; the
sandbox always offers it, so a refusal can be tried on any document (the README says so).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

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
from esign.sandbox.zapsign.base import PREFIX
from esign.sandbox.zapsign.lifecycle import Lifecycle
from esign.sandbox.zapsign.store import ZDoc, ZSigner, now_text

PROVIDER_TITLE = "ZapSign"
REFUSAL = Refusal(
    button="Refuse to sign",
    asks_reason=True,
    note="Refusing ends the document for every signer; the sender sees your reason.",
)
STATES = {
    "new": "has not opened the link yet",
    "link-opened": "has opened the link, not signed yet",
    "signed": "has signed",
}


class SignerPages(Lifecycle):
    async def sign_page(self, request: Request) -> Response:
        found = self.store.find(request.path_params["signer_token"])
        signer = found[1] if found else None
        if found is None or signer is None:
            return _page(message_page(PROVIDER_TITLE, "Link inválido", "No such signer."), 404)
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
        if signer.status == "signed" or not doc.in_progress():
            return _page(result_page(self._result(request, doc, signer, signer.status)))
        return _page(signing_page(self._signing(request, doc, signer)))

    async def sign_submit(self, request: Request) -> Response:
        token = request.path_params["signer_token"]
        found = self.store.find(token)
        if found is None or found[1] is None:
            return _page(message_page(PROVIDER_TITLE, "Link inválido", "No such signer."), 404)
        doc, signer = found[0], found[1]
        form = await request.form()
        action = str(form.get("action") or "")
        if signer.status == "signed" or not doc.in_progress():
            return _page(result_page(self._result(request, doc, signer, signer.status)), 409)
        if action == "refuse":
            reason = str(form.get("reason") or "").strip()[:500]
            if not reason:
                return self._again(request, doc, signer, "Say why you refuse to sign.")
            self._refuse(request, doc, reason)
            return _page(result_page(self._result(request, doc, signer, "refused")))
        if action != "sign":
            return self._again(request, doc, signer, "Choose Sign or Refuse.")
        name = " ".join(str(form.get("name") or "").split())[:255]
        if not name:
            return self._again(request, doc, signer, "Type your full name to sign.")
        if form.get("agree") != "yes":
            return self._again(request, doc, signer, "Confirm that you have read the document.")
        signer.name = name  # the signer may correct the name (lock_name is false here)
        result = await self.sign(request, doc.token, action="sign", signer_token=signer.token)
        if "error" in result:
            return _page(message_page(PROVIDER_TITLE, "Not signed", str(result["error"])), 409)
        return _page(result_page(self._result(request, doc, signer, "signed")))

    # -- what the pages show ----------------------------------------------------------------

    def _signing(
        self, request: Request, doc: ZDoc, signer: ZSigner, error: str | None = None
    ) -> SigningPage:
        return SigningPage(
            provider=PROVIDER_TITLE,
            document_name=doc.name,
            pdf_url=self._file_url(request, doc, "original"),
            pdf_bytes=doc.original,
            action=f"{PREFIX}/verificar/{signer.token}",
            signers=_signer_lines(doc, signer),
            refusal=REFUSAL,
            name=signer.name,
            error=error,
        )

    def _again(self, request: Request, doc: ZDoc, signer: ZSigner, error: str) -> Response:
        return _page(signing_page(self._signing(request, doc, signer, error)), 400)

    def _result(self, request: Request, doc: ZDoc, signer: ZSigner, outcome: str) -> ResultPage:
        links: list[tuple[str, str]] = []
        if doc.status == "refused":
            outcome = "refused"
            message = f"The document was refused: {doc.rejected_reason or 'no reason given'}."
        elif doc.deleted:
            message = "The sender deleted this document."
        elif doc.status == "signed":
            message = "Everyone has signed: the signed PDF is ready."
            links.append(("Download the signed PDF", self._file_url(request, doc, "signed")))
        else:
            waiting = [s.name for s in doc.signers if s.status != "signed"]
            message = (
                f"You have signed. Still to sign: {', '.join(waiting)}."
                if signer.status == "signed"
                else "This document is no longer open for signing."
            )
        if outcome == "signed" and signer.redirect_link.startswith(("https://", "http://")):
            links.append(("Continue", signer.redirect_link))
        return ResultPage(
            provider=PROVIDER_TITLE,
            document_name=doc.name,
            outcome="signed" if outcome == "signed" else outcome,
            message=message,
            links=links,
            signers=_signer_lines(doc, signer),
        )


def _signer_lines(doc: ZDoc, you: ZSigner) -> list[SignerLine]:
    return [
        SignerLine(s.name, STATES.get(s.status, s.status), you=s.token == you.token)
        for s in doc.signers
    ]


def _page(text: str, status: int = 200) -> Response:
    return HTMLResponse(text, status_code=status, headers=HEADERS)
