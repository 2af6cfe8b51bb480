"""`esign doc download` and `esign doc wait`: one document or hundreds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    EsignError,
    FailuresReported,
    UnsupportedError,
    UsageError,
    worst,
)
from esign.core.files.target import Target
from esign.core.models import Document, DownloadResult, Outcome
from esign.ops.bulk import BulkItem, NameClaims, read_ids, run_pool
from esign.ops.progress import count_bar
from esign.ops.provider import name_failure, provider_for
from esign.ops.wait import wait_for
from esign.providers.options import DownloadOptions

if TYPE_CHECKING:
    from esign.core.context import AppContext
    from esign.providers.base import Provider


@dataclass
class DownloadJob:
    ids: list[str]
    from_file: str | None
    out: str | None
    force: bool
    original: bool
    jobs: int
    wait: tuple[float, float] | None  # (timeout, interval) with --wait
    any_state: bool = False
    attachment: str | None = None
    with_audit: bool = False  # the activity report beside each file (ops/audit.py)

    def options(self, target: Target, **more: Any) -> DownloadOptions:
        return DownloadOptions(
            target=target,
            force=self.force,
            original=self.original,
            any_state=self.any_state,
            attachment=self.attachment,
            **more,
        )


# `--from` is a list of IDs, not a stream to read for ever (`--from /dev/zero`): 8 MiB holds
# some 200,000 IDs.
MAX_FROM_BYTES = 8 << 20


def _from_text(source: str | None, app: AppContext) -> str | None:
    if source is None:
        return None
    from esign.core.files.local import read_input

    what = "stdin" if source == "-" else source
    try:
        data = read_input(source, app.streams.stdin, limit=MAX_FROM_BYTES, flag="--from")
    except UsageError as err:
        if "larger than" in err.message:
            err.hint = "split the ID list into several runs"
        raise
    try:
        return data.decode("utf-8-sig")  # a BOM from a Windows editor is not part of an ID
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--from {what} is not UTF-8 text (byte {exc.start})",
            hint="one document ID per line, in UTF-8",
        ) from None


def wait_for_document(
    app: AppContext,
    provider: Provider,
    document_id: str,
    until: str,
    wait: tuple[float, float],
    *,
    live: bool = True,
) -> tuple[Document | None, EsignError | None]:
    timeout, interval = wait
    if until == "signed" and not provider.has_signing_state:
        raise UnsupportedError(
            f"{provider.title} documents are never signed: they have no signing state",
            hint="wait for processing to finish with `esign doc wait ID --until final`",
            provider=provider.name,
        )

    def fetch() -> Document:
        return provider.poll_document(document_id)

    status = StatusLine(app) if live and StatusLine.wanted(app) else None
    try:
        result = wait_for(
            fetch,
            until=until,
            timeout=timeout,
            interval=interval,
            clock=app.clock,
            sleep=status.sleep if status else app.sleep,
            on_poll=status.show if status else None,
            ended=provider.not_signed,
        )
    finally:
        if status:
            status.clear()
    return result.document, result.failure


class StatusLine:
    """`doc wait` on a terminal: one line kept up to date, as `gh run watch` does (state,
    signers signed of all, time waited, next poll), erased when the wait ends. Piped, or with
    --quiet, nothing is shown until the end."""

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self.document: Document | None = None
        self.elapsed = 0.0

    @staticmethod
    def wanted(app: AppContext) -> bool:
        return app.streams.stderr_is_tty and not app.flags.quiet

    def show(self, document: Document, elapsed: float, next_poll: float) -> None:
        self.document, self.elapsed = document, elapsed
        self._draw(next_poll)

    def sleep(self, seconds: float) -> None:
        """The wait's sleep, a second at a time, counting down to the next poll."""
        while seconds > 0:
            step = min(1.0, seconds)
            self.app.sleep(step)
            seconds -= step
            self.elapsed += step
            self._draw(seconds)

    def _draw(self, next_poll: float) -> None:
        from esign.core.output.terminal import for_terminal

        doc = self.document
        if doc is None:
            return
        parts = [f"{doc.id}: {doc.status}"]
        if doc.signers:
            done = sum(1 for s in doc.signers if s.status == "signed")
            parts.append(f"{done}/{len(doc.signers)} signed")
        parts.append(f"waited {_clock(self.elapsed)}")
        parts.append(f"next check in {max(0, round(next_poll))}s")
        stderr = self.app.streams.stderr
        stderr.write("\r\x1b[K" + for_terminal(", ".join(parts)))
        stderr.flush()

    def clear(self) -> None:
        if self.document is not None:
            self.app.streams.stderr.write("\r\x1b[K")
            self.app.streams.stderr.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def run_downloads(app: AppContext, job: DownloadJob) -> None:
    target = Target.parse(job.out)  # first: a /dev/fd/N is the shell's, not a socket's yet
    ids = read_ids(job.ids, _from_text(job.from_file, app))
    provider = provider_for(app)
    if job.wait is not None and not provider.has_signing_state:
        raise UnsupportedError(
            f"{provider.title} documents are never signed: --wait has nothing to wait for",
            hint="drop --wait; `esign doc wait ID --until final` waits for processing",
            provider=provider.name,
        )
    if job.with_audit:
        from esign.ops.audit import check_beside

        check_beside(provider, ids[0], target)
    if len(ids) == 1:
        try:
            _download_one(app, provider, ids[0], target, job)
        except EsignError as err:
            name_failure(app, err, ids[0])
            raise
        return
    if job.attachment:
        raise UsageError("--attachment names one attachment of one document: give one ID")
    if target.kind != "dir":
        raise UsageError(
            f"{len(ids)} documents go into a directory, not one file",
            hint="use -o DIR/ (or no -o for the current directory)",
        )
    _download_many(app, provider, ids, target, job)


def _download_one(
    app: AppContext, provider: Provider, document_id: str, target: Target, job: DownloadJob
) -> None:
    if job.wait is not None:
        _, failure = wait_for_document(app, provider, document_id, "signed", job.wait)
        if failure is not None:
            raise failure
    opts = job.options(target, progress=not app.flags.quiet)
    result = provider.download(document_id, opts, app.streams)
    if job.with_audit:
        from esign.ops.audit import add_report

        add_report(app, provider, document_id, result, force=job.force)
    if result.path == "-":
        # stdout carries the document itself; the summary must not corrupt it.
        app.output.info(json.dumps(result.to_dict()))
    else:
        app.output.emit(Outcome(result))


def _download_many(
    app: AppContext, provider: Provider, ids: list[str], target: Target, job: DownloadJob
) -> None:
    from esign.core.cancel import Cancellation
    from esign.core.files.partfiles import PART_FILES

    cancel = Cancellation()
    # Taken in ID order (results print as they complete anyway): of the documents that share
    # a server file name, the smallest ID keeps it, however the IDs were given, so a rerun
    # with --force writes every document to the same file as before.
    ids = sorted(ids)
    claims = NameClaims(ids, cancel)
    output = app.output

    def work(document_id: str, cancel: Cancellation) -> DownloadResult:
        name = claims.for_id(document_id)
        try:
            if job.wait is not None:
                # One live line per document would overwrite each other: the bar says it all.
                _, failure = wait_for_document(
                    app, provider, document_id, "signed", job.wait, live=False
                )
                if failure is not None:
                    raise failure
            opts = job.options(
                target,
                progress=False,  # one overall bar instead
                cancel=cancel,
                claim=name,
            )
            result = provider.download(document_id, opts, app.streams)
            if job.with_audit:
                from esign.ops.audit import add_report

                add_report(app, provider, document_id, result, force=job.force, cancel=cancel)
            return result
        finally:
            name.release()

    with count_bar(app, "downloading", len(ids)) as progress:

        def done(item: BulkItem[DownloadResult]) -> None:
            progress.advance()
            if item.result is not None:
                if output.json_mode:
                    output.write_json_line(item.result.to_dict())
                else:
                    output.emit(Outcome(item.result))
            elif item.error is not None:
                # Several IDs: each failure's line starts with the ID it concerns.
                name_failure(app, item.error, item.id).lead_with_subject = True
                output.error(item.error)
                if output.json_mode:
                    output.write_json_line({"id": item.id, **item.error.to_dict()}, failure=True)

        try:
            items = run_pool(ids, job.jobs, work, done, cancel)
        except KeyboardInterrupt:
            # Ctrl-C, SIGTERM, SIGHUP: the process ends now, while workers may still be
            # blocked somewhere; their files go with it. (Any other failure lets the cancelled
            # workers remove their own.)
            PART_FILES.abandon()
            raise
    codes = [i.error.exit_code for i in items if i.error is not None]
    if codes:
        # Each failure was reported on its own line; the exit code is the worst of them.
        app.streams.stderr.write(f"error: {len(codes)} of {len(ids)} downloads failed\n")
        raise FailuresReported(worst(codes))
