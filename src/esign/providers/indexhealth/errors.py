"""Which of IndexHealth's errors a new bearer token may fix: a 403 UNAUTHORIZED (spec §2), kept
apart from every other refusal so that a call renews the token at most once."""

from __future__ import annotations

from esign.core.errors import AuthError


def token_rejected(err: AuthError) -> bool:
    return err.provider_message is not None and err.provider_message.startswith("403")
