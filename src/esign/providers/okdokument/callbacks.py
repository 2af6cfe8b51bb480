"""What OKdokument's completion callback says (spec §6.5), for `esign webhook listen`: a POST
to the request's sendInfoURL with `{"state", "id", "signatureRequestId"}`, no authentication."""

from __future__ import annotations

from typing import Any

from esign.core.models import DocumentStatus
from esign.providers.okdokument.wire import STATUS_FROM_STATE


def is_callback(payload: dict[str, Any]) -> bool:
    return "signatureRequestId" in payload and "state" in payload


def event_fields(payload: dict[str, Any]) -> tuple[str | None, str | None, DocumentStatus | None]:
    """(the state it reports, the document ID, the state as a normalized status)."""
    state = payload.get("state")
    state = str(state) if isinstance(state, str) and state else None
    document_id = payload.get("id")
    document_id = str(document_id) if isinstance(document_id, str) and document_id else None
    status = STATUS_FROM_STATE.get(state.lower(), "unknown") if state else None
    return state, document_id, status
