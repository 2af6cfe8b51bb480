"""Normalized models: the same field names whatever the provider (DESIGN §4).

These are the contract scripts rely on (`jq .status`), so fields are only ever added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from esign.core.statuses import DOCUMENT_STATUSES as DOCUMENT_STATUSES

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

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for unknown in ("document_id", "status"):
            if data[unknown] is None:
                del data[unknown]
        return data


@dataclass
class Deletion(Model):
    """What a delete did: the object is gone (or soft-deleted) on the provider."""

    provider: str
    id: str
    kind: Literal["document", "request"]
    deleted: bool = True
    # Soft (ZapSign): marked deleted and still readable, and signing is not stopped by it.
    soft: bool = False


@dataclass
class DownloadResult(Model):
    path: str
    bytes: int
    sha256: str
    content_type: str | None
    id: str | None = None


@dataclass
class PresignedUrl(Model):
    url: str
    expires_at: str | None


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
