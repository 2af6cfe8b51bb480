"""ZapSign's objects as esign's models: documents, their extra documents and signers (spec
§6.5, §6.6), the statuses in both languages (§6.1, §6.2), and the list's page (§7.3)."""

from __future__ import annotations

from typing import Any

from esign.core.errors import MalformedResponseError
from esign.core.models import (
    Attachment,
    Document,
    DocumentFiles,
    DocumentStatus,
    SignatureRequest,
    Signer,
    SignerStatus,
    iso_utc,
    parse_iso,
)
from esign.providers.zapsign.client import ZapSignClient

# English API values and the Portuguese internal ones some payloads carry (gap 3).
DOCUMENT_STATUS: dict[str, DocumentStatus] = {
    "pending": "pending",
    "em-curso": "pending",
    "signed": "signed",
    "assinado": "signed",
    "refused": "refused",
    "recusado": "refused",
    "expired": "expired",
}
# Detail/create enum, its Portuguese twin, and the list endpoint's "stable enum" (gap 4).
SIGNER_STATUS: dict[str, SignerStatus] = {
    "new": "pending",
    "novo": "pending",
    "nao_abriu": "pending",
    "link-opened": "viewed",
    "abriu-link": "viewed",
    "abriu": "viewed",
    "signed": "signed",
    "assinou": "signed",
    "refused": "refused",
    "recusou": "refused",
}


def to_document(data: dict[str, Any], *, deleted: bool = False) -> Document:
    token = str(data.get("token") or "")
    raw_status = str(data.get("status") or "")
    parent = data.get("parent_doc_token")
    deleted = bool(data.get("deleted", deleted)) or raw_status == "lixeira"
    status: DocumentStatus = DOCUMENT_STATUS.get(raw_status.lower(), "unknown")
    signers = [to_signer(s) for s in data.get("signers") or [] if isinstance(s, dict)]
    return Document(
        provider=ZapSignClient.name,
        id=token,
        name=data.get("name"),
        status=status,
        provider_status=raw_status or None,
        created_at=iso_utc(parse_iso(data.get("created_at"))),
        updated_at=iso_utc(parse_iso(data.get("last_update_at"))),
        signers=signers,
        files=DocumentFiles(
            original=data.get("original_file") or None,
            signed=data.get("signed_file") or None,
        ),
        deleted=deleted,
        parent_id=str(parent) if parent else None,
        external_id=data.get("external_id") or None,
        rejected_reason=data.get("rejected_reason") or None,
        lang=data.get("lang") or None,
        attachments=[
            Attachment(
                id=str(extra.get("token") or ""),
                name=extra.get("name"),
                files=DocumentFiles(
                    original=extra.get("original_file") or None,
                    signed=extra.get("signed_file") or None,
                ),
            )
            for extra in data.get("extra_docs") or []
            if isinstance(extra, dict)
        ],
    )


def to_extra_document(data: dict[str, Any], main: Document) -> Document:
    """An extra document (short form) with its envelope's status and signers."""
    document = to_document(data)
    document.status = main.status
    document.provider_status = main.provider_status
    document.signers = main.signers
    document.deleted = main.deleted
    document.rejected_reason = main.rejected_reason
    document.lang = main.lang
    return document


def to_signer(data: dict[str, Any]) -> Signer:
    raw_status = str(data.get("status") or "")
    return Signer(
        id=data.get("token"),
        name=data.get("name") or None,
        email=data.get("email") or None,
        status=SIGNER_STATUS.get(raw_status.lower(), "unknown"),
        signed_at=iso_utc(parse_iso(data.get("signed_at"))),
        # The list endpoint's signer block says signing_url (gap 4).
        sign_url=data.get("sign_url") or data.get("signing_url") or None,
    )


def to_request(document: Document) -> SignatureRequest:
    urls = [s.sign_url for s in document.signers if s.sign_url]
    return SignatureRequest(
        provider=document.provider,
        request_id=document.id,
        document_id=document.id,
        status=document.status,
        sign_url=urls[0] if len(urls) == 1 else None,
        sign_urls=urls,
        signers=document.signers,
    )


def page(data: Any) -> tuple[list[Any], str | None]:
    """A DRF page `{count, next, previous, results}` or, in older docs, a bare array (gap 1);
    with the page's `next` link, if any."""
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        next_page = data.get("next")
        return data["results"], str(next_page) if next_page else None
    raise MalformedResponseError("ZapSign's document list is neither a page nor an array")
