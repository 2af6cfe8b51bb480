"""The files behind ZapSign's presigned URLs (spec §6.5): an S3 stand-in outside the API path,
which answers S3's XML errors for a URL that is expired, tampered with, or names no file, and
serves byte ranges as S3 does (a resumed download)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from esign.sandbox.presign import s3_error_body
from esign.sandbox.ranges import etag_of, http_date, ranged
from esign.sandbox.zapsign.base import ZapSignBase


class Files(ZapSignBase):
    async def file(self, request: Request) -> Response:
        path = request.url.path
        problem = self.store.presigner.check(path, request.query_params)
        if problem is not None:
            return Response(s3_error_body(problem), status_code=403, media_type="application/xml")
        doc = self.store.docs.get(request.path_params["token"])
        kind = request.path_params["kind"]
        content = None if doc is None else doc.signed if kind == "signed" else doc.original
        if content is None or doc is None:
            return Response(
                s3_error_body("NoSuchKey"), status_code=404, media_type="application/xml"
            )
        safe = "".join(ch for ch in doc.name if ch.isalnum() or ch in " ._-")[:100] or "document"
        return ranged(
            request,
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{safe}.pdf"'},
            etag=etag_of(content),
            last_modified=http_date(doc.last_update_at),
        )
