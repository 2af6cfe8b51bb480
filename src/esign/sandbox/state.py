"""State shared by every provider emulator: the journal of executed operations, the record of
outbound callbacks, the requests received and the traffic answered. Tests and benchmarks read
them through the admin API (`/_sandbox/...`)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class JournalEntry:
    provider: str
    operation: str
    id: str
    at: float


@dataclass
class CallbackRecord:
    provider: str
    url: str
    payload: Any
    status: int | None
    error: str | None
    at: float


@dataclass
class RequestRecord:
    """One request as it reached the sandbox: the undecoded path proves which endpoint an ID
    could (not) reach, and `credentials` which requests carried an API key or token."""

    method: str
    raw_path: str
    query: str
    credentials: bool
    at: float


PROVIDERS = ("okdokument", "zapsign", "indexhealth")


@dataclass
class Traffic:
    """What the sandbox answered, per provider, since it started (or was reset): the
    requests, the 429s among them, and the bytes of the bodies sent. A client's pacing and
    what a resumed or repeated download costs are measured by these."""

    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))
    answered_429: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))
    body_bytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))
    # The part of body_bytes that was files (answers neither JSON nor XML): what a download
    # costs, apart from the API's answers.
    file_bytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, 0))

    def json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SharedState:
    journal: list[JournalEntry] = field(default_factory=list)
    callbacks: list[CallbackRecord] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    traffic: Traffic = field(default_factory=Traffic)

    def record(self, provider: str, operation: str, object_id: str) -> None:
        """Note an operation the emulator really executed (a create that changed state)."""
        self.journal.append(JournalEntry(provider, operation, object_id, time.time()))

    def log_request(self, method: str, raw_path: str, query: str, credentials: bool) -> None:
        self.requests.append(RequestRecord(method, raw_path, query, credentials, time.time()))
        del self.requests[:-5000]  # bounded: a long-running sandbox must not grow forever

    def requests_json(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.requests]

    def journal_json(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.journal]

    def callbacks_json(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.callbacks]
