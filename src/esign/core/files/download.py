"""Streamed, atomic downloads (ARCHITECTURE.md §7); knows nothing of providers.

The body goes to a new temporary file beside the target (esign.core.files.partfiles) and is moved
into place only once it is complete, so a failure, a short body or Ctrl-C never leaves a file
that looks finished, and nothing planted or raced is ever written through.

A body that breaks off is resumed, as pip and curl do, where the server allows it: the next
attempt asks for the rest (`Range`), only if the file is still the same one (`If-Range` with
its ETag or Last-Modified), and takes the answer only if its `Content-Range` starts where the
kept bytes end and ends where the first answer said the file does; the kept prefix is hashed
again from the disk. A server that ignores the range answers the whole file, which then
replaces the prefix.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from esign.core.errors import (
    EsignError,
    InterruptedByUser,
    MalformedResponseError,
    NetworkError,
    UsageError,
)
from esign.core.files.names import filename_from_disposition as filename_from_disposition
from esign.core.files.names import fit_name
from esign.core.files.names import safe_filename as safe_filename
from esign.core.files.partfiles import PART_FILES, write_error
from esign.core.files.target import Target
from esign.core.models import DownloadResult
from esign.core.output.streams import IOStreams

if TYPE_CHECKING:
    import httpx

    from esign.core.cancel import Cancellation
    from esign.core.http.client import HttpClient

CHUNK_SIZE = 1 << 16
# Bodies up to this size are written on the receiving thread (see _Writer).
INLINE_WRITE = 1 << 20
# Seconds without a byte after which the progress bar says "stalled" instead of a rate.
STALLED_AFTER = 3.0


@dataclass(frozen=True)
class DownloadSource:
    """Where a provider says a document's bytes are."""

    url: str
    document_id: str
    authenticated: bool = True  # False for presigned URLs: credentials never go there
    default_extension: str = ".pdf"
    # What the body must start with (a PDF's "%PDF-"), when the provider promises a type: a
    # proxy's error page or an error envelope answered with 200 must not become contract.pdf.
    expect_prefix: bytes | None = b"%PDF-"
    # Content types that are an API's answer, never a stored document of this provider.
    refuse_types: tuple[str, ...] = ("text/html",)
    # Content types of the provider's own answer envelope: read by its error parser whatever
    # the status, so a 200 carrying an error says that error (IndexHealth's JSON envelope).
    answer_types: tuple[str, ...] = ()


class NameClaim(Protocol):
    """How a download into a directory gets its final name: it proposes the server's name
    when the headers arrive, and learns the name to use once the body is complete (a pool
    may have to give a shared name to another document)."""

    def propose(self, path: Path) -> bool:
        """Returns False when another download of this run proposed the same name first: a
        file there may be that download's, so only the final move can tell."""
        ...

    def settle(self) -> Path: ...

    def release(self) -> None: ...


class OwnName:
    """One download alone: the name it proposes is the name it gets."""

    def __init__(self) -> None:
        self._path: Path | None = None

    def propose(self, path: Path) -> bool:
        self._path = path
        return True

    def settle(self) -> Path:
        assert self._path is not None
        return self._path

    def release(self) -> None:
        return


class PartCommit(Protocol):
    """Moves a complete temporary file to its final name (by default PART_FILES.commit); a
    caller that must record the file first (a sync manifest) does it here."""

    def __call__(self, part: Path, final: Path, digest: str, size: int) -> None: ...


def _server_name(response: httpx.Response, source: DownloadSource) -> str:
    # The raw header bytes: a plain filename="..." in UTF-8 must not turn into mojibake.
    raw = next((v for k, v in response.headers.raw if k.lower() == b"content-disposition"), None)
    suggested = safe_filename(filename_from_disposition(raw), source.default_extension)
    return suggested or _default_name(source)


def _default_name(source: DownloadSource) -> str:
    base = safe_filename(source.document_id.replace("/", "_"), "") or "document"
    return fit_name(base, source.default_extension)


def download(
    http: HttpClient,
    source: DownloadSource,
    target: Target,
    *,
    streams: IOStreams,
    force: bool,
    progress: bool,
    error_for: Callable[[httpx.Response], EsignError],
    cancel: Cancellation | None = None,
    claim: NameClaim | None = None,
    commit: PartCommit | None = None,
) -> DownloadResult:
    """Stream one document to `target`. `cancel` stops it (nothing is left behind); `claim`
    lets a pool of downloads into one directory keep their names apart; `commit` moves the
    complete file into place instead of PART_FILES.commit."""
    if target.kind == "stdout" and streams.stdout_is_tty and not force:
        raise UsageError(
            "refusing to write a binary document to the terminal",
            hint="use -o FILE, pipe the output, or add --force",
        )
    if target.kind == "file" and target.path is not None:
        _refuse_overwrite(target.path, force)
        if not target.path.parent.exists():
            raise UsageError(f"directory {target.path.parent} does not exist")
    if target.kind == "dir" and target.path is not None and not target.path.is_dir():
        raise UsageError(f"directory {target.path} does not exist")

    names = claim or OwnName()
    kept = _Partial()
    job = _Job(
        source,
        target,
        streams,
        force,
        progress,
        error_for,
        cancel,
        names,
        commit or _default_commit(force),
    )
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                return _transfer(http, job, kept)
            except BodyInterrupted as err:
                # The body broke off: a GET is safe to repeat, resuming from the bytes kept
                # when the server allows it. Not on stdout or a device, where the bytes
                # already written cannot be taken back.
                stopped = cancel is not None and cancel.is_set()
                streamed = target.kind in ("stdout", "device")
                if streamed or attempt >= http.max_attempts or stopped:
                    raise
                if progress and streams.stderr_is_tty:
                    # The bar above stops where the body broke off; a new one follows.
                    kept_bytes = kept.kept_bytes()
                    how = (
                        f"resuming the download after {kept_bytes:,} bytes"
                        if kept_bytes
                        else "restarting the download from the start"
                    )
                    streams.stderr.write(
                        f"{how} (attempt {attempt + 1} of {http.max_attempts}): {err.message}\n"
                    )
                http.pause_before_retry(attempt, err.message)
    finally:
        kept.discard()
        names.release()


def _default_commit(force: bool) -> PartCommit:
    def commit(part: Path, final: Path, digest: str, size: int) -> None:
        PART_FILES.commit(part, final, replace=force)

    return commit


@dataclass(frozen=True)
class _Job:
    """What one download is asked to do, the same on every attempt."""

    source: DownloadSource
    target: Target
    streams: IOStreams
    force: bool
    progress: bool
    error_for: Callable[[httpx.Response], EsignError]
    cancel: Cancellation | None
    names: NameClaim
    commit: PartCommit


class _Partial:
    """The temporary file of a download into a file, kept open between attempts so that a
    broken body resumes from the bytes already written."""

    def __init__(self) -> None:
        self.sink: BinaryIO | None = None
        self.part: Path | None = None
        self.proposed: Path | None = None  # the final name the first answer led to
        self.total: int | None = None  # the file's length, from the first answer
        self.validator: str | None = None  # for If-Range: a strong ETag, else Last-Modified
        self.etag: str | None = None
        self.content_type: str | None = None
        self.resumable = False

    def open(self, proposed: Path) -> BinaryIO:
        if self.sink is None:
            try:
                self.sink, self.part = PART_FILES.create(proposed, readable=True)
            except OSError as exc:
                raise write_error(exc, proposed) from None
            self.proposed = proposed
        return self.sink

    def held(self) -> tuple[BinaryIO, Path, Path]:
        if self.sink is None or self.part is None or self.proposed is None:
            raise RuntimeError("no temporary file is open")
        return self.sink, self.part, self.proposed

    def kept_bytes(self) -> int:
        """How much a resumed attempt can keep (0: start over)."""
        if self.sink is None or not self.resumable:
            return 0
        return os.fstat(self.sink.fileno()).st_size

    def remember(self, response: httpx.Response, content_type: str | None) -> None:
        """From a complete (200) answer: whether, and against what, a break can resume."""
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        strong = etag if etag and not etag.startswith("W/") else None
        self.etag = etag
        self.validator = strong or modified
        self.total = _content_length(response)
        self.content_type = content_type
        ranges = response.headers.get("accept-ranges", "").strip().lower()
        self.resumable = (
            self.validator is not None
            and ranges != "none"
            and not response.headers.get("content-encoding")
        )

    def restart(self) -> None:
        if self.sink is not None:
            self.sink.seek(0)
            self.sink.truncate()

    def discard(self) -> None:
        if self.sink is not None:
            with contextlib.suppress(OSError):
                self.sink.close()
        if self.part is not None:
            PART_FILES.discard(self.part)
        self.sink = self.part = None
        self.resumable = False


class BodyInterrupted(NetworkError):
    """The connection failed, stalled or ended early while the body was streaming."""


def _abort(response: httpx.Response) -> None:
    """Cut short a read that is waiting on the network: shut the socket down under it (a
    stalled server must not keep Ctrl-C waiting for --timeout)."""
    import socket

    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        sock.shutdown(socket.SHUT_RDWR)


def _transfer(http: HttpClient, job: _Job, kept: _Partial) -> DownloadResult:
    offset = kept.kept_bytes()
    headers = None
    if offset and kept.validator:
        headers = {"Range": f"bytes={offset}-", "If-Range": kept.validator}
    source = job.source
    response = http.request(
        "GET", source.url, authenticated=source.authenticated, stream=True, headers=headers
    )
    cancel = job.cancel
    aborting = cancel.on_cancel(lambda: _abort(response)) if cancel else contextlib.nullcontext()
    try:
        with aborting:
            return _receive(response, job, kept, offset)
    finally:
        response.close()


def _receive(response: httpx.Response, job: _Job, kept: _Partial, offset: int) -> DownloadResult:
    source, target = job.source, job.target
    if offset and response.status_code == 206:
        return _resume(response, job, kept, offset)
    if offset and response.status_code == 416:
        kept.restart()  # the range no longer fits the file: it changed; start over
        raise BodyInterrupted(
            "the server could not resume the download (416); starting over",
            hint="nothing was saved; try again",
        )
    if response.status_code != 200:
        response.read()
        raise job.error_for(response)
    content_type = response.headers.get("content-type")
    if content_type:
        content_type = content_type.split(";")[0].strip().lower()
    if content_type in source.answer_types:
        # The provider answered in its own format (an error envelope) instead of the file.
        response.read()
        raise job.error_for(response)
    if content_type in source.refuse_types:
        raise MalformedResponseError(
            f"the server answered {content_type} instead of the document",
            hint="an error page from the provider or a proxy; nothing was saved",
        )
    expected = _content_length(response)
    if target.kind in ("stdout", "device"):
        # Streamed as it comes: no temporary file, and what is written cannot be taken back.
        shown = "-" if target.kind == "stdout" else os.path.abspath(str(target.path))
        try:
            with _stream_sink(target, job.streams) as sink:
                digest, count = _copy(
                    response, sink, expected, None, job.cancel, source.expect_prefix
                )
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise write_error(exc, shown) from None
        _check_length(count, expected)
        _refuse_empty(count, content_type)
        return DownloadResult(
            path=shown, bytes=count, sha256=digest, content_type=content_type, id=source.document_id
        )
    # The whole file (a first answer, or a server that ignored the range): from byte 0.
    assert target.path is not None
    if kept.proposed is not None:
        proposed = kept.proposed  # a retry keeps the name its first answer led to
    elif target.kind == "dir":
        proposed = target.path / _server_name(response, source)
        if job.names.propose(proposed):
            _refuse_overwrite(proposed, job.force)  # early: before the body is fetched
    else:
        proposed = target.path
    kept.open(proposed)
    kept.restart()
    kept.remember(response, content_type)
    with _progress(job.streams, job.progress, expected, proposed.name) as advance:
        digest, count = _fill(response, kept, hashlib.sha256(), expected, advance, job, True)
    return _finish(job, kept, digest, count, content_type)


def _resume(response: httpx.Response, job: _Job, kept: _Partial, offset: int) -> DownloadResult:
    """A 206 answer to a resumed attempt: the rest of the file, appended to the kept bytes
    once the answer proves it is the rest of the same file."""
    start, total = _content_range(response.headers.get("content-range"))
    etag = response.headers.get("etag")
    same_file = (
        start == offset
        and (kept.total is None or total == kept.total)
        and (etag is None or kept.etag is None or etag == kept.etag)
    )
    expected = _content_length(response)
    encoded = response.headers.get("content-encoding", "").strip().lower() not in ("", "identity")
    if (
        not same_file
        or encoded  # a range of the encoded bytes is no range of the file
        or (total is not None and expected not in (None, total - offset))
    ):
        kept.restart()
        raise BodyInterrupted(
            "the server's answer to a resumed download is not the rest of the same file "
            f"(Content-Range {response.headers.get('content-range')!r}); starting over",
            hint="nothing was saved; try again",
        )
    sink, _part, proposed = kept.held()
    digest = _hash_prefix(sink, offset)
    sink.seek(offset)
    with _progress(job.streams, job.progress, total, proposed.name, offset) as advance:
        digest_text, count = _fill(response, kept, digest, expected, advance, job, False)
    if total is not None and offset + count != total:
        # A body with no length of its own (chunked) that ended early: what came is kept
        # for the next attempt, never committed as the whole file.
        raise BodyInterrupted(
            f"the download was cut short: got {offset + count} of {total} bytes",
            hint="nothing was saved; try again",
        )
    return _finish(job, kept, digest_text, offset + count, kept.content_type)


def _hash_prefix(sink: BinaryIO, size: int) -> hashlib._Hash:
    """The kept bytes hashed again as they are on the disk, not as they were received."""
    digest = hashlib.sha256()
    position = 0
    while position < size:
        block = os.pread(sink.fileno(), min(CHUNK_SIZE * 16, size - position), position)
        if not block:
            raise BodyInterrupted(
                "the partial download shrank on disk", hint="nothing was saved; try again"
            )
        digest.update(block)
        position += len(block)
    return digest


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def _content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, total length) of `Content-Range: bytes FIRST-LAST/TOTAL`."""
    match = _CONTENT_RANGE.match(value or "")
    if match is None:
        return None, None
    first, last = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if last < first or (total is not None and last >= total):
        return None, None
    return first, total


def _fill(
    response: httpx.Response,
    kept: _Partial,
    digest: hashlib._Hash,
    expected: int | None,
    advance: Callable[[int], None] | None,
    job: _Job,
    first: bool,
) -> tuple[str, int]:
    """The answer's body into the kept temporary file; a break leaves the bytes received
    there for the next attempt (when the server allows resuming)."""
    sink, _part, proposed = kept.held()
    # The kept bytes of a resumed download already passed the check.
    prefix = job.source.expect_prefix if first else None
    try:
        result = _copy(
            response, sink, expected, advance, job.cancel, prefix, digest=digest, keep=True
        )
        _check_length(result[1], expected)
    except OSError as exc:
        raise write_error(exc, proposed) from None
    except BodyInterrupted:
        if not kept.resumable:
            kept.restart()
        raise
    return result


def _finish(
    job: _Job, kept: _Partial, digest: str, count: int, content_type: str | None
) -> DownloadResult:
    _refuse_empty(count, content_type)
    sink, part, proposed = kept.held()
    # Moving the complete file into place makes the result all or nothing for whatever stops
    # esign (failure, Ctrl-C). Like curl and wget, the data is not fsynced: that would tie
    # every download to the disk's write-back speed (1 GiB went from 555 to 363 MB/s here).
    try:
        sink.close()
        final = job.names.settle() if job.target.kind == "dir" else proposed
        job.commit(part, final, digest, count)
    except OSError as exc:
        raise write_error(exc, proposed) from None
    kept.sink = kept.part = None  # committed: nothing left to discard
    return DownloadResult(
        path=os.path.abspath(final),  # absolute: a script may run from another directory
        bytes=count,
        sha256=digest,
        content_type=content_type,
        id=job.source.document_id,
    )


class _RawSink:
    """stdout written with write(2) on a duplicate of its descriptor: no Python buffer lock
    is held while a write waits on a pipe nobody reads, so Ctrl-C can end the process (a
    daemon thread holding the lock of sys.stdout's buffer aborts the interpreter at exit)."""

    def __init__(self, fd: int) -> None:
        self._fd = os.dup(fd)

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        return len(data)

    def flush(self) -> None:
        return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


@contextlib.contextmanager
def _stream_sink(target: Target, streams: IOStreams) -> Iterator[BinaryIO]:
    if target.kind == "stdout":
        buffer = streams.stdout_binary  # not ours to close
        try:
            fd = buffer.fileno()
        except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
            yield buffer
            return
        streams.stdout.flush()
        buffer.flush()
        raw = _RawSink(fd)
        try:
            yield raw  # type: ignore[misc]
        finally:
            raw.close()
        return
    assert target.path is not None
    if target.descriptor is not None:
        raw = _RawSink(target.descriptor)  # esign's own copy, checked when -o was parsed
        try:
            yield raw  # type: ignore[misc]
        finally:
            raw.close()
        return
    with open(target.path, "wb") as device:
        yield device


def _refuse_overwrite(path: Path, force: bool) -> None:
    if os.path.lexists(path) and not force:
        raise UsageError(f"{path} already exists", hint="add --force to overwrite it")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory")


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None or response.headers.get("content-encoding"):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _check_length(count: int, expected: int | None) -> None:
    if expected is not None and count != expected:
        raise BodyInterrupted(
            f"the download was cut short: got {count} of {expected} bytes",
            hint="nothing was saved; try again",
        )


def _not_the_promised_type(held: bytes) -> MalformedResponseError:
    short = "" if len(held) >= 5 else f" ({len(held)} bytes)" if held else " (empty)"
    return MalformedResponseError(
        f"the server's answer is not a PDF{short}",
        hint="an error answered with 200, or a proxy's page; nothing was saved",
    )


def _refuse_empty(count: int, content_type: str | None) -> None:
    """A provider that keeps several types (IndexHealth) promises no prefix, and a stored
    file labelled PDF may be anything the user uploaded; but an empty answer is no
    document at all."""
    if count == 0 and content_type == "application/pdf":
        raise _not_the_promised_type(b"")


def _copy(
    response: httpx.Response,
    sink: BinaryIO,
    expected: int | None,
    advance: Callable[[int], None] | None,
    cancel: Cancellation | None = None,
    expect_prefix: bytes | None = None,
    *,
    digest: hashlib._Hash | None = None,
    keep: bool = False,
) -> tuple[str, int]:
    """The body into `sink`, hashed into `digest`; returns (hex digest, bytes copied). With
    `keep`, a broken connection leaves every byte received written (a file to resume);
    without, the writes still queued are dropped (stdout into a pipe nobody reads)."""
    import httpx

    # A small file is written as it comes: a writer thread costs more than it saves there
    # (a sync of 2,000 files of 1.5 kB: 0.4 s of 6 s went to the threads' starts and
    # hand-overs).
    writer = _Writer(sink, digest, threaded=expected is None or expected > INLINE_WRITE)
    count = 0
    # The first bytes are held back until they prove the type: an empty or three-byte answer
    # must not reach stdout either.
    held: bytes | None = b"" if expect_prefix else None
    try:
        # No chunk size: httpx then hands over what the socket gave, without copying it
        # into fixed-size pieces first.
        for chunk in _body_chunks(response):
            if cancel is not None and cancel.is_set():
                raise InterruptedByUser("interrupted; the partial download was removed")
            if held is not None and expect_prefix is not None:
                held += chunk
                if not (held.startswith(expect_prefix) or expect_prefix.startswith(held)):
                    raise _not_the_promised_type(held)
                if len(held) < len(expect_prefix):
                    continue
                chunk, held = held, None
            writer.put(chunk)
            count += len(chunk)
            if advance:
                advance(len(chunk))
        if held is not None:
            raise _not_the_promised_type(held)
        if cancel is not None and cancel.is_set():
            # Stopping shuts the socket down under the read: a body with no length of its own
            # then simply ends, and must not pass for a complete file.
            raise InterruptedByUser("interrupted; the partial download was removed")
    except httpx.TransportError as exc:
        stopped = cancel is not None and cancel.is_set()
        if keep and not stopped:
            writer.finish()  # what arrived is kept, for a resumed attempt
        else:
            writer.abort()
        if stopped:
            raise InterruptedByUser("interrupted; the partial download was removed") from None
        shortfall = f"got {count} of {expected} bytes" if expected else f"after {count} bytes"
        raise BodyInterrupted(
            f"the connection failed during the download ({shortfall})",
            hint="nothing was saved; try again",
        ) from exc
    except BaseException:
        writer.abort()
        raise
    return writer.finish(), count


# Decoded bytes per step of a compressed body: memory stays flat whatever the ratio.
_DECODE_STEP = 1 << 20


def _body_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The file's bytes. Downloads ask for `Accept-Encoding: identity`; a server that
    compresses anyway is decoded here a step at a time, not by httpx's decoder, which turns a
    whole received chunk into its full size at once (a gzip bomb's 64 KiB into 64 MiB)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        yield from response.iter_bytes()
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise MalformedResponseError(
            f"the server sent the file encoded as {encoding!r}, although asked not to encode it",
            hint="nothing was saved; the server or a proxy on the way compresses downloads",
        )
    decoder = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib, by its header
    try:
        for received in response.iter_raw():
            pending = received
            while pending:
                if decoder.eof:
                    # gzip allows several members one after another (RFC 1952 2.2): each
                    # is decoded in turn; anything else after the end is not the file.
                    decoder = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)
                decoded = decoder.decompress(pending, _DECODE_STEP)
                if decoded:
                    yield decoded
                pending = decoder.unused_data if decoder.eof else decoder.unconsumed_tail
    except zlib.error as exc:
        raise MalformedResponseError(
            f"the server's {encoding} file is corrupt ({exc})", hint="nothing was saved"
        ) from None
    if not decoder.eof:
        # Its length is the encoded one, so no other check sees a body cut short.
        raise BodyInterrupted(
            f"the server's {encoding} file ended before its end",
            hint="nothing was saved; try again",
        )


class _Writer:
    """Hashes on the calling thread and writes on a second one.

    The calling thread has just received the chunk, so hashing it there reads it from this
    core's cache; the write (the kernel copying it into the page cache) then overlaps with
    the next receive. Measured on a 1 GiB download (2 cores, with the sandbox serving):
    0.8-0.95x curl this way, 0.55x with hashing on a third thread (the chunk then crossed
    cores twice), 0.5x with everything on one thread. The queue holds a bounded number of chunks,
    so memory stays flat whatever the size of the document.
    """

    def __init__(
        self, sink: BinaryIO, digest: hashlib._Hash | None = None, *, threaded: bool = True
    ) -> None:
        self._sink = sink
        self._digest = digest or hashlib.sha256()
        # 16 chunks (4 MiB) ride out the writer's stalls on page-cache writeback: 1 GiB took
        # 1.37 s with 16, 1.60 s with 4, 1.66 s with 1 (medians of 8, in turns with curl).
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="esign-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._sink.write(chunk)
                except BaseException as exc:  # handed to the reading thread
                    self._error = exc

    def put(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._digest.update(chunk)
        if self._thread is None:
            self._sink.write(chunk)
        else:
            self._queue.put(chunk)

    def finish(self) -> str:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error
        self._sink.flush()
        return self._digest.hexdigest()

    def abort(self) -> None:
        """Stop without waiting on a write that may never return (stdout into a pipe that
        nobody reads): the queued chunks are dropped, and the thread, a daemon, is left to
        finish or die with the process."""
        self._error = self._error or InterruptedByUser("stopped")
        if self._thread is None:
            return
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join(timeout=0.5)


@contextlib.contextmanager
def _progress(
    streams: IOStreams, enabled: bool, total: int | None, label: str, done: int = 0
) -> Iterator[Callable[[int], None] | None]:
    if not (enabled and streams.stderr_is_tty):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    class RateOrStalled(TransferSpeedColumn):
        """The rate, or "stalled Ns" once nothing has arrived for a while: rich's own rate
        keeps showing the last samples, numbers frozen as if all were well."""

        def render(self, task: Any) -> Any:
            from rich.text import Text

            quiet = time.monotonic() - task.fields.get("last", time.monotonic())
            if quiet >= STALLED_AFTER and not task.finished:
                return Text(f"stalled {quiet:.0f}s", style="progress.data.speed")
            return super().render(task)

    console = Console(file=streams.stderr, force_terminal=True, no_color=not streams.color)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        RateOrStalled(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=total, completed=done, last=time.monotonic())
        yield lambda n: bar.update(task, advance=n, last=time.monotonic())
