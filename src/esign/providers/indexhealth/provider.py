"""`IndexHealth`, the provider the registry hands out: the token exchange and every resource
class of this package in one. A resource calls another one only through the operations
`Provider` declares, and the token only through the hook `IndexHealthClient` declares."""

from __future__ import annotations

from esign.providers.indexhealth.auth import Auth
from esign.providers.indexhealth.documents import Documents
from esign.providers.indexhealth.requests import Requests
from esign.providers.indexhealth.unsupported import Unsupported


class IndexHealth(Auth, Documents, Requests, Unsupported):
    webhook_alternative = "IndexHealth sends no events; read a document with `esign doc info ID`"
