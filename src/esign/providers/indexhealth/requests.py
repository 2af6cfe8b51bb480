"""IndexHealth has no signature requests (spec §3: it stores documents): each request operation
says what to use instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esign.core.models import Deletion, Outcome, SignatureRequest
from esign.providers.indexhealth.client import IndexHealthClient

if TYPE_CHECKING:
    from esign.providers.options import CreateRequestOptions, UpdateRequestOptions

NO_REQUESTS_HINT = "IndexHealth stores documents only; use `esign doc upload FILE --collection ID`"


class Requests(IndexHealthClient):
    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)

    def update_request(
        self, request_id: str, opts: UpdateRequestOptions
    ) -> Outcome[SignatureRequest]:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)

    def delete_request(self, request_id: str) -> Outcome[Deletion]:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)
