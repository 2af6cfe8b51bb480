"""`OKdokumentApi`: every section of the OKdokument emulator in one class, and its route table
(the emulator's URLs) mounted by the sandbox app under `/okdokument`."""

from __future__ import annotations

from starlette.routing import Route

from esign.sandbox.okdokument.counter import Counter
from esign.sandbox.okdokument.documents import Documents
from esign.sandbox.okdokument.requests import Requests
from esign.sandbox.okdokument.signing import Signing
from esign.sandbox.reply import replying


class OKdokumentApi(Requests, Documents, Counter, Signing):
    def routes(self) -> list[Route]:
        return [
            # requests.py
            Route(
                "/JSON/signatureRequest", replying(self.create_signature_request), methods=["POST"]
            ),
            Route(
                "/JSON/signatureRequest", replying(self.update_signature_request), methods=["PATCH"]
            ),
            Route(
                "/JSON/signatureRequest/{request_id}",
                replying(self.register_callback),
                methods=["POST"],
            ),
            Route(
                "/JSON/signatureRequest/{request_id}",
                self.delete_signature_request,
                methods=["DELETE"],
            ),
            # documents.py
            Route("/JSON/upload", replying(self.upload_multipart), methods=["POST"]),
            Route("/JSON/document", replying(self.upload_json), methods=["POST"]),
            Route("/JSON/document/metadata/{doc_id}", replying(self.metadata), methods=["GET"]),
            Route("/JSON/document/{doc_id}", replying(self.download), methods=["GET"]),
            Route("/JSON/document/{doc_id}", replying(self.delete_document), methods=["DELETE"]),
            Route("/JSON/list/flat", replying(self.list_flat), methods=["GET"]),
            # counter.py
            Route("/JSON/counter", replying(self.counter), methods=["GET"]),
            # documents.py: the download URL that list items carry
            Route("/rest/document/{doc_id}", replying(self.download), methods=["GET"]),
            # signing.py
            Route("/openDocument/{request_id}", replying(self.open_document), methods=["GET"]),
            Route("/viewDocument", replying(self.view_document), methods=["GET"]),
            Route("/viewDocument/pdf", replying(self.view_pdf), methods=["GET"]),
            Route("/viewDocument/submit", replying(self.submit), methods=["POST"]),
            Route("/viewDocument/otp", replying(self.otp_submit), methods=["POST"]),
            Route("/thankYouPage.html", replying(self.thank_you), methods=["GET"]),
        ]
