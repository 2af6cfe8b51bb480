"""Many documents at once: a bounded pool where one failure does not stop the others, and
Ctrl-C stops all of them cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from esign.core.errors import EsignError, UnexpectedError, UsageError

T = TypeVar("T")


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
    ids: list[str],
    jobs: int,
    work: Callable[[str, threading.Event], T],
    on_done: Callable[[BulkItem[T]], None],
) -> list[BulkItem[T]]:
    """Run `work(id, cancel)` for every ID on `jobs` threads; `on_done` sees each item, in the
    calling thread, as it completes."""
    cancel = threading.Event()
    items: list[BulkItem[T]] = []
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="esign-download")
    futures: dict[Future[T], str] = {pool.submit(work, i, cancel): i for i in ids}
    try:
        for future in as_completed(futures):
            item = _item(futures[future], future)
            items.append(item)
            on_done(item)
    except BaseException:
        # Ctrl-C (or a failing on_done): tell the workers to stop between chunks; each removes
        # its partial file on the way out.
        cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return items


def _item(document_id: str, future: Future[T]) -> BulkItem[T]:
    try:
        return BulkItem(document_id, future.result(), None)
    except EsignError as err:
        return BulkItem(document_id, None, err)
    except Exception as exc:  # one broken download must not hide the others' results
        failure = UnexpectedError(f"unexpected failure: {type(exc).__name__}: {exc}")
        return BulkItem(document_id, None, failure)


class NameClaims:
    """Keeps concurrent downloads into one directory from choosing the same file name."""

    def __init__(self) -> None:
        self._taken: set[Path] = set()
        self._lock = threading.Lock()

    def for_id(self, document_id: str) -> Callable[[Path], Path]:
        def claim(path: Path) -> Path:
            with self._lock:
                if path in self._taken:
                    tag = "".join(ch for ch in document_id if ch.isalnum())[:12] or "doc"
                    path = path.with_name(f"{path.stem}-{tag}{path.suffix}")
                self._taken.add(path)
                return path

        return claim
