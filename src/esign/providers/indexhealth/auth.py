"""IndexHealth's token exchange (spec §2, §4b): client credentials and the user for a bearer
token, cached until shortly before its `exp` and renewed when a call is refused with it."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from esign.core.config.credentials import default_fingerprint
from esign.core.config.secret import Secret
from esign.core.errors import MalformedResponseError, UsageError
from esign.providers.indexhealth.client import IndexHealthClient

if TYPE_CHECKING:
    import httpx

TOKEN_RENEW_MARGIN = 60.0  # seconds before `exp` at which a cached token is renewed
REQUIRED_SETTINGS = {
    "client_id": ("ESIGN_CLIENT_ID", "--client-id"),
    "user_first_name": ("ESIGN_USER_FIRST_NAME", "--user-first-name"),
    "user_last_name": ("ESIGN_USER_LAST_NAME", "--user-last-name"),
    "user_email": ("ESIGN_USER_EMAIL", "--user-email"),
    "group_name": ("ESIGN_GROUP_NAME", "--group-name"),
}


class Auth(IndexHealthClient):
    _token: Secret | None = None
    _token_expires: float | None = None

    def authenticate(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/generate-client-auth-token"):
            return
        request.headers["Authorization"] = f"Bearer {self._access_token()}"
        group = self.settings.provider_settings.get("group_name")
        if group:
            # Required on some endpoint families, harmless on the others (spec §4b).
            request.headers["domain"] = str(group)

    def _access_token(self) -> str:
        with self._lock:  # parallel downloads: one token exchange, not one per thread
            return self._current_token()

    def _current_token(self) -> str:
        now = self.clock()
        if self._token and not _expiring(self._token_expires, now):
            return self._token.reveal()
        if self.token_cache is not None:
            cached = self.token_cache.load()
            if cached and not _expiring(cached[1], now):
                self._remember(*cached)
                assert self._token is not None
                return self._token.reveal()
        return self._new_token()

    def _remember(self, token: str, expires: float | None) -> None:
        self._token, self._token_expires = self.obtained_secret(token), expires

    def _new_token(self) -> str:
        body = self._token_request_body()
        response = self.http.request(
            "POST", self.http.url("generate-client-auth-token"), json=body, idempotent=True
        )
        data = self._envelope(response, token_endpoint=True)
        token = (
            data.get("access_token") or data.get("auth_token") if isinstance(data, dict) else None
        )
        if not isinstance(token, str) or not token:
            raise MalformedResponseError("IndexHealth's token answer has no access_token")
        expires = jwt_expiry(token)
        self._remember(token, expires)
        if self.token_cache is not None:
            self.token_cache.save(token, expires)
        return token

    def _drop_token(self) -> None:
        with self._lock:
            self._forget_token()

    def _forget_token(self) -> None:
        self._token = self._token_expires = None
        if self.token_cache is not None:
            self.token_cache.clear()

    def _token_request_body(self) -> dict[str, Any]:
        settings = self.settings.provider_settings
        missing = [name for name in REQUIRED_SETTINGS if not settings.get(name)]
        if missing:
            env, flag = REQUIRED_SETTINGS[missing[0]]
            raise UsageError(
                f"IndexHealth needs {', '.join(missing)} to authenticate",
                hint=f"set {env} or add {flag} to the profile (esign profile add ... --force)",
            )
        fingerprint = settings.get("fingerprint") or default_fingerprint(
            self.settings.profile, str(settings["client_id"])
        )
        return {
            "client_id": settings["client_id"],
            "client_secret": self.require_secret().reveal(),
            "fingerprint": fingerprint,
            "user": {
                "first_name": settings["user_first_name"],
                "last_name": settings["user_last_name"],
                "email": settings["user_email"],
                "group_name": settings["group_name"],
            },
        }

    def check_credentials(self) -> None:
        self._drop_token()
        self._new_token()


def _expiring(expires: float | None, now: float) -> bool:
    return expires is not None and now >= expires - TOKEN_RENEW_MARGIN


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, when it has one (no lifetime is documented, gap 2)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None
