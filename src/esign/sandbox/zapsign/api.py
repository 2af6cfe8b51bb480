"""`ZapSignApi`: every section of the ZapSign emulator in one class, and its route table (the
emulator's URLs, in the spec's order) mounted by the sandbox app under `/zapsign`."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Route

from esign.sandbox.reply import replying
from esign.sandbox.zapsign.account import Plan
from esign.sandbox.zapsign.base import API
from esign.sandbox.zapsign.documents import Documents
from esign.sandbox.zapsign.files import Files
from esign.sandbox.zapsign.history import History
from esign.sandbox.zapsign.pages import SignerPages
from esign.sandbox.zapsign.signers import Signers
from esign.sandbox.zapsign.templates import Templates
from esign.sandbox.zapsign.webhooks import Webhooks


class ZapSignApi(Templates, Documents, History, Signers, Webhooks, Plan, Files, SignerPages):
    def routes(self) -> list[BaseRoute]:
        def both(path: str, endpoint: Any, methods: list[str]) -> list[BaseRoute]:
            # Django-style trailing slashes, accepted without them too (spec §1).
            return [
                Route(f"{API}{path}/", replying(endpoint), methods=methods),
                Route(f"{API}{path}", replying(endpoint), methods=methods),
            ]

        return [
            # documents.py
            *both("/docs", self.create_doc, ["POST"]),
            *both("/docs", self.doc_list, ["GET"]),
            *both("/docs/{token}", self.doc_detail, ["GET"]),
            *both("/docs/{token}", self.doc_update, ["PUT"]),
            *both("/docs/{token}", self.doc_delete, ["DELETE"]),
            *both("/docs/{token}/upload-extra-doc", self.upload_extra_doc, ["POST"]),
            *both("/refuse", self.refuse, ["POST"]),
            # history.py (documented without the trailing slash; both are accepted)
            *both("/docs/signer-log/{token}", self.signer_log, ["GET"]),
            # signers.py
            *both("/signers/{token}", self.signer_detail, ["GET"]),
            *both("/signers/{token}", self.signer_update, ["POST"]),
            *both("/docs/{token}/add-signer", self.add_signer, ["POST"]),
            *both("/signer/{token}/remove", self.remove_signer, ["DELETE"]),
            # templates.py
            *both("/templates", self.template_list, ["GET"]),
            *both("/models/create-doc", self.create_from_template, ["POST"]),
            # account.py
            *both("/info-plan", self.info_plan, ["GET"]),
            # webhooks.py
            *both("/user/company/webhook", self.create_webhook, ["POST"]),
            *both("/user/company/webhook/header", self.add_webhook_headers, ["POST"]),
            *both("/user/company/webhook/delete", self.delete_webhook, ["DELETE"]),
            # files.py, pages.py: outside the API path
            Route("/files/{token}/{kind}.pdf", replying(self.file), methods=["GET"]),
            Route("/verificar/{signer_token}", replying(self.sign_page), methods=["GET"]),
            Route("/verificar/{signer_token}", replying(self.sign_submit), methods=["POST"]),
        ]
