"""IndexHealth's documents (spec §3.2, §3.3, and the undocumented sync answer, gap 4) as esign's
`Document`: IndexHealth stores documents, so none has a signing state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esign.core.errors import MalformedResponseError
from esign.core.models import Document, DocumentFiles, iso_utc, parse_iso
from esign.providers.indexhealth.client import IndexHealthClient


def to_synced_document(data: Any, sent: dict[str, Any], file_url: Callable[[str], str]) -> Document:
    """The sync answer's shape is not documented (gap 4): a whole document, or only its
    id; what is missing is taken from what we sent."""
    answer = data if isinstance(data, dict) else {}
    document_id = answer.get("document_id") or answer.get("id") or sent.get("document_id")
    if not document_id:
        raise MalformedResponseError("IndexHealth's sync answer has no document_id")
    merged = {**{k: v for k, v in sent.items() if k != "fileBase64"}, **answer}
    merged["document_id"] = document_id
    return to_document(merged, file_url)


def to_document(data: dict[str, Any], file_url: Callable[[str], str]) -> Document:
    document_id = str(data.get("document_id") or data.get("id") or "")
    progress = data.get("avg_progress")
    processing = isinstance(progress, (int, float)) and progress < 100
    has_file = bool(data.get("document_file_path")) or bool(data.get("fileType"))
    return Document(
        provider=IndexHealthClient.name,
        id=document_id,
        name=data.get("document_name"),
        # IndexHealth stores documents: no signing state exists (spec §3).
        status="processing" if processing else "unknown",
        provider_status=f"processing {progress}%" if processing else None,
        created_at=iso_utc(parse_iso(data.get("created_at"))),
        updated_at=iso_utc(parse_iso(data.get("updated_at"))),
        files=DocumentFiles(
            original=(
                file_url(document_id)
                if has_file and document_id
                else data.get("document_url") or None
            ),
        ),
    )
