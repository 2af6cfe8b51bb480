"""Reading OKdokument's error envelope (spec §3.3): its message key and value, and the method
of the request it answers. `OKdokumentClient.error_from_response` maps them to esign's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esign.core.redact import excerpt

if TYPE_CHECKING:
    import httpx

NOT_FOUND_KEYS = frozenset({"err.not.found", "err.signature.request.not.exist"})


def request_method(response: httpx.Response) -> str | None:
    try:
        return response.request.method
    except RuntimeError:  # a response built without its request
        return None


def error_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        body = response.json()
    except ValueError:
        return excerpt(response.text), None
    if not isinstance(body, dict):
        return None, None
    key = body.get("message") or body.get("code")
    value = body.get("value")
    return (str(key) if key else None), (str(value) if value not in (None, "") else None)
