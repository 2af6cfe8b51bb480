"""What the OKdokument emulator knows: API keys and whether the API is active for them (spec
§2), documents and their state machine (§5), signature requests, and the counters (§6.13)."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from esign.sandbox.okdokument.conventions import local_time
from esign.sandbox.pdf import watermark_pdf
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
    ready_at: float = 0.0  # for `tags` and `tostamp`: when pre-processing completes
    synthetic_size: int | None = None  # generated on the fly (large-download tests)

    def current_state(self) -> str:
        if self.state in ("tags", "preprocessing_tags") and time.time() >= self.ready_at:
            self.state = "tosign"
        if self.state == "tostamp" and time.time() >= self.ready_at:
            # The stamp is inserted, then the document is ready to sign: what follows
            # tostamp is not documented (spec §5); tosign is the emulator's reading.
            with contextlib.suppress(ValueError):  # a PDF pypdf cannot read stays as it is
                self.original = watermark_pdf(
                    self.original, text="Digital stamp", reason="OKdokument tostamp"
                )
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
    allowed_fields: dict[str, Any] = field(default_factory=dict)
    # OTP for opening (spec §10, 5.7): the code sent, and whether the signer entered it.
    otp_code: str | None = None
    otp_verified: bool = False

    def otp_destination(self) -> str | None:
        return self.rules.get("openOtpEmail") or self.rules.get("openOtpPhone") or None

    def expired(self) -> bool:
        return self.expires_ms is not None and time.time() * 1000 > self.expires_ms


# What the counter counts (spec §6.13): per event, its total key (after the account name)
# and its monthly section. The mapping is the key names' (inferred, as the spec says).
COUNTED = {
    "file": ("storedFiles", "files"),
    "request": ("usedSignatureRequests", "signatureRequests"),
    "download": ("downloaded", "downloaded"),
    "delete": ("deleted.f", "deleted.f"),
}


@dataclass
class Counters:
    """An account's counters: totals, and per month `<year>.<month>` (Bratislava time)."""

    available_requests: int = 1000  # grows only when a package is bought
    totals: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in COUNTED.values()})
    months: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, event: str, month: str) -> None:
        total, section = COUNTED[event]
        self.totals[total] += 1
        bucket = self.months.setdefault(month, {s: 0 for _, s in COUNTED.values()})
        bucket[section] += 1
        if event == "request":
            self.available_requests -= 1


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
        self.count(owner, "file")
        return doc

    def counter(self, owner: str) -> Counters:
        return self.counters.setdefault(owner, Counters())

    def count(self, owner: str, event: str) -> None:
        """One thing the emulator did, in the account's counters (spec §6.13)."""
        month = local_time(datetime.now(UTC))[:7]  # "2026-04", Bratislava time
        year, number = month.split("-")
        self.counter(owner).count(event, f"{year}.{int(number)}")

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
