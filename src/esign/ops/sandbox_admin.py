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


def sandbox_url(env: Mapping[str, str], flag: str | None) -> str:
    """The sandbox the user is talking to: --sandbox-url; else the origin of ESIGN_BASE_URL
    when that points at a sandbox (a provider prefix in its path); else ESIGN_SANDBOX_URL;
    else where `esign sandbox serve` listens by default."""
    if flag:
        return flag.rstrip("/")
    from_base = sandbox_origin(env.get("ESIGN_BASE_URL", ""))
    return (from_base or env.get("ESIGN_SANDBOX_URL") or DEFAULT_SANDBOX_URL).rstrip("/")


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
) -> dict[str, Any]:
    """Have the sandbox's signer sign (or cancel) a document, request or signer."""
    body = {
        "id": some_id,
        "action": action,
        "signer_name": signer_name,
        "signer_token": signer_token,
    }
    return _post(app, url, "sign", body)


def trigger(
    app: AppContext, url: str, event: str, *, some_id: str | None, to: str | None
) -> dict[str, Any]:
    """Have the sandbox send one documented event now (to `to`, or the registered receivers)."""
    return _post(app, url, "trigger", {"event": event, "id": some_id, "to": to})


def _post(app: AppContext, url: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
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
        err.hint = (
            f"is `esign sandbox serve` running at {url}? (found from --sandbox-url, "
            "ESIGN_BASE_URL or ESIGN_SANDBOX_URL)"
        )
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
