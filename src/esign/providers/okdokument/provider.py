"""`OKdokument`, the provider the registry hands out: every resource class of this package in
one. A resource calls another one only through the operations `Provider` declares."""

from __future__ import annotations

from esign.providers.okdokument.account import Counter
from esign.providers.okdokument.documents import Documents
from esign.providers.okdokument.requests import Requests
from esign.providers.okdokument.unsupported import Unsupported


class OKdokument(Documents, Requests, Counter, Unsupported):
    # No account webhooks: each signature request names its own completion callback (§6.5).
    webhook_alternative = (
        "OKdokument calls each signature request's sendInfoURL when it is signed or canceled: "
        "give it with `esign request create FILE --callback-url URL`, or change it with "
        "`esign request update ID --callback-url URL`"
    )
