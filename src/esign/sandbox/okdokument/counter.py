"""OKdokument's signature request counter (spec §6.13): the account's stored, used, downloaded
and deleted totals, and per month, as the emulator counted them (store.py), with string
values and the account's name in the keys as documented."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.okdokument.base import OKdokumentBase

ACCOUNT = "sandbox"  # the account name the keys carry (`abc` in the documented example)


class Counter(OKdokumentBase):
    async def counter(self, request: Request) -> Response:
        owner = self._owner(request)
        c = self.store.counter(owner)
        actual = {f"{ACCOUNT}.{key}": str(value) for key, value in c.totals.items()}
        actual[f"{ACCOUNT}.availableSignatureRequests"] = str(c.available_requests)
        sections: dict[str, dict[str, str]] = {
            "downloaded": {},
            "files": {},
            "deleted.f": {},
            "signatureRequests": {},
        }
        for month, counts in c.months.items():
            for section, value in counts.items():
                sections[section][f"{month}.{ACCOUNT}"] = str(value)
        return JSONResponse({"actual": actual, **sections})
