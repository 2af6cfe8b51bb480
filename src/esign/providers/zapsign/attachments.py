"""ZapSign extra documents (spec §7.8, Adicionar anexo): a PDF added to a document's envelope,
signed with it. One per call, at most 14, each a credit, none removable once added."""

from __future__ import annotations

import base64
from typing import Any

from esign.core.errors import EsignError, MalformedResponseError, UsageError
from esign.core.http.client import encode_segment
from esign.core.models import Attachment, Outcome
from esign.providers.options import AttachOptions
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient
from esign.providers.zapsign.signer_fields import http_url

MAX_ATTACHMENTS = 14  # 15 documents per envelope (Adicionar anexo)
MAX_BYTES = 10 * 1024 * 1024


class Attachments(ZapSignClient):
    def attach(self, document_id: str, opts: AttachOptions) -> Outcome[Attachment]:
        if bool(opts.file_path) == bool(opts.url):
            raise UsageError("give the FILE to attach or --url URL (one of them)")
        body: dict[str, Any] = {}
        if opts.url:
            body["url_pdf"] = http_url(opts.url, "--url")
            name = opts.name or opts.url.rstrip("/").rsplit("/", 1)[-1]
        else:
            assert opts.file_path is not None
            from esign.core.files.local import read_document

            # Only url_pdf and base64_pdf are documented for extra documents.
            local = read_document(opts.file_path, max_bytes=MAX_BYTES)
            body["base64_pdf"] = base64.b64encode(local.content).decode("ascii")
            name = opts.name or local.path.stem
        body["name"] = name[:255]
        url = self._url("docs", encode_segment(document_id, "document ID"), "upload-extra-doc")
        try:
            # A POST costing a credit, and an attachment cannot be removed: never repeated.
            data, _ = self._call("POST", url, json=body)
        except EsignError as err:
            if err.http_status == 400:
                # No body is documented; the template variant's page names the reasons.
                err.hint = (
                    f"ZapSign takes at most {MAX_ATTACHMENTS} attachments per document, and "
                    "none once the document is signed or deleted, or on an attachment itself"
                )
            raise
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not an extra document (no token)")
        return Outcome(
            wire.to_attachment(data),
            raw=data,
            notes=[
                f"attached to {document_id}; signed with it, and it cannot be removed (each "
                "attachment costs one API credit)"
            ],
        )
