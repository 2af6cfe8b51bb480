"""OKdokument's values as esign's: document metadata (spec §6.10, §6.9) as a `Document`, states
(§5) as statuses, and what a document upload carries (§3.5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from esign.core.errors import MalformedResponseError
from esign.core.models import Document, DocumentFiles, DocumentStatus, from_epoch_ms, iso_utc
from esign.providers.okdokument import local_time
from esign.providers.okdokument.client import OKdokumentClient

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # spec §3.5; we count decoded bytes (gap 20)
STATUS_FROM_STATE: dict[str, DocumentStatus] = {
    "tags": "processing",
    "tostamp": "processing",
    "preprocessing_tags": "processing",
    "tosign": "pending",
    "signed": "signed",
    "canceled": "canceled",
    "cancelled": "canceled",
    # "error while calling info service" (1.6): the signer pressed Submit or Cancel, then the
    # sendInfo callback to the portal failed (6.5). The state replaced signed/canceled, so
    # OKdokument no longer says which: neither "signed" nor "will not be signed" is known.
    "errorsendinfo": "error",
}
# What the current file is, by state: before anything is signed it is the uploaded original.
UNSIGNED_STATES = frozenset({"tags", "tostamp", "preprocessing_tags", "tosign", "canceled"})


def to_document(
    data: dict[str, Any], file_url: Callable[[str], str], fallback_id: str | None = None
) -> Document:
    document_id = str(data.get("id") or fallback_id or "")
    state = str(data.get("state") or "")
    status = STATUS_FROM_STATE.get(state.lower(), "unknown")
    url = file_url(document_id) if document_id else None
    # One URL serves the current file; which of the two it is follows from the state.
    # After errorsendinfo (or an unknown state) neither can be said.
    return Document(
        provider=OKdokumentClient.name,
        id=document_id,
        name=data.get("filename"),
        status=status,
        provider_status=state or None,
        created_at=iso_utc(from_epoch_ms(data.get("date"))),
        updated_at=iso_utc(_server_local_time(data.get("modification"))),
        files=DocumentFiles(
            original=url if state.lower() in UNSIGNED_STATES else None,
            signed=url if status == "signed" else None,
        ),
    )


def require(data: Any, key: str) -> str:
    if not isinstance(data, dict) or not data.get(key):
        raise MalformedResponseError(f"OKdokument's answer has no {key!r} field")
    return str(data[key])


def display_name(name: str | None, file_name: str, kind: str) -> str:
    """The name OKdokument shows; Office files keep their extension, which it needs to convert."""
    if not name:
        return file_name
    if kind != "pdf" and not name.lower().endswith("." + kind):
        return f"{name}.{kind}"
    return name


# The spec's `modification` is server-local time; the examples are Bratislava time (§3.4),
# converted by local_time.py.
def _server_local_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        # "2019-03-15 14:07:41"; fromisoformat reads it without strptime's costly first use.
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:  # an explicit offset is taken at its word
        return moment.astimezone(UTC)
    return local_time.to_utc(moment)
