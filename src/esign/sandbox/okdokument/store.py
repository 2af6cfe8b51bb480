"""What the OKdokument emulator knows: API keys and whether the API is active for them (spec
§2), documents and their state machine (§5), signature requests, and the counters (§6.13)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from esign.sandbox.state import SharedState

PROVIDER = "okdokument"
# Documented `tags` processing is asynchronous; the emulator finishes it after this long.
TAG_PROCESSING_SECONDS = 1.0


def _demo_key(label: str, prefix: str) -> str:
    return f"{prefix}_{hashlib.sha256(label.encode()).hexdigest()}"


# Keys follow the documented shape ^[0-9a-f]{8,9}_[0-9a-f]{64,128}$ (spec §2).
DEMO_API_KEY = _demo_key("esign-sandbox-okdokument-demo", "5a4d0c1e")
# A key whose account has no API activation: every call answers 403.
FORBIDDEN_API_KEY = _demo_key("esign-sandbox-okdokument-forbidden", "0f0f0f0f")


@dataclass
class Doc:
    id: str
    owner: str
    filename: str
    state: str
    original: bytes
    created_ms: int
    modified: datetime
    number: str
    signed: bytes | None = None
    ready_at: float = 0.0  # for `tags`: when tag processing completes
    synthetic_size: int | None = None  # generated on the fly (large-download tests)

    def current_state(self) -> str:
        if self.state in ("tags", "preprocessing_tags") and time.time() >= self.ready_at:
            self.state = "tosign"
        return self.state

    def content(self) -> bytes:
        return self.signed if self.signed is not None else self.original


@dataclass
class SigRequest:
    id: str
    doc_id: str
    owner: str
    resulturl: str | None
    send_info_url: str | None
    expires_ms: int | None
    deleted: bool = False
    outcome: str | None = None  # "signed" | "canceled"
    rules: dict[str, str] = field(default_factory=dict)

    def expired(self) -> bool:
        return self.expires_ms is not None and time.time() * 1000 > self.expires_ms


@dataclass
class Counters:
    stored: int = 0
    used_requests: int = 0
    downloaded: int = 0
    deleted: int = 0
    available_requests: int = 1000


@dataclass
class OKdokumentStore:
    shared: SharedState
    keys: dict[str, bool] = field(
        default_factory=lambda: {DEMO_API_KEY: True, FORBIDDEN_API_KEY: False}
    )
    docs: dict[str, Doc] = field(default_factory=dict)
    requests: dict[str, SigRequest] = field(default_factory=dict)
    counters: dict[str, Counters] = field(default_factory=dict)
    # `esign sandbox serve --webhook-url`: the sendInfoURL of requests that give none (a
    # sandbox convenience: the real service calls back only when a request names a URL).
    default_send_info_url: str | None = None

    def new_doc(self, owner: str, filename: str | None, state: str, content: bytes) -> Doc:
        doc_id = new_document_id()
        now = datetime.now(UTC)
        doc = Doc(
            id=doc_id,
            owner=owner,
            filename=filename or f"{uuid.uuid4()}.pdf",
            state=state,
            original=content,
            created_ms=int(now.timestamp() * 1000),
            modified=now,
            number=str(int(now.timestamp() * 1000)),
            ready_at=time.time() + TAG_PROCESSING_SECONDS,
        )
        self.docs[doc_id] = doc
        self.counter(owner).stored += 1
        return doc

    def counter(self, owner: str) -> Counters:
        return self.counters.setdefault(owner, Counters())

    def doc_of(self, owner: str, doc_id: str) -> Doc | None:
        doc = self.docs.get(doc_id)
        return doc if doc is not None and doc.owner == owner else None

    def find_for_signing(self, some_id: str) -> tuple[Doc, SigRequest | None] | None:
        """A document by its id or by one of its signature request ids (any key)."""
        if some_id in self.requests:
            req = self.requests[some_id]
            doc = self.docs.get(req.doc_id)
            return (doc, req) if doc else None
        doc = self.docs.get(some_id)
        if doc is None:
            return None
        live = [r for r in self.requests.values() if r.doc_id == doc.id and not r.deleted]
        return doc, (live[-1] if live else None)


def new_document_id() -> str:
    """39 URL-safe characters, as in the examples. Real IDs may start with '-' (users then
    write `esign doc info -- -abc`); the sandbox spares its users that."""
    while True:
        candidate = secrets.token_urlsafe(30)[:39]
        if not candidate.startswith("-"):
            return candidate
