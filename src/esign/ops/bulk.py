"""Many documents at once: a bounded pool where one failure does not stop the others, and
Ctrl-C (or SIGTERM) stops all of them within a second."""

from __future__ import annotations

import functools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from esign.core.cancel import Cancellation
from esign.core.errors import EsignError, InterruptedByUser, UnexpectedError, UsageError
from esign.core.files.names import with_digest, with_id

T = TypeVar("T")

# How long a stop waits for the workers to notice before the process goes on without them
# (their temporary files are removed by the caller either way).
STOP_GRACE = 0.5


@dataclass
class BulkItem(Generic[T]):
    id: str
    result: T | None
    error: EsignError | None


def read_ids(arguments: Iterable[str], from_text: str | None) -> list[str]:
    """IDs from the arguments and from `--from` text (one per line; blank lines and `#`
    comments skipped), each once, in order."""
    ids = list(arguments)
    if from_text is not None:
        for line in from_text.splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                ids.append(stripped)
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise UsageError("no document IDs given", hint="pass IDs as arguments or with --from FILE")
    return unique


def run_pool(
    ids: Iterable[str],
    jobs: int,
    work: Callable[[str, Cancellation], T],
    on_done: Callable[[BulkItem[T]], None],
    cancel: Cancellation | None = None,
) -> list[BulkItem[T]]:
    """Run `work(id, cancel)` for every ID on `jobs` threads; `on_done` sees each item, in the
    calling thread, as it completes. `ids` may still be arriving (a list read page by page):
    the workers take them in order as they come.

    The workers are daemon threads. When the calling thread is stopped (KeyboardInterrupt,
    which esign's SIGTERM and SIGHUP handlers raise too), `cancel` is set, which aborts the
    transfers in flight, and the workers get `STOP_GRACE` seconds to notice: a worker stuck
    in a read does not keep the process waiting for --timeout.
    """
    cancel = cancel or Cancellation()
    source = iter(ids)
    taking = threading.Lock()
    done: queue.SimpleQueue[BulkItem[T] | None] = queue.SimpleQueue()

    def next_id() -> str | None:
        with taking:  # one at a time: an iterator being filled is not safe to share
            return next(source, None)

    def worker() -> None:
        try:
            while not cancel.is_set():
                document_id = next_id()
                if document_id is None:
                    return
                done.put(_item(document_id, functools.partial(work, document_id, cancel)))
        finally:
            done.put(None)  # this worker is finished

    count = len(ids) if isinstance(ids, Sized) else jobs
    threads = [
        threading.Thread(target=worker, name=f"esign-download-{n}", daemon=True)
        for n in range(max(1, min(jobs, count)))
    ]
    for thread in threads:
        thread.start()
    items: list[BulkItem[T]] = []
    running = len(threads)
    try:
        while running:
            try:
                # A short wait, again and again: a signal the kernel hands to a worker thread
                # reaches Python's handler only when the main thread runs again.
                item = done.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                running -= 1
                continue
            items.append(item)
            on_done(item)
    except BaseException:
        cancel.set()
        deadline = time.monotonic() + STOP_GRACE
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        raise
    return items


def _item(document_id: str, run: Callable[[], T]) -> BulkItem[T]:
    try:
        return BulkItem(document_id, run(), None)
    except EsignError as err:
        return BulkItem(document_id, None, err)
    except Exception as exc:  # one broken download must not hide the others' results
        failure = UnexpectedError(f"unexpected failure: {type(exc).__name__}: {exc}")
        return BulkItem(document_id, None, failure)


class NameClaims:
    """File names for a pool of downloads into one directory.

    A name several documents share goes unchanged to the one listed first (the downloads
    list them in ID order, so the smallest ID); each other gets
    its ID before the extension. A download's final name is decided only once every document
    listed before it has proposed its own (or failed), so the outcome never depends on which
    finished first: a rerun with --force writes every document to the same file as before.
    """

    def __init__(self, ids: list[str], cancel: Cancellation) -> None:
        self._ids = ids
        self._index = {document_id: n for n, document_id in enumerate(ids)}
        self._cancel = cancel
        self._proposed: dict[int, Path | None] = {}
        self._uncontested: dict[int, bool] = {}
        self._frontier = 0  # every index below it has proposed
        self._finals: list[Path | None] = []
        self._taken: set[Path] = set()
        self._changed = threading.Condition()

    def for_id(self, document_id: str) -> DocumentName:
        return DocumentName(self, self._index[document_id])

    def _propose(self, index: int, path: Path | None) -> bool:
        with self._changed:
            if index in self._proposed:
                # A retried transfer keeps the name its first attempt proposed.
                return self._uncontested.get(index, True)
            first = path not in self._proposed.values()
            self._uncontested[index] = first
            self._proposed[index] = path
            while self._frontier in self._proposed:
                self._frontier += 1
            self._changed.notify_all()
            return first

    def _settle(self, index: int) -> Path:
        with self._changed:
            while self._frontier < index:
                if self._cancel.is_set():
                    raise InterruptedByUser("interrupted; the partial download was removed")
                self._changed.wait(0.1)
            while len(self._finals) <= index:
                self._finals.append(self._decide(len(self._finals)))
            final = self._finals[index]
        assert final is not None, "a download settles only after proposing"
        return final

    def _decide(self, index: int) -> Path | None:
        path = self._proposed[index]
        if path is None:
            return None
        document_id = self._ids[index]
        candidates = [
            path.name,
            with_id(path.name, document_id),
            with_digest(path.name, document_id),
        ]
        chosen = next(
            (c for c in candidates if path.with_name(c) not in self._taken), candidates[-1]
        )
        final = path.with_name(chosen)
        self._taken.add(final)
        return final


class DocumentName:
    """One document's part in `NameClaims` (esign.core.files.download.NameClaim)."""

    def __init__(self, claims: NameClaims, index: int) -> None:
        self._claims = claims
        self._index = index

    def propose(self, path: Path) -> bool:
        return self._claims._propose(self._index, path)

    def settle(self) -> Path:
        return self._claims._settle(self._index)

    def release(self) -> None:
        """No file for this document (it failed): those after it need not wait for it."""
        self._claims._propose(self._index, None)
