"""`IndexHealthApi`: every section of the IndexHealth emulator in one class, and its route
table (the emulator's URLs) mounted by the sandbox app under `/indexhealth`."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from esign.sandbox.indexhealth.auth import Auth
from esign.sandbox.indexhealth.documents import Documents
from esign.sandbox.indexhealth.downloads import Downloads
from esign.sandbox.reply import replying


class IndexHealthApi(Auth, Documents, Downloads):
    def routes(self) -> list[BaseRoute]:
        return [
            # auth.py
            Route("/generate-client-auth-token", replying(self.token), methods=["POST"]),
            # documents.py
            Route("/sync-document", replying(self.sync_document), methods=["POST"]),
            Route("/get-document-details", replying(self.details), methods=["POST"]),
            Route("/get-documents", replying(self.list_documents), methods=["POST"]),
            # downloads.py
            Route("/download", replying(self.presign), methods=["POST"]),
            Route("/download/{document_id}", replying(self.download), methods=["GET"]),
            Route("/files/{document_id}", replying(self.file), methods=["GET"]),
        ]
