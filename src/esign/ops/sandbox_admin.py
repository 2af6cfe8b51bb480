"""A small client for the sandbox's admin API (`/_sandbox/...`), used by `esign sandbox sign`
and the demo. It speaks to the emulator only, never to a real provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from esign.core.context import AppContext
from esign.core.errors import MalformedResponseError, NetworkError, error_for_status

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8765"


# The prefixes the sandbox serves each provider under (DESIGN §8).
SANDBOX_PREFIXES = ("/okdokument/", "/zapsign/", "/indexhealth")


def sandbox_url(app: AppContext, flag: str | None) -> tuple[str, str]:
    """The sandbox the user is talking to, and where that was found: --sandbox-url; else the
    origin of the base URL this run uses when it points at a sandbox (a provider prefix in
    its path): a profile given with --profile, ESIGN_BASE_URL, the profile in use otherwise;
    else ESIGN_SANDBOX_URL; else where `esign sandbox serve` listens by default."""
    from esign.core.config.settings import select_profile

    if flag:
        return flag.rstrip("/"), "--sandbox-url"
    env = app.env
    name, profile, source = select_profile(app.flags, env, app.config)
    from_profile = sandbox_origin(profile.base_url or "") if profile is not None else None
    if from_profile and source == "flag --profile":
        return from_profile, f"profile {name}'s base_url"
    from_env = sandbox_origin(env.get("ESIGN_BASE_URL", ""))
    if from_env:
        return from_env, "ESIGN_BASE_URL"
    if from_profile:
        return from_profile, f"profile {name}'s base_url"
    if env.get("ESIGN_SANDBOX_URL"):
        return env["ESIGN_SANDBOX_URL"].rstrip("/"), "ESIGN_SANDBOX_URL"
    return DEFAULT_SANDBOX_URL, "the default; set --sandbox-url or ESIGN_SANDBOX_URL"


def sandbox_origin(base_url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(base_url.strip())
    path = parts.path.rstrip("/") + "/"
    if parts.scheme in ("http", "https") and parts.netloc and path.startswith(SANDBOX_PREFIXES):
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _token_header(env: Mapping[str, str]) -> dict[str, str] | None:
    """The admin token a sandbox on a non-loopback bind printed at start, if one is set."""
    token = env.get("ESIGN_SANDBOX_TOKEN", "").strip()
    return {"Authorization": f"Bearer {token}"} if token else None


def sign(
    app: AppContext,
    url: str,
    some_id: str,
    *,
    action: str,
    signer_name: str,
    signer_token: str | None = None,
    found_from: str = "--sandbox-url",
) -> dict[str, Any]:
    """Have the sandbox's signer sign (or cancel) a document, request or signer."""
    body = {
        "id": some_id,
        "action": action,
        "signer_name": signer_name,
        "signer_token": signer_token,
    }
    return _post(app, url, "sign", body, found_from)


def trigger(
    app: AppContext,
    url: str,
    event: str,
    *,
    some_id: str | None,
    to: str | None,
    found_from: str = "--sandbox-url",
) -> dict[str, Any]:
    """Have the sandbox send one documented event now (to `to`, or the registered receivers)."""
    return _post(app, url, "trigger", {"event": event, "id": some_id, "to": to}, found_from)


def _post(
    app: AppContext, url: str, action: str, body: dict[str, Any], found_from: str
) -> dict[str, Any]:
    http = app.plain_http_client(url)
    try:
        response = http.request(
            "POST",
            http.url("_sandbox", action),
            json=body,
            idempotent=False,
            headers=_token_header(app.env),
        )
    except NetworkError as err:
        err.hint = f"is `esign sandbox serve` running at {url}? (from {found_from})"
        raise
    try:
        answer = response.json()
    except ValueError:
        raise MalformedResponseError(
            f"{url} did not answer like an esign sandbox",
            hint="point --sandbox-url or ESIGN_SANDBOX_URL at `esign sandbox serve`",
        ) from None
    if response.status_code != 200:
        message = answer.get("error") if isinstance(answer, dict) else None
        raise error_for_status(
            response.status_code,
            f"sandbox at {url}: {message or f'HTTP {response.status_code}'}",
            provider="sandbox",
        )
    if not isinstance(answer, dict):
        raise MalformedResponseError(f"{url} did not answer like an esign sandbox")
    return answer
