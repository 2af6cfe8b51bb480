"""`esign doc sync DIR`: keep a directory holding a file for every document of the account
(signed ones by default), fetching only what is new or changed since the last run.

One run: list every document, page by page, deciding per document from the manifest
(esign.ops.manifest) whether its file is there and unchanged; download the others on a pool
(paced under the provider's rate limit) while the next pages are read; record each in the
manifest as it arrives; and with
`--delete` remove the files of documents the provider no longer has (each confirmed by asking
for it: a page that shifted while being listed must not cost an archived file).

File names are planned from the list, before anything is fetched, so that two runs make the
same tree: the document's name (made safe), and on a clash the oldest document keeps it while
the others get a short ID suffix; once recorded, a document keeps its name for good.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    EsignError,
    ExitCode,
    FailuresReported,
    NotFoundError,
    PresignedUrlRefused,
    UnsupportedError,
    UsageError,
    worst,
)
from esign.core.files.names import fit_name, safe_filename, split_extension, with_digest, with_id
from esign.core.files.target import Target
from esign.core.models import Document, DownloadResult, iso_utc, parse_iso
from esign.ops.bulk import BulkItem, run_pool
from esign.ops.manifest import (
    MANIFEST_NAME,
    Entry,
    Manifest,
    Recorder,
    Scope,
    Ticket,
    adopt_parts,
    locked,
    matches,
    remove_journal,
)
from esign.ops.progress import count_bar
from esign.ops.provider import name_failure, provider_for
from esign.providers.options import DownloadOptions, FileChoice, ListOptions

if TYPE_CHECKING:
    from esign.core.cancel import Cancellation
    from esign.core.context import AppContext
    from esign.core.files.download import PartCommit
    from esign.providers.base import Provider

STATUSES = ("signed", "final", "any")
# Statuses that may still change: `--status final` leaves them for a later run.
UNSETTLED = ("pending", "processing")
SHORT_ID = 8


@dataclass(frozen=True)
class SyncJob:
    directory: str
    status: str | None  # signed | final | any; None: signed, or final without signing states
    since: datetime | None
    jobs: int
    dry_run: bool
    delete: bool
    collection: str | None
    verify: bool
    with_audit: bool = False  # each document's activity report beside its file (ZapSign)


@dataclass(frozen=True)
class Planned:
    document: Document
    file: str
    action: str  # download | skip | audit (the file is there; its activity report is not)
    reason: str  # new | changed | missing | altered; unchanged (skip, audit)
    replace: bool  # the name is the document's already: the new file goes over the old


@dataclass
class Tally:
    downloaded: int = 0
    skipped: int = 0
    failed: int = 0
    deleted: int = 0
    bytes: int = 0
    would_download: int = 0
    would_delete: int = 0
    codes: list[ExitCode] = field(default_factory=list)


def run_sync(app: AppContext, job: SyncJob) -> None:
    started = app.monotonic()
    provider = provider_for(app)
    status = _status(provider, job.status)
    if job.with_audit:
        provider.audit_report_source("check")  # no request: a provider without one says so
    root = Path(os.path.abspath(job.directory))  # paths printed absolute, as downloads' are
    scope = Scope(provider.name, provider.base_url, job.collection)
    tally = Tally()
    if job.dry_run:
        exists = root.is_dir()
        manifest = Manifest.load(root, scope) if exists else Manifest(root, scope, {})
        _sync(app, provider, job, status, manifest, tally)
    else:
        _make_directory(root)
        with locked(root):
            manifest = Manifest.load(root, scope)
            if adopt_parts(manifest, verify=job.verify):
                manifest.save()
            remove_journal(root)  # what it named is adopted and recorded, or was removed
            _sync(app, provider, job, status, manifest, tally)
            if not manifest.path.exists():
                manifest.save()  # the directory is this account's archive from now on
    _summary(app, provider, job, tally, app.monotonic() - started)
    if tally.codes:
        total = tally.downloaded + tally.failed + tally.deleted
        app.streams.stderr.write(f"error: {tally.failed} of {total} documents failed\n")
        raise FailuresReported(worst(tally.codes))


def _status(provider: Provider, asked: str | None) -> str:
    if asked is None:
        return "signed" if provider.has_signing_state else "final"
    if asked == "signed" and not provider.has_signing_state:
        raise UnsupportedError(
            f"{provider.title} documents are never signed: they have no signing state",
            hint="use --status final (processing done) or --status any",
            provider=provider.name,
        )
    return asked


def _make_directory(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{root} exists and is not a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot create {root}: {exc.strerror}") from None
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory")


def _sync(
    app: AppContext,
    provider: Provider,
    job: SyncJob,
    status: str,
    manifest: Manifest,
    tally: Tally,
) -> None:
    """List page by page on one thread while the pool works through what each page needs:
    the downloads of the first page go on while the next pages are fetched, so that a long
    list paced by the rate limit is the only wait."""
    from esign.core.cancel import Cancellation

    cancel = Cancellation()
    planner = Planner(provider, manifest, verify=job.verify, with_audit=job.with_audit)
    listing = Listing(provider, status, job, planner, cancel)
    _run(app, provider, status, manifest, listing, planner, job, tally, cancel)
    listing.finish()  # a failed page is this run's failure: no --delete on a partial list
    if job.delete:
        _delete(app, provider, manifest, listing.listed, tally, dry_run=job.dry_run)


class Listing:
    """The list, read page by page on a thread of its own; each page's documents planned and
    queued for the pool as the page arrives."""

    def __init__(
        self,
        provider: Provider,
        status: str,
        job: SyncJob,
        planner: Planner,
        cancel: Cancellation,
    ) -> None:
        self._provider = provider
        self._status = status
        self._job = job
        self._planner = planner
        self._cancel = cancel
        self.plans: dict[str, Planned] = {}
        self.listed: set[str] = set()
        self.queued = 0
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="esign-listing", daemon=True)
        self.on_queued: Callable[[int], None] = lambda total: None

    def start(self) -> None:
        self._thread.start()

    def ids(self) -> Iterator[str]:
        """The documents to work on, as they are planned."""
        return iter(self._queue.get, None)

    def finish(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        job = self._job
        opts = ListOptions(
            # The provider filters when it can; whatever it sends is filtered here again.
            status="signed" if self._status == "signed" else None,
            collection=job.collection,
        )
        try:
            for page in self._provider.list_pages(opts):
                if self._cancel.is_set():
                    return
                fresh = [d for d in page if d.id and d.id not in self.listed]
                self.listed.update(d.id for d in fresh)
                wanted = [d for d in fresh if _wanted(d, self._status, job.since)]
                for plan in self._planner.plan(wanted):
                    self.plans[plan.document.id] = plan
                    self.queued += 1
                    self._queue.put(plan.document.id)
                self.on_queued(self.queued)
        except BaseException as exc:  # the main thread raises it once the pool is done
            self._error = exc
        finally:
            self._queue.put(None)


def _wanted(document: Document, status: str, since: datetime | None) -> bool:
    if status == "signed" and document.status != "signed":
        return False
    if status == "final" and document.status in UNSETTLED:
        return False
    if since is not None:
        updated = parse_iso(document.updated_at)
        if updated is not None and updated < since:
            return False
    return True


class Planner:
    """What each wanted document needs: nothing (its file is there and unchanged), or a
    download, under the name it has, or gets now. Pages come oldest first, so the oldest of
    the documents sharing a name keeps it, on every run."""

    def __init__(
        self, provider: Provider, manifest: Manifest, *, verify: bool, with_audit: bool = False
    ) -> None:
        self._provider = provider
        self._manifest = manifest
        self._verify = verify
        self._with_audit = with_audit
        self._lock = threading.Lock()
        root = manifest.directory
        self.taken = {entry.file.casefold() for entry in manifest.entries()}
        if root.is_dir():
            self.taken |= {name.casefold() for name in os.listdir(root)}
        self.taken.add(MANIFEST_NAME.casefold())

    def claim(self, plan: Planned) -> PlannedName:
        return PlannedName(self, plan)

    def final_path(self, plan: Planned, server_name: str | None) -> Path:
        """The planned name; one without an extension (a document store's "Plan A") takes
        the extension of the server's file name, when that name is free."""
        planned = self._manifest.directory / plan.file
        if plan.replace or split_extension(plan.file)[1] or not server_name:
            return planned
        extension = split_extension(server_name)[1]
        if not extension or len(extension) > 8:
            return planned
        named = fit_name(plan.file, extension)
        with self._lock:
            if named.casefold() in self.taken:
                return planned
            self.taken.add(named.casefold())
        return self._manifest.directory / named

    def plan(self, wanted: list[Document]) -> list[Planned]:
        root = self._manifest.directory
        plans: list[Planned] = []
        new: list[Document] = []
        for document in wanted:
            entry = self._manifest.get(document.id)
            if entry is None:
                new.append(document)
                continue
            path = root / entry.file
            moved = document.updated_at is not None and document.updated_at != entry.updated_at
            if moved or (entry.status is not None and document.status != entry.status):
                reason = "changed"
            elif not os.path.lexists(path):
                reason = "missing"
            elif not matches(entry, path, verify=self._verify):
                reason = "altered"
            else:
                report = self._with_audit and not os.path.lexists(report_path(path))
                action = "audit" if report else "skip"
                plans.append(Planned(document, entry.file, action, "unchanged", replace=False))
                continue
            plans.append(Planned(document, entry.file, "download", reason, replace=True))
        for document in sorted(new, key=lambda d: (d.created_at or "", d.id)):
            with self._lock:
                name = _free_name(
                    _file_name(self._provider, document),
                    document.id,
                    self.taken,
                    with_report=self._with_audit,
                )
                self.taken.add(name.casefold())
                if self._with_audit:
                    self.taken.add(report_path(root / name).name.casefold())
            plans.append(Planned(document, name, "download", "new", replace=False))
        return plans


def _file_name(provider: Provider, document: Document) -> str:
    """The document's name as a file name: made safe, and ending in .pdf for a signing
    provider's documents (they are PDFs; a title rarely says so)."""
    name = safe_filename(document.name, "") or safe_filename(document.id, "") or "document"
    if provider.has_signing_state:
        _stem, extension = split_extension(name)
        if extension.lower() != ".pdf":
            name = fit_name(name, ".pdf")
    return name


def report_path(path: Path) -> Path:
    """Where a document's activity report goes: beside its file (`doc download
    --with-audit`'s name, NAME.audit.pdf)."""
    from esign.ops.audit import beside

    return beside(str(path))


def _free_name(name: str, document_id: str, taken: set[str], *, with_report: bool) -> str:
    """The first free name of the document's candidates; with its report, a name whose
    report name is free too (a document titled "X.audit" must not be X's report)."""
    stem, extension = split_extension(name)
    # The ID's first characters, as `with_id` keeps them: the suffix is the ID's start.
    tag = "".join(ch for ch in document_id if ch.isalnum() or ch in "-_")[:SHORT_ID]
    candidates = [name]
    if tag:
        candidates.append(fit_name(f"{stem}-{tag}", extension))
    candidates += [with_id(name, document_id), with_digest(name, document_id)]
    for candidate in candidates:
        report = report_path(Path(candidate)).name if with_report else candidate
        if candidate.casefold() not in taken and report.casefold() not in taken:
            return candidate
    return candidates[-1]


def _run(
    app: AppContext,
    provider: Provider,
    status: str,
    manifest: Manifest,
    listing: Listing,
    planner: Planner,
    job: SyncJob,
    tally: Tally,
    cancel: Cancellation,
) -> None:
    from esign.core.files.partfiles import PART_FILES

    recorder = Recorder(manifest) if not job.dry_run else None
    tickets: dict[str, Ticket] = {}
    # Not "signed": the current file, whatever the state (a provider without states has one).
    choice = FileChoice(any_state=status != "signed" and provider.has_signing_state)

    def work(document_id: str, cancel: Cancellation) -> DownloadResult | None:
        plan = listing.plans[document_id]
        if plan.action == "skip" or recorder is None:
            return None  # nothing to fetch (or a dry run)
        if plan.action == "audit":
            return _report(app, provider, document_id, manifest.directory / plan.file, cancel)
        result = _document(work_opts(plan, cancel), plan)
        if job.with_audit:
            result.audit = _report(app, provider, document_id, Path(result.path), cancel)
        return result

    def work_opts(plan: Planned, cancel: Cancellation) -> DownloadOptions:
        assert recorder is not None
        return DownloadOptions(
            target=Target("dir", manifest.directory),
            force=plan.replace,
            any_state=choice.any_state,
            progress=False,
            cancel=cancel,
            claim=planner.claim(plan),
            source=provider.listed_source(plan.document, choice),
            commit=_committer(app, provider, plan, recorder, tickets),
        )

    def _document(opts: DownloadOptions, plan: Planned) -> DownloadResult:
        document_id = plan.document.id
        try:
            return provider.download(document_id, opts, app.streams)
        except PresignedUrlRefused:
            if opts.source is None:
                raise
            # The list's URL was refused (lists are served from a cache): ask for a fresh one.
            fresh = dataclasses.replace(opts, source=None)
            return provider.download(document_id, fresh, app.streams)

    with count_bar(app, "syncing") as progress:
        listing.on_queued = progress.total
        listing.start()

        def done(item: BulkItem[DownloadResult | None]) -> None:
            progress.advance()
            plan = listing.plans[item.id]
            path = manifest.directory / plan.file
            ticket = tickets.pop(item.id, None)
            if item.result is not None and ticket is not None:
                try:
                    ticket.wait()  # recorded and in place: only now is it downloaded
                except EsignError as err:
                    item.result, item.error = None, err
            result = item.result
            if item.error is not None:
                _failed(app, tally, plan.document, path, item.error)
            elif plan.action == "skip" or (plan.action == "audit" and result is not None):
                tally.skipped += 1
                audit = _audit_fields(result) if result is not None else {}
                tally.bytes += audit.get("audit", {}).get("bytes", 0)
                _line(app, "skipped", plan.document, path, reason=plan.reason, **audit)
            elif result is None:
                tally.would_download += 1
                shown = report_path(path) if plan.action == "audit" else path
                reason = "report missing" if plan.action == "audit" else plan.reason
                _line(app, "would_download", plan.document, shown, reason=reason)
            else:
                tally.downloaded += 1
                audit = _audit_fields(result.audit) if result.audit is not None else {}
                tally.bytes += result.bytes + audit.get("audit", {}).get("bytes", 0)
                _line(
                    app,
                    "downloaded",
                    plan.document,
                    Path(result.path),
                    reason=plan.reason,
                    bytes=result.bytes,
                    sha256=result.sha256,
                    **audit,
                )

        try:
            run_pool(listing.ids(), job.jobs, work, done, cancel)
        except BaseException:
            # Ctrl-C, SIGTERM, SIGHUP: a manifest rewrite under way finishes first, so that
            # no temporary file it names is removed; then every temporary file goes.
            cancel.set()
            if recorder is not None:
                recorder.close()
            PART_FILES.abandon()
            raise
        if recorder is not None:
            recorder.close()


class PlannedName:
    """One download's name (esign.core.files.download.NameClaim): the server's proposal
    only lends its extension to a planned name that has none."""

    def __init__(self, planner: Planner, plan: Planned) -> None:
        self._planner = planner
        self._plan = plan
        self._server: str | None = None

    def propose(self, path: Path) -> bool:
        self._server = path.name
        return False  # not the final name: nothing to check there

    def settle(self) -> Path:
        return self._planner.final_path(self._plan, self._server)

    def release(self) -> None:
        return


def _report(
    app: AppContext, provider: Provider, document_id: str, path: Path, cancel: Cancellation
) -> DownloadResult:
    """The document's activity report beside its file, replacing an older one (it grows with
    the document's history)."""
    from esign.ops.audit import save_report

    target = Target("file", report_path(path))
    try:
        return save_report(
            app, provider, document_id, target, force=True, progress=False, cancel=cancel
        )
    except EsignError as err:
        err.message = f"its activity report {target.path}: {err.message}"
        raise


def _audit_fields(report: DownloadResult) -> dict[str, Any]:
    return {"audit": {"path": report.path, "bytes": report.bytes, "sha256": report.sha256}}


def _committer(
    app: AppContext,
    provider: Provider,
    plan: Planned,
    recorder: Recorder,
    tickets: dict[str, Ticket],
) -> PartCommit:
    """Hands a finished download to the recorder, which records it in the manifest and then
    moves it into place, while the worker goes on to the next."""

    def commit(part: Path, final: Path, digest: str, size: int) -> None:
        entry = Entry(
            id=plan.document.id,
            provider=provider.name,
            file=final.name,
            bytes=size,
            sha256=digest,
            updated_at=plan.document.updated_at,
            status=plan.document.status,
            synced_at=iso_utc(datetime.fromtimestamp(app.clock(), UTC)) or "",
            mtime_ns=os.stat(part).st_mtime_ns,  # moving it keeps the time
        )
        tickets[plan.document.id] = recorder.submit(entry, part, final, replace=plan.replace)

    return commit


def _delete(
    app: AppContext,
    provider: Provider,
    manifest: Manifest,
    listed: set[str],
    tally: Tally,
    *,
    dry_run: bool,
) -> None:
    """The files of documents the provider no longer has, each confirmed gone first."""
    for entry in sorted(manifest.entries(), key=lambda e: e.file):
        if entry.id in listed:
            continue
        path = manifest.directory / entry.file
        shown = Document(provider.name, entry.id, None, "unknown", None)
        try:
            gone = _gone(provider, entry.id)
        except EsignError as err:
            _failed(app, tally, shown, path, err)
            continue
        if not gone:
            continue  # listed no more (another status now, or a page that moved): kept
        if dry_run:
            tally.would_delete += 1
            _line(app, "would_delete", shown, path)
            continue
        report = report_path(path)
        others = {e.file for e in manifest.entries() if e.id != entry.id}
        try:
            path.unlink(missing_ok=True)
            if report.name not in others:  # its activity report, unless a document's file
                report.unlink(missing_ok=True)
            manifest.drop(entry.id)
            manifest.save()
        except OSError as exc:
            from esign.core.files.partfiles import write_error

            _failed(app, tally, shown, path, write_error(exc, path))
            continue
        except EsignError as err:
            _failed(app, tally, shown, path, err)
            continue
        tally.deleted += 1
        _line(app, "deleted", shown, path)
        if not app.output.json_mode:
            app.output.info(f"deleted {path} (document {entry.id} was deleted at the provider)")


def _gone(provider: Provider, document_id: str) -> bool:
    try:
        document = provider.get_document(document_id).model
    except NotFoundError:
        return True
    return document.deleted


def _failed(app: AppContext, tally: Tally, document: Document, path: Path, err: EsignError) -> None:
    tally.failed += 1
    tally.codes.append(err.exit_code)
    name_failure(app, err, document.id).lead_with_subject = True
    app.output.error(err)
    if app.output.json_mode:
        app.output.write_json_line(
            {
                "action": "failed",
                "id": document.id,
                "provider": document.provider,
                "path": str(path),
                **err.to_dict(),
            }
        )


def _line(app: AppContext, action: str, document: Document, path: Path, **more: Any) -> None:
    """One document acted on: a JSON line when piped (or --json); on a terminal only what
    a dry run would do, the progress bar saying the rest."""
    output = app.output
    if output.json_mode:
        output.write_json_line(
            {
                "action": action,
                "id": document.id,
                "provider": document.provider,
                "path": str(path),
                "updated_at": document.updated_at,
                **more,
            }
        )
    elif action.startswith("would_"):
        from esign.core.output.terminal import for_terminal

        what = action.removeprefix("would_")
        reason = f" ({more['reason']})" if "reason" in more else ""
        app.streams.stdout.write(for_terminal(f"would {what} {path}{reason}") + "\n")
        app.streams.stdout.flush()


def _summary(
    app: AppContext, provider: Provider, job: SyncJob, tally: Tally, seconds: float
) -> None:
    limiter = provider.http.limiter
    requests = f"{limiter.requests} API request{'s' if limiter.requests != 1 else ''}"
    throttled = f"{limiter.throttled} answered 429"
    if job.dry_run:
        deletions = f", {tally.would_delete} to delete" if job.delete else ""
        app.output.info(
            f"dry run of {job.directory}: {tally.would_download} to download{deletions}, "
            f"{tally.skipped} unchanged; nothing was written; {requests}, {throttled}"
        )
        return
    app.output.info(
        f"synced {job.directory}: {tally.downloaded} downloaded ({_size(tally.bytes)}), "
        f"{tally.skipped} skipped, {tally.failed} failed, {tally.deleted} deleted in "
        f"{seconds:.1f}s; {requests}, {throttled}"
    )


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} bytes"  # pragma: no cover - the loop always returns
