"""What the commands ask of a provider: plain option objects, cheap to import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from esign.core.files.target import Target

if TYPE_CHECKING:
    from esign.core.cancel import Cancellation
    from esign.core.config.secret import Secret
    from esign.core.files.download import DownloadSource, NameClaim, PartCommit


@dataclass(frozen=True)
class Phone:
    """A phone number as `+CC NUMBER`: the country code and the number apart, as ZapSign
    takes them (phone_country, phone_number)."""

    country: str
    number: str


@dataclass(frozen=True)
class SignerSpec:
    name: str
    email: str | None = None
    phone: Phone | None = None
    auth_mode: str | None = None
    order: int | None = None  # the signing position (ZapSign order_group)


@dataclass(frozen=True)
class CreateRequestOptions:
    file_path: str | None = None
    document_id: str | None = None
    name: str | None = None
    redirect_url: str | None = None
    callback_url: str | None = None
    expires_at: datetime | None = None
    request_id: str | None = None
    signers: tuple[SignerSpec, ...] = ()
    lang: str | None = None
    external_id: str | None = None
    send_email: bool = False
    # ZapSign: the API's own signer objects, from --signers FILE.json (instead of `signers`).
    signer_objects: tuple[dict[str, Any], ...] = ()
    ordered: bool = False  # sign one after the other (ZapSign signature_order_active)
    reminder_days: int | None = None
    url: str | None = None  # a document by URL instead of a FILE (ZapSign url_pdf/url_docx)
    folder: str | None = None
    template_id: str | None = None
    template_data: tuple[tuple[str, str], ...] = ()
    # OKdokument's rules and fields (spec §7, §8).
    email_to: str | None = None
    email_from: str | None = None
    otp: str | None = None  # an email address or a +phone: a one-time code to open
    state: str | None = None  # tosign, tags or tostamp
    allowed_fields: dict[str, Any] | None = None


@dataclass(frozen=True)
class CancelOptions:
    reason: str
    notify_signers: bool = False


@dataclass(frozen=True)
class SignerOptions:
    """A signer to add, or the fields of one to change (only those given are sent)."""

    name: str | None = None
    email: str | None = None
    phone: Phone | None = None
    auth_mode: str | None = None
    send_email: bool = False
    redirect_url: str | None = None
    order: int | None = None

    def is_empty(self) -> bool:
        return all(v in (None, False) for v in vars(self).values())


@dataclass(frozen=True)
class AttachOptions:
    file_path: str | None = None
    url: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class TemplateListOptions:
    limit: int | None = None
    all_pages: bool = False


@dataclass(frozen=True)
class UpdateRequestOptions:
    redirect_url: str | None = None
    callback_url: str | None = None
    name: str | None = None
    expires_at: datetime | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in vars(self).values())


@dataclass(frozen=True)
class CreateWebhookOptions:
    """`webhook create`: one webhook per event (none: every document event), optionally
    bound to one document, with headers sent on each delivery (their values are secrets)."""

    url: str
    events: tuple[str, ...] = ()
    document_id: str | None = None
    headers: tuple[tuple[str, Secret], ...] = ()


@dataclass(frozen=True)
class ListOptions:
    status: str | None = None
    limit: int | None = None
    all_pages: bool = False
    collection: str | None = None
    deleted: bool = False  # list the soft-deleted documents instead (ZapSign)


@dataclass(frozen=True)
class UploadOptions:
    file_path: str | None = None
    url: str | None = None
    state: str | None = None
    name: str | None = None
    collection: str | None = None
    description: str | None = None
    doc_type: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FileChoice:
    """Which of a document's files `doc download` / `doc presign` fetch. By default the signed
    one, and only once the document is signed: a partly signed or refused PDF is never handed
    out as "the signed one" without `any_state`."""

    original: bool = False
    any_state: bool = False  # the current file, whatever the document's state
    attachment: str | None = None  # an envelope attachment of the document (ZapSign)


@dataclass(frozen=True)
class DownloadOptions:
    target: Target
    force: bool = False
    original: bool = False
    progress: bool = True
    any_state: bool = False
    attachment: str | None = None
    cancel: Cancellation | None = None
    claim: NameClaim | None = None
    # Where the file is, when the caller knows already (a listed URL); else the provider asks.
    source: DownloadSource | None = None
    # How the complete file is moved into place (a sync records it in its manifest first).
    commit: PartCommit | None = None

    @property
    def choice(self) -> FileChoice:
        return FileChoice(
            original=self.original, any_state=self.any_state, attachment=self.attachment
        )


def refuse_given(flags: dict[str, Any], taker: str, *, why: str = "", hint: str) -> None:
    """A flag a provider has no place for is exit 2 naming every such flag given, never
    silently dropped. `flags` maps each flag to its value (falsy: not given)."""
    given = [flag for flag, value in flags.items() if value]
    if given:
        from esign.core.errors import UsageError

        raise UsageError(
            f"{taker} takes no {', '.join(given)}" + (f" ({why})" if why else ""), hint=hint
        )
