"""`OKdokument`, the provider the registry hands out: every resource class of this package in
one. A resource calls another one only through the operations `Provider` declares."""

from __future__ import annotations

from esign.providers.okdokument.account import Counter
from esign.providers.okdokument.documents import Documents
from esign.providers.okdokument.requests import Requests
from esign.providers.okdokument.unsupported import Unsupported


class OKdokument(Documents, Requests, Counter, Unsupported):
    pass
