"""`OKdokumentClient`, the base of OKdokument's resource classes: who it is, its API key, the
one call helper, document file URLs, and its HTTP errors as esign's (spec §1, §2, §3.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RejectedError,
    error_for_status,
)
from esign.core.http.client import encode_segment
from esign.providers.base import Provider
from esign.providers.okdokument.errors import NOT_FOUND_KEYS, error_fields, request_method

if TYPE_CHECKING:
    import httpx


class OKdokumentClient(Provider):
    name = "okdokument"
    title = "OKdokument"
    default_base_url = "https://api.okdokument.com/JSON"
    credential = "api_key"

    # -- transport ------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["x-api-key"] = self.require_secret().reveal()

    def _call(
        self,
        method: str,
        *path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        self.require_secret()
        response = self.http.request(
            method, self.http.url(*path), json=json, params=params, idempotent=idempotent
        )
        if response.status_code >= 400:
            raise self.error_from_response(response)
        try:
            return response.json()
        except ValueError:
            raise MalformedResponseError(
                f"OKdokument answered {response.status_code} with a body that is not JSON",
                http_status=response.status_code,
                provider=self.name,
            ) from None

    def error_from_response(self, response: httpx.Response) -> EsignError:
        suspect = self.wrong_base_url(response)
        if suspect is not None:
            return suspect
        status = response.status_code
        key, value = error_fields(response)
        provider_message = f"{key} ({value})" if key and value and value not in key else key
        said = f": {provider_message}" if provider_message else ""

        error = self.error_maker(status, provider_message)

        if key in NOT_FOUND_KEYS:
            what = "signature request" if "signature.request" in key else "document"
            subject = f"{what} {value}" if value else what
            return error(NotFoundError, f"OKdokument: {subject} not found [{key}]")
        if status == 400 and request_method(response) == "PATCH":
            # Update signature request (6.11) answers an unknown ID with 400 and a free-text
            # message, "View ID does not exist: <id>": a 400 there is "not found".
            subject = f"signature request {value}" if value else "signature request"
            return error(NotFoundError, f"OKdokument: {subject} not found (400{said})")
        if status == 401:
            return error(
                AuthError,
                f"OKdokument rejected the API key (401){said}",
                "check ESIGN_API_KEY or the profile's stored key",
            )
        if status == 403:
            return error(
                AuthError,
                f"the OKdokument API key lacks permission for this operation (403){said}",
                "ask the account owner to activate the API for this key",
            )
        if status == 402:
            # No signature request credits left (the status and body are undocumented).
            return error(
                RejectedError,
                f"OKdokument refused the request: payment required (402){said}",
                "each signature request uses a purchased credit; `esign account` shows how "
                "many are left",
            )
        if status == 409:
            return error(
                RejectedError,
                "OKdokument refused the request: that signature request ID already exists "
                f"(409){said}",
                "each round needs a new --request-id",
            )
        detail = f": {provider_message}" if provider_message else ""
        return error_for_status(
            status,
            f"OKdokument answered HTTP {status}{detail}",
            provider=self.name,
            provider_message=provider_message,
        )

    def api_idempotent(self, method: str, url: str) -> bool | None:
        # Its PATCH (update signature request, 6.11) sets fields: sending it twice is the same.
        return True if method == "PATCH" else None

    def check_credentials(self) -> None:
        self._call("GET", "counter")  # the cheapest authenticated call (spec 6.13)

    # Download document (6.7): where a document's file is, for downloads and for the models.
    def _file_url(self, document_id: str) -> str:
        return self.http.url("document", encode_segment(document_id, "document ID"))
