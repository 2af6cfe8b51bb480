"""OKdokument's signature request counter (spec §6.13): what the account has left and what it
has used, in total and per month. Values are numeric strings; keys carry the account's name
(`abc.usedSignatureRequests`, monthly `2022.5.abc`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from esign.core.errors import MalformedResponseError
from esign.core.models import Account, Outcome, count_of
from esign.providers.okdokument import local_time
from esign.providers.okdokument.client import OKdokumentClient

# `actual` counters by their documented suffix, and the names esign prints them under.
TOTALS = {
    "usedSignatureRequests": "signature_requests",
    "storedFiles": "stored_files",
    "downloaded": "downloaded",
    "deleted.f": "deleted",
}
AVAILABLE = "availableSignatureRequests"
# The monthly sections, keyed `<year>.<month without a leading zero>.<account>`.
MONTHLY = {
    "signatureRequests": "signature_requests",
    "files": "files",
    "downloaded": "downloaded",
    "deleted.f": "deleted",
}


class Counter(OKdokumentClient):
    def account(self) -> Outcome[Account]:
        data = self._call("GET", "counter")
        if not isinstance(data, dict) or not isinstance(data.get("actual"), dict):
            raise MalformedResponseError("OKdokument's counter has no 'actual' counters")
        return Outcome(to_account(data, now=datetime.now(UTC)), raw=data)


def to_account(data: dict[str, Any], *, now: datetime) -> Account:
    account_name: str | None = None
    totals: dict[str, int] = {}
    available: int | None = None
    for key, value in data["actual"].items():
        for suffix, name in [*TOTALS.items(), (AVAILABLE, AVAILABLE)]:
            if str(key).endswith("." + suffix):
                account_name = account_name or str(key)[: -len(suffix) - 1]
                count = count_of(value)
                if count is None:
                    continue
                if name == AVAILABLE:
                    available = count
                else:
                    totals[name] = count
    # Months turn at Bratislava midnight, where OKdokument's servers keep their time (§3.4).
    local = local_time.from_utc(now)
    this_month: dict[str, int] = {}
    for section, name in MONTHLY.items():
        buckets = data.get(section)
        if not isinstance(buckets, dict):
            continue
        this_month[name] = 0  # a section without this month's bucket: nothing counted yet
        for key, value in buckets.items():
            year, _, rest = str(key).partition(".")
            month, _, owner = rest.partition(".")
            if (year, month) == (str(local.year), str(local.month)) and (
                account_name is None or owner == account_name
            ):
                this_month[name] = count_of(value) or 0
    return Account(
        provider=OKdokumentClient.name,
        credits=available,
        account=account_name,
        used=totals.get("signature_requests"),
        totals=totals,
        month=f"{local.year:04d}-{local.month:02d}",
        this_month=this_month,
    )
