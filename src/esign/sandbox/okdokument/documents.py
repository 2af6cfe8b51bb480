"""OKdokument documents (spec §6.2 multipart upload, §6.3 JSON upload, §6.7 download, §6.8
delete, §6.9 list, §6.10 metadata), and the generated large documents of the admin API."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.okdokument.base import OKdokumentBase, site
from esign.sandbox.okdokument.conventions import (
    MAX_BYTES,
    decode_file,
    epoch_ms,
    fail,
    is_document,
    local_time,
    ok,
)
from esign.sandbox.okdokument.store import PROVIDER, Doc, SigRequest
from esign.sandbox.pdf import synthetic_slice
from esign.sandbox.ranges import etag_of, http_date, ranged


class Documents(OKdokumentBase):
    # -- 6.3 upload (JSON) and 6.2 upload (multipart) --------------------------------------

    async def upload_json(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if body.get("file") is None:
            return fail(400, "err.bad.request")
        decoded = decode_file(body["file"], body)
        if isinstance(decoded, Response):
            return decoded
        content, filename, state = decoded
        doc = self.store.new_doc(owner, filename, state, content)
        self.store.shared.record(PROVIDER, "upload_document", doc.id)
        # The documented key is cut off at "msg.docum…" (gap 9): completed here (invented).
        return ok("msg.document.uploaded", doc.id)

    async def upload_multipart(self, request: Request) -> Response:
        owner = self._owner(request)
        import json

        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return fail(400, "err.bad.request")
        meta_part = form.get("dataText") or form.get("data")
        try:
            if meta_part is None:
                meta: dict[str, Any] = {}
            elif isinstance(meta_part, str):
                meta = json.loads(meta_part)
            else:
                meta = json.loads(await meta_part.read())
        except ValueError:
            return fail(400, "err.bad.request")
        content = await upload.read()
        if len(content) > MAX_BYTES:
            return fail(400, "err.file.too.large")
        if not is_document(content, upload.filename):
            return fail(400, "err.file.format")
        doc = self.store.new_doc(
            owner, upload.filename, str(meta.get("state") or "tosign"), content
        )
        if str(meta.get("signatureRequestId", "")).lower() == "off":
            # Storage only: no signature process, no credit (spec 6.2, inferred).
            self.store.shared.record(PROVIDER, "upload_document", doc.id)
            return ok("msg.document.uploaded", doc.id, documentId=doc.id)
        request_id = str(meta.get("signatureRequestId") or uuid.uuid4())
        if request_id in self.store.requests:
            return fail(409, "err.signature.request.exists", request_id)
        self.store.requests[request_id] = SigRequest(
            id=request_id,
            doc_id=doc.id,
            owner=owner,
            resulturl=meta.get("resulturl"),
            send_info_url=meta.get("sendInfoURL") or meta.get("sendInfoUrl"),
            expires_ms=epoch_ms(meta.get("expirationTime")),
        )
        self.store.count(owner, "request")
        self.store.shared.record(PROVIDER, "create_signature_request", request_id)
        return ok(
            "msg.signature.request.id.created",
            request_id,
            url=f"{site(request)}/openDocument/{request_id}",
            documentId=doc.id,
        )

    # -- 6.7 download, 6.8 delete, 6.10 metadata, 6.9 list ---------------------------------

    async def download(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        self.store.count(owner, "download")
        name = doc.filename if doc.filename.lower().endswith(".pdf") else f"{doc.filename}.pdf"
        # Byte ranges are not documented (nor refused): served, so that a broken download
        # resumes against the sandbox as it would against any file server.
        modified = http_date(doc.modified.timestamp())
        if doc.synthetic_size is not None and doc.signed is None:
            size = doc.synthetic_size
            return ranged(
                request,
                None,
                size=size,
                generate=lambda first, end: synthetic_slice(size, first, end),
                media_type="application/pdf",
                headers={"Content-Disposition": _disposition(name)},
                etag=f'"synthetic-{doc.id}-{size}"',
                last_modified=modified,
            )
        # Documented as application/json, but the body is the PDF (gap 11): we say what it is.
        content = doc.content()
        return ranged(
            request,
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": _disposition(name)},
            etag=etag_of(content),
            last_modified=modified,
        )

    async def delete_document(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        del self.store.docs[doc_id]
        for sig in self.store.requests.values():
            if sig.doc_id == doc_id:
                sig.deleted = True
        self.store.count(owner, "delete")
        return ok("msg.deleted", doc_id)

    async def metadata(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        return JSONResponse(self._info(doc))

    async def list_flat(self, request: Request) -> Response:
        owner = self._owner(request)
        wanted = request.query_params.get("state") or "*"  # no state = all (§13.8)
        items = []
        for doc in self.store.docs.values():
            if doc.owner != owner:
                continue
            if wanted != "*" and doc.current_state() != wanted:
                continue
            item = self._info(doc)
            item["url"] = f"{site(request)}/rest/document/{doc.id}"
            item["group"] = "api_user"
            items.append(item)
        return JSONResponse(items)

    def _info(self, doc: Doc) -> dict[str, Any]:
        return {
            "filename": doc.filename,
            "state": doc.current_state(),
            "modification": local_time(doc.modified),
            "id": doc.id,
            "date": doc.created_ms,
            "number": doc.number,
        }

    def add_synthetic(self, api_key: str, size: int, name: str) -> str:
        """A signed document of `size` generated bytes, for download tests and benchmarks:
        signed, because only a signed document is downloaded without --any-state."""
        doc = self.store.new_doc(api_key, name, "signed", b"")
        doc.synthetic_size = size
        return doc.id


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
