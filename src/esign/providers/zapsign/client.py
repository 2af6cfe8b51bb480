"""`ZapSignClient`, the base of ZapSign's resource classes: who it is, its bearer token, its
Django-style URLs, the one call helper, and its HTTP errors as esign's (spec §1, §2, §4, §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    error_for_status,
)
from esign.core.http.client import encode_segment
from esign.core.http.presigned import storage_refusal
from esign.core.http.ratelimit import Rate
from esign.core.models import Deletion, Outcome
from esign.providers.base import Provider
from esign.providers.zapsign.errors import about_the_credential, error_text

if TYPE_CHECKING:
    import httpx


class ZapSignClient(Provider):
    name = "zapsign"
    title = "ZapSign"
    default_base_url = "https://api.zapsign.com.br/api/v1"
    credential = "api_key"
    # "500 requisições por minuto", per token or IP, in fixed one-minute windows (spec §4).
    documented_rate = Rate(500, 60)
    api_pages = True  # DRF pages: {count, next, previous, results} (spec gap 1)

    # -- transport ------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.require_secret().reveal()}"

    def _url(self, *segments: str) -> str:
        # Django-style paths keep their trailing slash.
        return self.http.url(*segments) + "/"

    def _call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        allow_empty: bool = False,
    ) -> tuple[Any, httpx.Response]:
        self.require_secret()
        response = self.http.request(method, url, json=json, params=params)
        if response.status_code >= 400:
            raise self.error_from_response(response)
        if allow_empty and not response.content.strip():
            return None, response
        try:
            return response.json(), response
        except ValueError:
            raise MalformedResponseError(
                f"ZapSign answered {response.status_code} with a body that is not JSON",
                http_status=response.status_code,
                provider=self.name,
            ) from None

    def error_from_response(self, response: httpx.Response) -> EsignError:
        refused = storage_refusal(response, self.name)
        if refused is not None:  # a presigned file URL (S3), not the API
            return refused
        suspect = self.wrong_base_url(response)
        if suspect is not None:
            return suspect
        status = response.status_code
        provider_message = error_text(response)
        detail = f": {provider_message}" if provider_message else ""

        error = self.error_maker(status, provider_message)

        if status == 401:
            return error(
                AuthError,
                f"ZapSign rejected the API token (401){detail}",
                "check ESIGN_API_KEY or the profile's stored token",
            )
        if status == 402:
            return error(
                RejectedError,
                f"ZapSign requires payment (402){detail}",
                "the account has no API plan or no credits left; the sandbox host "
                "(https://sandbox.api.zapsign.com.br/api/v1) is free",
            )
        if status == 403 and not about_the_credential(response, provider_message):
            return error(RejectedError, f"ZapSign refused the action (403){detail}")
        if status == 403:
            return error(
                AuthError,
                f"ZapSign refused access (403){detail}",
                "a production token does not work on the sandbox host and vice versa; "
                "check the token's permissions",
            )
        if status == 404:
            return error(NotFoundError, f"ZapSign: not found (404){detail}")
        if status == 429:
            return error(
                RateLimitedError,
                f"ZapSign rate limit reached (429){detail}",
                "ZapSign allows 500 requests a minute per token, and esign paces under it "
                "(--rate): another client is probably using the same token; wait for the "
                "next minute",
            )
        return error_for_status(
            status,
            f"ZapSign answered HTTP {status}{detail}",
            provider=self.name,
            provider_message=provider_message,
        )

    def api_next_page(self, body: Any) -> str | None:
        if isinstance(body, dict) and isinstance(body.get("next"), str) and body["next"]:
            return str(body["next"])
        return None

    # Update document (7.4): here, not in documents.py, because a request's update sends it too.
    def _put(self, document_id: str, body: dict[str, Any]) -> None:
        self._call("PUT", self._url("docs", encode_segment(document_id, "document ID")), json=body)

    def soft_delete(
        self, document_id: str, kind: Literal["document", "request"]
    ) -> Outcome[Deletion]:
        """The same result as every provider's delete; the document ZapSign answers with
        (deleted: true; or an empty 200 body, gap 9) is kept for --raw."""
        url = self._url("docs", encode_segment(document_id, "document ID"))
        data, _ = self._call("DELETE", url, allow_empty=True)
        token = data.get("token") if isinstance(data, dict) else None
        deleted = Deletion(provider=self.name, id=str(token or document_id), kind=kind, soft=True)
        return Outcome(deleted, raw=data)
