"""Normalized models: the same field names whatever the provider (ARCHITECTURE.md §4).

These are the contract scripts rely on (`jq .status`), so fields are only ever added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from esign.core.statuses import DOCUMENT_STATUSES as DOCUMENT_STATUSES

if TYPE_CHECKING:
    from esign.core.errors import EsignError

DocumentStatus = Literal[
    "processing", "pending", "signed", "refused", "canceled", "expired", "error", "unknown"
]
SignerStatus = Literal["pending", "viewed", "signed", "refused", "unknown"]


def iso_utc(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC to the second with a Z (2026-03-01T10:00:00Z), the one timestamp form
    esign prints: every field the same width and form, whatever precision the provider has
    (OKdokument's milliseconds beside its whole seconds read as two formats)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_epoch_ms(value: Any) -> datetime | None:
    """Epoch milliseconds, as a number or a numeric string (providers send both)."""
    if value in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def count_of(value: Any) -> int | None:
    """A count, as a number or a numeric string (providers send both: ZapSign's credits,
    OKdokument's counters)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_iso(value: Any) -> datetime | None:
    """An ISO-8601 timestamp from a provider (`Z` or an offset; naive means UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Model:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload,no-any-return]


@dataclass
class Signer(Model):
    id: str | None
    name: str | None
    email: str | None
    status: SignerStatus
    signed_at: str | None = None
    sign_url: str | None = None


@dataclass
class DocumentFiles(Model):
    original: str | None = None
    signed: str | None = None


@dataclass
class Attachment(Model):
    """A file signed together with its document (ZapSign's extra documents)."""

    id: str
    name: str | None
    files: DocumentFiles = field(default_factory=DocumentFiles)


@dataclass
class Document(Model):
    provider: str
    id: str
    name: str | None
    status: DocumentStatus
    provider_status: str | None
    created_at: str | None = None
    updated_at: str | None = None
    signers: list[Signer] = field(default_factory=list)
    files: DocumentFiles = field(default_factory=DocumentFiles)
    deleted: bool = False
    parent_id: str | None = None
    # Added for issue #13; null where the provider has no such field.
    external_id: str | None = None
    rejected_reason: str | None = None
    lang: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class SignatureRequest(Model):
    """What `request create` / `request update` learned. `document_id` and `status` are left
    out of the output when the provider's answer does not carry them: an invented "pending"
    or a null ID would be read by scripts as the provider's word."""

    provider: str
    request_id: str
    document_id: str | None = None
    status: DocumentStatus | None = None
    sign_url: str | None = None
    sign_urls: list[str] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    # The webhook bound to the new document (ZapSign --callback-url): a second call.
    webhook_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for unknown in ("document_id", "status", "webhook_id"):
            if data[unknown] is None:
                del data[unknown]
        return data


@dataclass
class Deletion(Model):
    """What a delete did: the object is gone (or soft-deleted) on the provider."""

    provider: str
    id: str
    kind: Literal["document", "request", "signer", "webhook"]
    deleted: bool = True
    # Soft (ZapSign): marked deleted and still readable, and signing is not stopped by it.
    soft: bool = False


@dataclass
class Webhook(Model):
    """One webhook registered on the provider's account (ZapSign). `event` is null for
    "every document event"; `headers` names the headers sent with each delivery, never
    their values."""

    provider: str
    id: str
    url: str
    event: str | None = None
    document_id: str | None = None
    headers: list[str] = field(default_factory=list)


@dataclass
class Webhooks(Model):
    """The webhooks one `webhook create` registered (one per event); JSON is the list, so
    its shape does not depend on how many events were asked for."""

    webhooks: list[Webhook]

    def to_dict(self) -> Any:
        return [hook.to_dict() for hook in self.webhooks]


@dataclass
class WebhookEvent(Model):
    """One delivery a `webhook listen` receiver accepted: the provider's event, normalized
    where it can be, with the payload as it came. `forwarded` and `saved` appear only when
    the receiver forwards or saves."""

    received_at: str
    provider: str | None
    event: str | None
    document_id: str | None
    status: DocumentStatus | None
    signer: Signer | None
    payload: Any
    forwarded: dict[str, Any] | None = None
    saved: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for optional in ("forwarded", "saved"):
            if data[optional] is None:
                del data[optional]
        return data


@dataclass
class DownloadResult(Model):
    path: str
    bytes: int
    sha256: str
    content_type: str | None
    id: str | None = None
    # The activity report saved beside it (`doc download --with-audit`); left out otherwise.
    audit: DownloadResult | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.audit is None:
            del data["audit"]
        else:
            data["audit"] = self.audit.to_dict()
        return data


@dataclass
class PresignedUrl(Model):
    url: str
    expires_at: str | None


@dataclass
class SignatureRequestCanceled(Model):
    """What `request cancel` did: the provider accepted the cancellation. Its answer carries
    no state (ZapSign processes a cancel asynchronously), so none is printed: `doc info`
    reads it."""

    provider: str
    request_id: str
    document_id: str
    canceled: bool = True
    reason: str | None = None
    signers_notified: bool = False
    message: str | None = None  # the provider's own words


@dataclass
class SignerList(Model):
    """A document's signers (`signer list`); JSON is the list of signers."""

    document_id: str
    signers: list[Signer] = field(default_factory=list)

    def to_dict(self) -> Any:
        return [signer.to_dict() for signer in self.signers]


@dataclass
class AuditEvent(Model):
    """One entry of a document's activity history, in the provider's words."""

    time: str | None
    user: str | None
    event: str | None
    description: str | None


@dataclass
class AuditTrail(Model):
    """A document's activity history, oldest first; JSON is the list of events."""

    document_id: str
    events: list[AuditEvent] = field(default_factory=list)

    def to_dict(self) -> Any:
        return [event.to_dict() for event in self.events]


@dataclass
class Template(Model):
    """A document template the provider fills in to create documents (ZapSign's DOCX
    models)."""

    provider: str
    id: str
    name: str | None
    type: str | None = None
    active: bool | None = None
    lang: str | None = None
    folder_path: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass
class TemplateList(Model):
    """Templates (`template list`); JSON is the list of templates."""

    templates: list[Template] = field(default_factory=list)

    def to_dict(self) -> Any:
        return [template.to_dict() for template in self.templates]


@dataclass
class Account(Model):
    """What the account has left and has used. Only what the provider says: the rest is
    null (ZapSign tells its plan; OKdokument counts signature requests, files, downloads and
    deletions)."""

    provider: str
    # What is left to spend: ZapSign's credits, OKdokument's available signature requests.
    credits: int | None = None
    plan: str | None = None
    plan_status: str | None = None  # ZapSign: paid, pending_payment, unpaid, canceled
    period: str | None = None  # ZapSign: monthly, annual
    period_end: str | None = None  # ISO-8601 date when the provider's form is known
    account: str | None = None  # OKdokument: the account name its counters carry
    used: int | None = None  # OKdokument: signature requests used so far
    # OKdokument's totals and this month's counts: signature_requests, files, downloaded,
    # deleted (and stored_files in the totals).
    totals: dict[str, int] = field(default_factory=dict)
    month: str | None = None  # the month of `this_month`, YYYY-MM
    this_month: dict[str, int] = field(default_factory=dict)


@dataclass
class Record(Model):
    """A titled set of fields (a profile, an auth status); JSON is just the fields."""

    title: str
    fields: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.fields


@dataclass
class Records(Model):
    """Rows with named columns (the profile list); JSON is the list of rows."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    empty: str = "Nothing to show."

    def to_dict(self) -> Any:
        return self.rows


Shown = TypeVar("Shown", bound=Model | list[Document])


@dataclass
class Outcome(Generic[Shown]):
    """A provider call's normalized result plus the provider's own body, for --raw."""

    model: Shown
    raw: Any = None
    notes: list[str] = field(default_factory=list)  # hints for stderr, e.g. "more pages"
    # Work of several calls that stopped part-way: `model` is what was done (and is printed),
    # this is what failed after it (an EsignError; the command exits with its code).
    failure: EsignError | None = None
