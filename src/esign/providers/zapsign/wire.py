"""ZapSign's objects as esign's models: documents, their extra documents and signers (spec
§6.5, §6.6), the statuses in both languages (§6.1, §6.2), the list's page (§7.3), the activity
history (§7.7), templates and the plan (§10)."""

from __future__ import annotations

from typing import Any

from esign.core.errors import MalformedResponseError
from esign.core.models import (
    Account,
    Attachment,
    AuditEvent,
    Document,
    DocumentFiles,
    DocumentStatus,
    SignatureRequest,
    Signer,
    SignerStatus,
    Template,
    count_of,
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
            to_attachment(extra)
            for extra in data.get("extra_docs") or []
            if isinstance(extra, dict)
        ],
    )


def to_attachment(data: dict[str, Any]) -> Attachment:
    """An extra document: `{open_id, token, name, original_file, signed_file}` (spec §7.8)."""
    return Attachment(
        id=str(data.get("token") or ""),
        name=data.get("name"),
        files=DocumentFiles(
            original=data.get("original_file") or None,
            signed=data.get("signed_file") or None,
        ),
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


def page(data: Any, what: str = "document list") -> tuple[list[Any], str | None]:
    """A DRF page `{count, next, previous, results}` or, in older docs, a bare array (gap 1);
    with the page's `next` link, if any."""
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        next_page = data.get("next")
        return data["results"], str(next_page) if next_page else None
    raise MalformedResponseError(f"ZapSign's {what} is neither a page nor an array")


def to_audit_event(data: dict[str, Any]) -> AuditEvent:
    """An activity: `time` as "2024-11-27 17:44:32.117577+00:00" (a space, not ISO's T: gap
    14), and the localized labels as ZapSign wrote them."""
    return AuditEvent(
        time=iso_utc(parse_iso(data.get("time"))),
        user=_text(data.get("user")),
        event=_text(data.get("event")),
        description=_text(data.get("description")),
    )


def to_template(data: dict[str, Any]) -> Template:
    active = data.get("active")
    return Template(
        provider=ZapSignClient.name,
        id=str(data.get("token") or ""),
        name=_text(data.get("name")),
        type=_text(data.get("template_type")),
        active=active if isinstance(active, bool) else None,
        lang=_text(data.get("lang")),
        folder_path=_text(data.get("folder_path")),
        created_at=iso_utc(parse_iso(data.get("created_at"))),
        updated_at=iso_utc(parse_iso(data.get("last_update_at"))),
    )


def to_account(data: dict[str, Any]) -> Account:
    """Informações do plano: `number_of_credits` is a string in the sample ("100") and
    `current_period_end` is shown as "dd-mm-yyyy" (gap: not ISO)."""
    return Account(
        provider=ZapSignClient.name,
        credits=count_of(data.get("number_of_credits")),
        plan=_text(data.get("name")),
        plan_status=_text(data.get("status")),
        period=_text(data.get("period")),
        period_end=_period_end(data.get("current_period_end")),
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _period_end(value: Any) -> str | None:
    """The documented form is dd-mm-yyyy; an ISO date or timestamp is read too; anything else
    is kept as ZapSign wrote it rather than dropped."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    from datetime import date

    day, _, rest = text.partition("-")
    month, _, year = rest.partition("-")
    if len(day) == 2 and len(month) == 2 and len(year) == 4:
        try:
            return date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return text
    moment = parse_iso(text)
    if moment is not None:
        return iso_utc(moment) if "T" in text or " " in text else moment.date().isoformat()
    return text
