"""`IndexHealthClient`, the base of IndexHealth's resource classes: who it is, its host, the
one call helper (a POST whose envelope is checked, spec §1), and the envelope's codes as
esign's errors (§1, §4b)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RejectedError,
    ServerError,
    UsageError,
    error_for_status,
)
from esign.core.redact import excerpt
from esign.providers.base import Provider
from esign.providers.indexhealth.errors import token_rejected

if TYPE_CHECKING:
    import httpx


class IndexHealthClient(Provider):
    name = "indexhealth"
    title = "IndexHealth"
    default_base_url = ""  # customers are given their host (gap 1)
    credential = "client_secret"
    has_signing_state = False  # it stores and serves documents; nothing is signed (spec §3)

    # -- transport --------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any], *, idempotent: bool) -> Any:
        """POST with the envelope checked; one token renewal on 403 UNAUTHORIZED."""
        self._check_base_url()
        for attempt in (1, 2):
            response = self.http.request(
                "POST", self.http.url(path), json=body, idempotent=idempotent
            )
            try:
                return self._envelope(response)
            except AuthError as err:
                if attempt == 2 or not token_rejected(err):
                    raise
                self._drop_token()
        raise AssertionError("unreachable")

    def api_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """As every call: the token is renewed once when IndexHealth refuses it (403
        UNAUTHORIZED, in the status line or the envelope). The refused request was not
        carried out, so sending it again is safe whatever its method."""
        self._check_base_url()
        for attempt in (1, 2):
            response = super().api_request(
                method,
                url,
                params=params,
                json=json,
                content=content,
                headers=headers,
                stream=stream,
            )
            if stream and not _is_envelope(response) and response.status_code < 400:
                return response  # a file: nothing to check
            response.read()
            err = self.api_error(response)
            if attempt == 2 or not isinstance(err, AuthError) or not token_rejected(err):
                return response
            response.close()
            self._drop_token()
        raise AssertionError("unreachable")

    def api_error(self, response: httpx.Response) -> EsignError | None:
        if response.status_code < 400 and not _is_envelope(response):
            return None  # a file, or an answer that is not the envelope: as it came
        try:
            self._envelope(response)
        except MalformedResponseError:
            return super().api_error(response)
        except EsignError as err:
            return err
        return None

    def api_idempotent(self, method: str, url: str) -> bool | None:
        # Every endpoint is a POST; those that only read are named get-* (spec §3).
        last = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        return True if last.startswith("get-") else None

    def _check_base_url(self) -> None:
        if not self.settings.base_url:
            raise UsageError(
                "IndexHealth has no public API host",
                hint="set ESIGN_BASE_URL or the profile's --base-url to the host you were given",
            )

    def _envelope(self, response: httpx.Response, *, token_endpoint: bool = False) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = response.status_code
        message = None
        if isinstance(body, dict):
            envelope_code = body.get("statusCode", body.get("status"))
            if isinstance(envelope_code, int) and envelope_code != 200:
                code = envelope_code  # the body wins over a 200 status line (spec §1)
            message = body.get("message")
        if code >= 400:
            suspect = None if isinstance(body, dict) else self.wrong_base_url(response)
            if suspect is not None:
                raise suspect
            text = str(message) if message else excerpt(response.text)
            raise self._error(code, text, response.status_code, token_endpoint=token_endpoint)
        if not isinstance(body, dict) or "data" not in body:
            raise MalformedResponseError(
                f"IndexHealth answered {response.status_code} without its JSON envelope",
                http_status=response.status_code,
                provider=self.name,
            )
        return body["data"]

    def _error(
        self, code: int, message: str | None, http_status: int, *, token_endpoint: bool = False
    ) -> EsignError:
        detail = f": {message}" if message else ""

        error = self.error_maker(http_status, f"{code} {message}" if message else str(code))

        if token_endpoint and code in (400, 401, 403, 435, 436):
            return error(
                AuthError,
                f"IndexHealth refused the client credentials ({code}){detail}",
                "check ESIGN_CLIENT_ID, ESIGN_CLIENT_SECRET and the user settings",
            )
        if code in (401, 403):
            return error(AuthError, f"IndexHealth: unauthorized ({code}){detail}")
        if code == 407:
            return error(AuthError, f"IndexHealth: access denied (407){detail}")
        if code == 437:
            return error(NotFoundError, f"IndexHealth: not found (437){detail}")
        if code == 435 and message and "no file path" in message.lower():
            # Documented causes: a URL-based document, or a file never uploaded (spec §3.4).
            return error(
                RejectedError,
                f"IndexHealth: no file to download (435{detail})",
                "a URL-based document has its URL in `esign doc info ID` (files.original); "
                "otherwise its file was not uploaded",
            )
        if code in (435, 436):
            return error(RejectedError, f"IndexHealth rejected the request ({code}){detail}")
        if code >= 500:
            return error(ServerError, f"IndexHealth server fault ({code}){detail}")
        return error_for_status(
            code,
            f"IndexHealth answered {code}{detail}",
            provider=self.name,
            provider_message=message,
        )

    def error_from_response(self, response: httpx.Response) -> EsignError:
        """A failed call, or a download answered with the JSON envelope (any status, 200
        included): read like every other answer, so 437 is not found and 403 renews the
        token, never "JSON instead of the document"."""
        try:
            self._envelope(response)
        except EsignError as err:
            return err
        if response.status_code < 400:
            return MalformedResponseError(
                f"IndexHealth answered {response.status_code} with its JSON envelope and no "
                "error, instead of the file",
                http_status=response.status_code,
                provider=self.name,
            )
        return error_for_status(
            response.status_code,
            f"IndexHealth answered {response.status_code}",
            provider=self.name,
        )

    def _drop_token(self) -> None:
        """Forget the bearer token, so that the next call exchanges a new one: implemented by
        auth.py's `Auth`, declared here for the calls that renew it."""
        raise NotImplementedError


def _is_envelope(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "").lower()
