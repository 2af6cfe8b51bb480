"""IndexHealth downloads: the presigned URL (spec §3.4) and the files behind it (an S3
stand-in), and the direct download with the bearer token (§3.5)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from esign.sandbox.indexhealth.base import PREFIX, IndexHealthBase
from esign.sandbox.indexhealth.store import IHDoc
from esign.sandbox.presign import s3_error_body
from esign.sandbox.ranges import etag_of, http_date, ranged

FILE_LIFETIME = 3600.0  # presigned download URLs are valid for one hour (spec §3.4)
MIME_BY_TYPE = {
    "PDF": "application/pdf",
    "DOCX": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "TXT": "text/plain",
}


class Downloads(IndexHealthBase):
    # -- §3.4 presigned download, §3.5 direct download -------------------------------------

    def _downloadable(self, document_id: Any) -> IHDoc | Response:
        if not document_id:
            return self.envelope(435, message="Document ID is required")
        doc = self.store.docs.get(str(document_id))
        if doc is None:
            return self.envelope(437, message="Document not found")
        if doc.file_path is None or doc.content is None:
            return self.envelope(435, message="Document has no file path")
        return doc

    async def presign(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        found = self._downloadable(body.get("document_id"))
        if isinstance(found, Response):
            return found
        origin = str(request.base_url).rstrip("/")
        url = self.store.presigner.sign_v4(
            origin, f"{PREFIX}/files/{found.document_id}", FILE_LIFETIME
        )
        return self.envelope(200, {"download_url": url})

    def _file_response(self, request: Request, doc: IHDoc) -> Response:
        extension = doc.name.rsplit(".", 1)[-1] if "." in doc.name else ""
        mime = doc.mime or MIME_BY_TYPE.get(doc.document_type, "application/octet-stream")
        if not extension:
            import mimetypes

            extension = (mimetypes.guess_extension(mime) or "").lstrip(".")
        filename = doc.name if "." in doc.name else f"{doc.name}.{extension}".rstrip(".")
        safe = filename.replace('"', "").replace("\\", "")
        content = doc.content or b""
        # Byte ranges, as S3 behind the presigned URL serves them (the direct download's
        # support for them is not documented; served alike).
        return ranged(
            request,
            content,
            media_type=mime,
            headers={
                "Content-Disposition": f'attachment; filename="{safe}"',
                "Cache-Control": "no-cache",
            },
            etag=etag_of(content),
            last_modified=http_date(doc.updated_at),
        )

    async def download(self, request: Request) -> Response:
        self._authorize(request)
        found = self._downloadable(request.path_params["document_id"])
        if isinstance(found, Response):
            return found
        return self._file_response(request, found)

    async def file(self, request: Request) -> Response:
        problem = self.store.presigner.check(request.url.path, request.query_params)
        if problem is not None:
            return Response(s3_error_body(problem), status_code=403, media_type="application/xml")
        doc = self.store.docs.get(request.path_params["document_id"])
        if doc is None or doc.content is None:
            return Response(
                s3_error_body("NoSuchKey"), status_code=404, media_type="application/xml"
            )
        return self._file_response(request, doc)
