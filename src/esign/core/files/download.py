"""Streamed, atomic downloads (ARCHITECTURE.md §7); knows nothing of providers.

The body goes to a new temporary file beside the target (esign.core.files.partfiles) and is moved
into place only once it is complete, so a failure, a short body or Ctrl-C never leaves a file
that looks finished, and nothing planted or raced is ever written through.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
import time
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
) -> DownloadResult:
    """Stream one document to `target`. `cancel` stops it (nothing is left behind); `claim`
    lets a pool of downloads into one directory keep their names apart."""
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
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                return _transfer(
                    http,
                    source,
                    target,
                    streams=streams,
                    force=force,
                    progress=progress,
                    error_for=error_for,
                    cancel=cancel,
                    names=names,
                )
            except BodyInterrupted as err:
                # The body broke off: a GET is safe to repeat, from the start of a fresh file.
                # Not on stdout or a device, where the bytes already written cannot be taken
                # back.
                stopped = cancel is not None and cancel.is_set()
                streamed = target.kind in ("stdout", "device")
                if streamed or attempt >= http.max_attempts or stopped:
                    raise
                if progress and streams.stderr_is_tty:
                    # The bar above stops where the body broke off; a new one starts at 0.
                    streams.stderr.write(
                        f"restarting the download from the start (attempt {attempt + 1} of "
                        f"{http.max_attempts}): {err.message}\n"
                    )
                http.pause_before_retry(attempt, err.message)
    finally:
        names.release()


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


def _transfer(
    http: HttpClient,
    source: DownloadSource,
    target: Target,
    *,
    streams: IOStreams,
    force: bool,
    progress: bool,
    error_for: Callable[[httpx.Response], EsignError],
    cancel: Cancellation | None,
    names: NameClaim,
) -> DownloadResult:
    response = http.request("GET", source.url, authenticated=source.authenticated, stream=True)
    aborting = cancel.on_cancel(lambda: _abort(response)) if cancel else contextlib.nullcontext()
    try:
        with aborting:
            return _receive(
                response, source, target, streams, force, progress, error_for, cancel, names
            )
    finally:
        response.close()


def _receive(
    response: httpx.Response,
    source: DownloadSource,
    target: Target,
    streams: IOStreams,
    force: bool,
    progress: bool,
    error_for: Callable[[httpx.Response], EsignError],
    cancel: Cancellation | None,
    names: NameClaim,
) -> DownloadResult:
    if response.status_code != 200:
        response.read()
        raise error_for(response)
    content_type = response.headers.get("content-type")
    if content_type:
        content_type = content_type.split(";")[0].strip().lower()
    if content_type in source.answer_types:
        # The provider answered in its own format (an error envelope) instead of the file.
        response.read()
        raise error_for(response)
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
            with _stream_sink(target, streams) as sink:
                digest, count = _copy(response, sink, expected, None, cancel, source.expect_prefix)
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise write_error(exc, shown) from None
        _check_length(count, expected)
    else:
        assert target.path is not None
        if target.kind == "dir":
            proposed = target.path / _server_name(response, source)
            if names.propose(proposed):
                _refuse_overwrite(proposed, force)  # early: before the body is fetched
            settle = names.settle
        else:
            proposed = target.path
            settle = lambda: proposed  # noqa: E731 - the name -o gave is final
        with _progress(streams, progress, expected, proposed.name) as advance:
            digest, count, path = _write_atomically(
                response, proposed, settle, force, expected, advance, cancel, source.expect_prefix
            )
        shown = os.path.abspath(path)  # absolute: a script may run from another directory
    return DownloadResult(
        path=shown,
        bytes=count,
        sha256=digest,
        content_type=content_type,
        id=source.document_id,
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


def _copy(
    response: httpx.Response,
    sink: BinaryIO,
    expected: int | None,
    advance: Callable[[int], None] | None,
    cancel: Cancellation | None = None,
    expect_prefix: bytes | None = None,
) -> tuple[str, int]:
    import httpx

    writer = _Writer(sink)
    count = 0
    # The first bytes are held back until they prove the type: an empty or three-byte answer
    # must not reach stdout either.
    held: bytes | None = b"" if expect_prefix else None
    try:
        # No chunk size: httpx then hands over what the socket gave, without copying it
        # into fixed-size pieces first.
        for chunk in response.iter_bytes():
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
        writer.abort()
        if cancel is not None and cancel.is_set():
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


class _Writer:
    """Hashes on the calling thread and writes on a second one.

    The calling thread has just received the chunk, so hashing it there reads it from this
    core's cache; the write (the kernel copying it into the page cache) then overlaps with
    the next receive. Measured on a 1 GiB download (2 cores, with the sandbox serving):
    0.8-0.95x curl this way, 0.55x with hashing on a third thread (the chunk then crossed
    cores twice), 0.5x with everything on one thread. The queue holds a bounded number of chunks,
    so memory stays flat whatever the size of the document.
    """

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._digest = hashlib.sha256()
        # 16 chunks (4 MiB) ride out the writer's stalls on page-cache writeback: 1 GiB took
        # 1.37 s with 16, 1.60 s with 4, 1.66 s with 1 (medians of 8, in turns with curl).
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
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
        self._queue.put(chunk)

    def finish(self) -> str:
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
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        self._thread.join(timeout=0.5)


def _write_atomically(
    response: httpx.Response,
    proposed: Path,
    settle: Callable[[], Path],
    force: bool,
    expected: int | None,
    advance: Callable[[int], None] | None,
    cancel: Cancellation | None = None,
    expect_prefix: bytes | None = None,
) -> tuple[str, int, Path]:
    # Moving the complete file into place makes the result all or nothing for whatever stops
    # esign (failure, Ctrl-C). Like curl and wget, the data is not fsynced: that would tie
    # every download to the disk's write-back speed (1 GiB went from 555 to 363 MB/s here).
    try:
        sink, part = PART_FILES.create(proposed)
    except OSError as exc:
        raise write_error(exc, proposed) from None
    try:
        with sink:
            digest, count = _copy(response, sink, expected, advance, cancel, expect_prefix)
            _check_length(count, expected)
        final = settle()
        PART_FILES.commit(part, final, replace=force)
    except OSError as exc:
        PART_FILES.discard(part)
        raise write_error(exc, proposed) from None
    except BaseException:
        # Includes KeyboardInterrupt: whatever stopped us, leave nothing half-written.
        PART_FILES.discard(part)
        raise
    return digest, count, final


@contextlib.contextmanager
def _progress(
    streams: IOStreams, enabled: bool, total: int | None, label: str
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
        task = bar.add_task(label, total=total, last=time.monotonic())
        yield lambda n: bar.update(task, advance=n, last=time.monotonic())
