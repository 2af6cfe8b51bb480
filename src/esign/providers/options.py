"""What the commands ask of a provider: plain option objects, cheap to import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from esign.core.files.target import Target

if TYPE_CHECKING:
    from esign.core.cancel import Cancellation
    from esign.core.config.secret import Secret
    from esign.core.files.download import NameClaim


@dataclass(frozen=True)
class SignerSpec:
    name: str
    email: str | None = None


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

    @property
    def choice(self) -> FileChoice:
        return FileChoice(
            original=self.original, any_state=self.any_state, attachment=self.attachment
        )
