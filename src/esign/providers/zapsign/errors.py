"""Reading ZapSign's error bodies (spec §5, gap 6): their text, and whether a 403 is about the
token or about the action. `ZapSignClient.error_from_response` turns both into esign's errors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from esign.core.redact import excerpt, shorten

if TYPE_CHECKING:
    import httpx

ERROR_TEXT_KEYS = ("detail", "error", "message", "code", "error_code", "non_field_errors", "data")
# 403s that refuse an action on the document, not the credential (Cancelar documentos,
# Reprovar pelo usuário, Adicionar anexo via modelo): exit 6, with no token hint.
BUSINESS_403_CODES = frozenset(
    {"document_already_signed", "document_already_refused", "refuse_not_allowed"}
)
# What a 403 about the token, its environment or its permissions says (Status de erros:
# "check that the API token matches the environment"; DRF's permission and credential texts,
# in Portuguese and English; the bulk endpoint's `permission_denied`).
CREDENTIAL_403 = re.compile(
    r"permiss|credencia|credential|token|autentica|authenticat|api key",
    re.IGNORECASE,
)
CREDENTIAL_403_CODES = frozenset(
    {"permission_denied", "not_authenticated", "authentication_failed", "token_not_valid"}
)


def about_the_credential(response: httpx.Response, text: str | None) -> bool:
    """Whether a 403 is about the token (exit 4) rather than the action (exit 6)."""
    codes = set()
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        codes = {str(body.get(k)) for k in ("code", "error_code") if body.get(k)}
    if codes & BUSINESS_403_CODES:
        return False
    if codes & CREDENTIAL_403_CODES:
        return True
    # A bare 403 is what the status page describes: a token of the other environment.
    return not text or bool(CREDENTIAL_403.search(text))


def error_text(response: httpx.Response) -> str | None:
    """Whichever of ZapSign's many error shapes the body has (spec §5, gap 6)."""
    try:
        body = response.json()
    except ValueError:
        return excerpt(response.text)
    if isinstance(body, str):
        return shorten(body, 200) or None
    if not isinstance(body, dict):
        return None
    parts = []
    for key in ERROR_TEXT_KEYS:
        value = body.get(key)
        if value in (None, "", [], {}):
            continue
        parts.append(_flatten(value))
    return shorten("; ".join(parts), 300) or None


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return str(value)
