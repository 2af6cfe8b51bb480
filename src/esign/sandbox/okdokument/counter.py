"""OKdokument's signature request counter (spec §6.13): the account's stored, used, downloaded
and deleted totals, now and per month."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.okdokument.base import OKdokumentBase


class Counter(OKdokumentBase):
    async def counter(self, request: Request) -> Response:
        owner = self._owner(request)
        c = self.store.counter(owner)
        month = datetime.now(UTC)
        bucket = f"{month.year}.{month.month}.sandbox"
        return JSONResponse(
            {
                "actual": {
                    "sandbox.storedFiles": str(c.stored),
                    "sandbox.deleted.f": str(c.deleted),
                    "sandbox.usedSignatureRequests": str(c.used_requests),
                    "sandbox.downloaded": str(c.downloaded),
                    "sandbox.availableSignatureRequests": str(c.available_requests),
                },
                "downloaded": {bucket: str(c.downloaded)},
                "files": {bucket: str(c.stored)},
                "deleted.f": {bucket: str(c.deleted)},
                "signatureRequests": {bucket: str(c.used_requests)},
            }
        )
