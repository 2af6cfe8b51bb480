"""The manifest of an archive directory kept by `esign doc sync`: `.esign-sync.json`, one entry
per document (ID, provider, file name, bytes, sha256, the document's `updated_at`, when it was
synced), so that a rerun knows what it already holds.

It is rewritten whole, atomically (a new temporary file, fsync, rename), once for each file
that arrives, and before that file is moved into place: whatever stops esign, the manifest on
disk is complete and never names a file esign did not finish. A file recorded but not yet moved
(stopped between the two) is still there under its temporary name, and the next run moves it
into place when its hash is the one recorded (`adopt_parts`), instead of downloading it again;
so is one only journaled (`.esign-sync.journal`: finished, waiting for the next rewrite, when
a SIGKILL came).
Files that finish together share one rewrite (a group commit), made on a thread of its own
while the downloads go on: a rewrite costs an fsync, and 2,000 documents must not mean 2,000
of them back to back, each holding a download up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from esign.core.errors import EsignError, InterruptedByUser, UsageError
from esign.core.files.names import PART_SUFFIX
from esign.core.files.partfiles import PART_FILES, write_error

MANIFEST_NAME = ".esign-sync.json"
FORMAT = 1
# A temporary file of this project: `NAME.XXXXXXXX.part` (esign.core.files.partfiles).
_PART = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{8}" + re.escape(PART_SUFFIX) + "$")
# The manifest of a very large archive is still read whole; beyond this it is not one.
MAX_MANIFEST_BYTES = 256 << 20
# How long a stop waits for a manifest rewrite under way before removing temporary files.
STOP_WAIT = 2.0
# Each finished download, one JSON line, appended the moment it is handed to the recorder:
# a run killed (SIGKILL) before the group commit recorded it leaves its temporary file named
# here, and the next run adopts it instead of fetching it again. Written without fsync: the
# kernel keeps a killed process's writes; only a power cut loses them, and then the file
# is simply fetched again.
JOURNAL_NAME = ".esign-sync.journal"


@dataclass(frozen=True)
class Scope:
    """What an archive directory mirrors: one provider account's documents (one collection
    for IndexHealth). Another scope in the same directory would read as deletions."""

    provider: str
    base_url: str
    collection: str | None


# An entry's fields a manifest must have (`status` came later: optional).
REQUIRED = ("id", "provider", "file", "bytes", "sha256", "updated_at", "synced_at", "mtime_ns")


@dataclass(frozen=True)
class Entry:
    id: str
    provider: str
    file: str
    bytes: int
    sha256: str
    updated_at: str | None
    synced_at: str
    # The file's modification time when synced: an unchanged size and time spare re-hashing
    # it on every run (git's and rsync's quick check); --verify hashes anyway.
    mtime_ns: int
    # The document's status then: `updated_at` is to the second (OKdokument's own, and the
    # normalized form), and a document signed within the second it was listed in must still
    # read as changed.
    status: str | None = None

    def text(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


class Manifest:
    def __init__(self, directory: Path, scope: Scope, entries: dict[str, Entry]) -> None:
        self.directory = directory
        self.path = directory / MANIFEST_NAME
        self.scope = scope
        self._entries = entries
        # Each entry's JSON, made once: a rewrite joins them instead of encoding them all.
        self._texts = {key: entry.text() for key, entry in entries.items()}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path, scope: Scope) -> Manifest:
        path = directory / MANIFEST_NAME
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_MANIFEST_BYTES + 1)
        except FileNotFoundError:
            return cls(directory, scope, {})
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        entries = _parse(path, raw, scope)
        return cls(directory, scope, entries)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries.values())

    def get(self, document_id: str) -> Entry | None:
        with self._lock:
            return self._entries.get(document_id)

    def put(self, entry: Entry) -> None:
        with self._lock:
            self._entries[entry.id] = entry
            self._texts[entry.id] = entry.text()

    def drop(self, document_id: str) -> None:
        with self._lock:
            self._entries.pop(document_id, None)
            self._texts.pop(document_id, None)

    def restore(self, document_id: str, previous: Entry | None) -> None:
        if previous is None:
            self.drop(document_id)
        else:
            self.put(previous)

    def save(self) -> None:
        """Write the whole manifest atomically: a new temporary file beside it, fsynced, then
        renamed over it. Interrupted anywhere, the old manifest or the new one is there."""
        with self._lock:
            order = sorted(self._entries, key=lambda key: (self._entries[key].file, key))
            documents = ",\n    ".join(self._texts[key] for key in order)
        scope = self.scope
        head = json.dumps(
            {
                "format": FORMAT,
                "provider": scope.provider,
                "base_url": scope.base_url,
                "collection": scope.collection,
            },
            ensure_ascii=False,
        )
        text = head[:-1] + (
            ', "documents": [\n    ' + documents + "\n]}\n" if order else ', "documents": []}\n'
        )
        data = text.encode("utf-8")
        try:
            sink, part = PART_FILES.create(self.path)
        except OSError as exc:
            raise write_error(exc, self.path) from None
        try:
            with sink:
                sink.write(data)
                sink.flush()
                os.fsync(sink.fileno())
            PART_FILES.commit(part, self.path, replace=True)
        except OSError as exc:
            PART_FILES.discard(part)
            raise write_error(exc, self.path) from None
        except BaseException:
            PART_FILES.discard(part)
            raise


def _parse(path: Path, raw: bytes, scope: Scope) -> dict[str, Entry]:
    hint = (
        f"move {path.name} away to start a new archive there (files already in the "
        "directory are then kept, and documents get new names beside them)"
    )
    if len(raw) > MAX_MANIFEST_BYTES:
        raise UsageError(f"{path} is larger than {MAX_MANIFEST_BYTES >> 20} MiB", hint=hint)
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a format-1 sync manifest")
        documents = data["documents"]
        if not isinstance(documents, list):
            raise ValueError("documents is not a list")
        entries = {}
        for item in documents:
            if not isinstance(item, dict):
                raise ValueError("an entry is not an object")
            missing = [key for key in REQUIRED if key not in item]
            if missing:
                raise ValueError(f"an entry has no {', '.join(missing)}")
            entry = Entry(**{key: item[key] for key in REQUIRED}, status=item.get("status"))
            if not _well_typed(entry):
                raise ValueError(f"an entry's fields have the wrong types: {item!r:.200}")
            if not _plain_name(entry.file):
                raise ValueError(f"entry {entry.id!r} has no usable file name")
            entries[entry.id] = entry
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path} is not a sync manifest esign can read: {exc}", hint=hint
        ) from None
    theirs = (data.get("provider"), data.get("base_url"), data.get("collection"))
    ours = (scope.provider, scope.base_url, scope.collection)
    if theirs != ours:
        where = f"{theirs[0]} at {theirs[1]}" + (f", collection {theirs[2]}" if theirs[2] else "")
        raise UsageError(
            f"{path.parent} is the archive of {where}, not of this profile's "
            f"{scope.provider} at {scope.base_url}"
            + (f", collection {scope.collection}" if scope.collection else ""),
            hint="sync each provider account (and collection) into its own directory",
        )
    return entries


def _well_typed(entry: Entry) -> bool:
    texts = (entry.id, entry.provider, entry.file, entry.sha256, entry.synced_at)
    numbers = (entry.bytes, entry.mtime_ns)
    return (
        all(isinstance(text, str) for text in texts)
        and bool(entry.id)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
        and all(v is None or isinstance(v, str) for v in (entry.updated_at, entry.status))
    )


def _plain_name(name: object) -> bool:
    """A name esign would write: one path component, nothing a manifest edited by hand could
    use to reach outside the directory."""
    return (
        isinstance(name, str)
        and bool(name)
        and name not in (".", "..", MANIFEST_NAME, JOURNAL_NAME)
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and not name.endswith(PART_SUFFIX)
    )


def file_digest(path: Path) -> tuple[str, int] | None:
    """(sha256, size) of a regular file, never through a symlink; None when there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        import stat

        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        digest = hashlib.sha256()
        size = 0
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def matches(entry: Entry, path: Path, *, verify: bool) -> bool:
    """Whether the file is still what was synced: the same size and modification time, or,
    when those changed (or with `verify`), the same sha256."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    import stat

    if not stat.S_ISREG(info.st_mode) or info.st_size != entry.bytes:
        return False
    if info.st_mtime_ns == entry.mtime_ns and not verify:
        return True
    found = file_digest(path)
    return found is not None and found[0] == entry.sha256


def stale_parts(directory: Path) -> list[Path]:
    """The temporary files an interrupted run left in the directory."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [directory / name for name in names if _PART.match(name)]


def adopt_parts(manifest: Manifest, *, verify: bool) -> list[Entry]:
    """Move into place each file the manifest or the journal records whose download finished
    in a run that stopped before moving it (a temporary file holds exactly the recorded
    bytes); then remove every other temporary file of an interrupted run, and the journal.
    Returns the entries adopted (the caller saves the manifest)."""
    directory = manifest.directory
    parts: dict[Path, int] = {}
    for part in stale_parts(directory):
        with contextlib.suppress(OSError):
            parts[part] = os.lstat(part).st_size
    recorded = manifest.entries()
    journaled = [
        entry for entry in read_journal(directory, manifest.scope) if entry not in recorded
    ]
    digests: dict[Path, tuple[str, int] | None] = {}
    adopted: list[Entry] = []
    for entry in recorded + journaled:
        candidates = [part for part, size in parts.items() if size == entry.bytes]
        if not candidates or matches(entry, directory / entry.file, verify=verify):
            continue
        for part in candidates:
            if part not in digests:
                digests[part] = file_digest(part)
            if digests[part] == (entry.sha256, entry.bytes):
                os.replace(part, directory / entry.file)
                del parts[part]
                mtime = os.stat(directory / entry.file).st_mtime_ns
                manifest.put(_with_mtime(entry, mtime))
                adopted.append(entry)
                break
    for part in parts:
        with contextlib.suppress(OSError):
            part.unlink()
    return adopted


def read_journal(directory: Path, scope: Scope) -> list[Entry]:
    """The entries a killed run journaled, last one for a document winning. A line cut by
    the kill, or one that is not an entry of this scope, is skipped: the journal only says
    which temporary files to hash, and a file is adopted only when its sha256 is the one
    written here."""
    import stat

    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK  # a FIFO never blocks
    try:
        fd = os.open(directory / JOURNAL_NAME, flags)
    except OSError:
        return []
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return []
        raw = handle.read(MAX_MANIFEST_BYTES)
    ours = _scope_key(scope)
    found: dict[str, Entry] = {}
    for line in raw.splitlines():
        try:
            item = json.loads(line)
            if item.get("scope") != ours:  # another account's or collection's download
                continue
            entry = Entry(**{key: item[key] for key in REQUIRED}, status=item.get("status"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if _well_typed(entry) and _plain_name(entry.file):
            found[entry.id] = entry
    return list(found.values())


def _scope_key(scope: Scope) -> list[str | None]:
    return [scope.provider, scope.base_url, scope.collection]


def remove_journal(directory: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(directory / JOURNAL_NAME)


class Journal:
    """The append-only list of downloads handed to the recorder (see JOURNAL_NAME)."""

    def __init__(self, directory: Path, scope: Scope) -> None:
        self.path = directory / JOURNAL_NAME
        self._scope = _scope_key(scope)
        self._fd: int | None = None
        self._lock = threading.Lock()

    def append(self, entry: Entry) -> None:
        item = {**asdict(entry), "scope": self._scope}
        line = (json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
                try:
                    self._fd = os.open(self.path, flags, 0o600)
                except OSError:
                    return  # only an optimisation for a killed run: never a reason to fail
            with contextlib.suppress(OSError):
                os.write(self._fd, line)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _with_mtime(entry: Entry, mtime_ns: int) -> Entry:
    return Entry(**{**asdict(entry), "mtime_ns": mtime_ns})


class Recorder:
    """Records finished downloads in the manifest, then moves each into place, on a thread of
    its own: a worker hands its file over and goes on to the next download.

    Each rewrite covers every file handed over since the last one (a group commit), so the
    manifest is rewritten as often as the disk allows, not once per file in a queue. `close()`
    on a stop lets a rewrite under way finish and its files be moved, so that the temporary
    files a stop then removes are never ones the manifest names.
    """

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.journal = Journal(manifest.directory, manifest.scope)
        self._changed = threading.Condition()
        self._waiting: list[Ticket] = []
        self._writing = False
        self._closed = False
        self.writes = 0
        self._thread = threading.Thread(target=self._run, name="esign-manifest", daemon=True)
        self._thread.start()

    def submit(self, entry: Entry, part: Path, final: Path, *, replace: bool) -> Ticket:
        """Record `entry`, then move `part` to `final` (over an existing file with
        `replace`); the ticket says when that is done, or why it failed."""
        ticket = Ticket(entry, part, final, replace)
        with self._changed:
            if self._closed:
                PART_FILES.discard(part)
                raise InterruptedByUser("interrupted; the partial download was removed")
            self.journal.append(entry)
            self._waiting.append(ticket)
            self._changed.notify_all()
        return ticket

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                batch, self._waiting = self._waiting, []
                self._writing = True
            try:
                self._write(batch)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    def _write(self, batch: list[Ticket]) -> None:
        manifest = self.manifest
        previous = {t.entry.id: manifest.get(t.entry.id) for t in batch}
        for ticket in batch:
            manifest.put(ticket.entry)
        try:
            manifest.save()
            self.writes += 1
        except BaseException as exc:  # each worker's ticket carries it
            for ticket in batch:
                manifest.restore(ticket.entry.id, previous[ticket.entry.id])
                PART_FILES.discard(ticket.part)
                ticket.finish(exc)
            return
        failed = False
        for ticket in batch:
            try:
                PART_FILES.commit(ticket.part, ticket.final, replace=ticket.replace)
            except BaseException as exc:
                manifest.restore(ticket.entry.id, previous[ticket.entry.id])
                PART_FILES.discard(ticket.part)
                ticket.finish(_as_error(exc, ticket.final))
                failed = True
            else:
                ticket.finish(None)
        if failed:
            # The manifest must not name a file that was not moved into place.
            with contextlib.suppress(EsignError):
                manifest.save()

    def close(self) -> None:
        """No rewrite starts after this; one under way finishes (for a short while), and the
        files still waiting fail as interrupted (their temporary files go with the stop)."""
        import time

        deadline = time.monotonic() + STOP_WAIT
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            while self._writing and time.monotonic() < deadline:
                self._changed.wait(0.05)
            waiting, self._waiting = self._waiting, []
        for ticket in waiting:
            ticket.finish(InterruptedByUser("interrupted; the partial download was removed"))
        # Every file handed over is now recorded, or failed and its temporary file goes with
        # the stop: nothing is left for a journal to tell.
        self.journal.close()
        remove_journal(self.manifest.directory)


def _as_error(exc: BaseException, path: Path) -> BaseException:
    return write_error(exc, path) if isinstance(exc, OSError) else exc


class Ticket:
    """One file handed to the recorder: `wait()` returns once it is recorded and in place."""

    def __init__(self, entry: Entry, part: Path, final: Path, replace: bool) -> None:
        self.entry = entry
        self.part = part
        self.final = final
        self.replace = replace
        self._done = threading.Event()
        self._error: BaseException | None = None

    def finish(self, error: BaseException | None) -> None:
        self._error = error
        self._done.set()

    def wait(self) -> None:
        while not self._done.wait(0.1):  # in steps: Ctrl-C stays heard
            pass
        if self._error is not None:
            raise self._error


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the directory for this run (flock on the directory itself: no lock file left
    behind). A second sync into it meanwhile is refused, not interleaved."""
    import fcntl

    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise UsageError(f"cannot open {directory}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(
                f"another esign doc sync is writing into {directory}",
                hint="wait for it to finish; two syncs into one directory would fetch twice",
            ) from None
        yield
    finally:
        os.close(fd)
