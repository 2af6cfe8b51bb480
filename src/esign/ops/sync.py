"""`esign doc sync DIR`: keep a directory holding a file for every document of the account
(signed ones by default), fetching only what is new or changed since the last run.

One run: list every document (all pages), decide per document from the manifest
(esign.ops.manifest) whether its file is there and unchanged, download the others on a pool
paced under the provider's rate limit, record each in the manifest as it arrives, and with
`--delete` remove the files of documents the provider no longer has (each confirmed by asking
for it: a page that shifted while being listed must not cost an archived file).

File names are planned from the list, before anything is fetched, so that two runs make the
same tree: the document's name (made safe), and on a clash the oldest document keeps it while
the others get a short ID suffix; once recorded, a document keeps its name for good.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    EsignError,
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
    adopt_parts,
    locked,
    matches,
)
from esign.ops.provider import name_failure, provider_for
from esign.providers.options import DownloadOptions, FileChoice, ListOptions

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class Planned:
    document: Document
    file: str
    reason: str  # new | changed | missing | altered
    replace: bool  # the name is the document's already: the new file goes over the old


@dataclass
class Tally:
    downloaded: int = 0
    skipped: int = 0
    failed: int = 0
    deleted: int = 0
    bytes: int = 0
    codes: list[Any] = field(default_factory=list)


def run_sync(app: AppContext, job: SyncJob) -> None:
    started = app.monotonic()
    provider = provider_for(app)
    status = _status(provider, job.status)
    root = Path(job.directory)
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
            if adopt_parts(manifest, verify=job.verify) or not manifest.path.exists():
                manifest.save()  # the directory is this account's archive from now on
            _sync(app, provider, job, status, manifest, tally)
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
    documents = _listing(provider, status, job.collection)
    wanted = [d for d in documents if _wanted(d, status, job.since)]
    plans, unchanged = _plan(provider, manifest, wanted, verify=job.verify)
    for document, entry in unchanged:
        tally.skipped += 1
        _line(app, "skipped", document, manifest.directory / entry.file, reason="unchanged")
    if job.dry_run:
        for plan in plans:
            path = manifest.directory / plan.file
            _line(app, "would_download", plan.document, path, reason=plan.reason)
    else:
        _download(app, provider, status, manifest, plans, job.jobs, tally)
    if job.delete:
        listed = {d.id for d in documents}
        _delete(app, provider, manifest, listed, tally, dry_run=job.dry_run)


def _listing(provider: Provider, status: str, collection: str | None) -> list[Document]:
    """Every document in scope, each once (a page may repeat one that moved meanwhile)."""
    opts = ListOptions(
        # The provider filters when it can; whatever it sends is filtered here again.
        status="signed" if status == "signed" else None,
        all_pages=provider.lists_in_pages,
        collection=collection,
    )
    unique: dict[str, Document] = {}
    for document in provider.list_documents(opts).model:
        if document.id and document.id not in unique:
            unique[document.id] = document
    return list(unique.values())


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


def _plan(
    provider: Provider, manifest: Manifest, wanted: list[Document], *, verify: bool
) -> tuple[list[Planned], list[tuple[Document, Entry]]]:
    """What each wanted document needs: nothing (its file is there and unchanged), or a
    download, under the name it has (or gets now)."""
    root = manifest.directory
    plans: list[Planned] = []
    unchanged: list[tuple[Document, Entry]] = []
    new: list[Document] = []
    for document in wanted:
        entry = manifest.get(document.id)
        if entry is None:
            new.append(document)
            continue
        path = root / entry.file
        if document.updated_at is not None and document.updated_at != entry.updated_at:
            reason = "changed"
        elif not os.path.lexists(path):
            reason = "missing"
        elif not matches(entry, path, verify=verify):
            reason = "altered"
        else:
            unchanged.append((document, entry))
            continue
        plans.append(Planned(document, entry.file, reason, replace=True))
    taken = {entry.file.casefold() for entry in manifest.entries()}
    if root.is_dir():
        taken |= {name.casefold() for name in os.listdir(root)}
    taken.add(MANIFEST_NAME.casefold())
    # The oldest document keeps a shared name: the same choice on every run.
    for document in sorted(new, key=lambda d: (d.created_at or "", d.id)):
        name = _free_name(_file_name(provider, document), document.id, taken)
        taken.add(name.casefold())
        plans.append(Planned(document, name, "new", replace=False))
    return plans, unchanged


def _file_name(provider: Provider, document: Document) -> str:
    """The document's name as a file name: made safe, and ending in .pdf for a signing
    provider's documents (they are PDFs; a title rarely says so)."""
    name = safe_filename(document.name, "") or safe_filename(document.id, "") or "document"
    if provider.has_signing_state:
        _stem, extension = split_extension(name)
        if extension.lower() != ".pdf":
            name = fit_name(name, ".pdf")
    return name


def _free_name(name: str, document_id: str, taken: set[str]) -> str:
    stem, extension = split_extension(name)
    # The ID's first characters, as `with_id` keeps them: the suffix is the ID's start.
    tag = "".join(ch for ch in document_id if ch.isalnum() or ch in "-_")[:SHORT_ID]
    candidates = [name]
    if tag:
        candidates.append(fit_name(f"{stem}-{tag}", extension))
    candidates += [with_id(name, document_id), with_digest(name, document_id)]
    for candidate in candidates:
        if candidate.casefold() not in taken:
            return candidate
    return candidates[-1]


def _download(
    app: AppContext,
    provider: Provider,
    status: str,
    manifest: Manifest,
    plans: list[Planned],
    jobs: int,
    tally: Tally,
) -> None:
    if not plans:
        return
    from esign.core.cancel import Cancellation
    from esign.core.files.partfiles import PART_FILES

    recorder = Recorder(manifest)
    by_id = {plan.document.id: plan for plan in plans}
    # Not "signed": the current file, whatever the state (a provider without states has one).
    choice = FileChoice(any_state=status != "signed" and provider.has_signing_state)
    names = NameBook(manifest, plans)
    cancel = Cancellation()

    def work(document_id: str, cancel: Cancellation) -> DownloadResult:
        plan = by_id[document_id]
        opts = DownloadOptions(
            target=Target("dir", manifest.directory),
            force=plan.replace,
            any_state=choice.any_state,
            progress=False,
            cancel=cancel,
            claim=names.claim(plan),
            source=provider.listed_source(plan.document, choice),
            commit=_committer(app, provider, plan, recorder),
        )
        try:
            return provider.download(document_id, opts, app.streams)
        except PresignedUrlRefused:
            if opts.source is None:
                raise
            # The list's URL had expired (lists are served from a cache): ask for a fresh one.
            return provider.download(
                document_id, dataclasses.replace(opts, source=None), app.streams
            )

    with _progress(app, len(plans)) as advance:

        def done(item: BulkItem[DownloadResult]) -> None:
            advance()
            plan = by_id[item.id]
            path = manifest.directory / plan.file
            if item.result is not None:
                tally.downloaded += 1
                tally.bytes += item.result.bytes
                _line(
                    app,
                    "downloaded",
                    plan.document,
                    Path(item.result.path),
                    reason=plan.reason,
                    bytes=item.result.bytes,
                    sha256=item.result.sha256,
                )
            elif item.error is not None:
                _failed(app, tally, plan.document, path, item.error)

        try:
            run_pool([plan.document.id for plan in plans], jobs, work, done, cancel)
        except KeyboardInterrupt:
            # Ctrl-C, SIGTERM, SIGHUP: a manifest rewrite under way finishes first, so that
            # no temporary file it names is removed; then every temporary file goes.
            recorder.close()
            PART_FILES.abandon()
            raise


class NameBook:
    """The names of one run's downloads. A planned name without an extension (a document
    store's document named "Plan A") takes the one the server's file name has, when that
    name is free; every other planned name is final as planned."""

    def __init__(self, manifest: Manifest, plans: list[Planned]) -> None:
        import threading

        self._directory = manifest.directory
        self._lock = threading.Lock()
        self._taken = {entry.file.casefold() for entry in manifest.entries()}
        self._taken |= {plan.file.casefold() for plan in plans}
        if self._directory.is_dir():
            self._taken |= {name.casefold() for name in os.listdir(self._directory)}

    def claim(self, plan: Planned) -> PlannedName:
        return PlannedName(self, plan)

    def settle(self, plan: Planned, server_name: str | None) -> Path:
        planned = self._directory / plan.file
        if plan.replace or split_extension(plan.file)[1] or not server_name:
            return planned
        extension = split_extension(server_name)[1]
        if not extension or len(extension) > 8:
            return planned
        named = fit_name(plan.file, extension)
        with self._lock:
            if named.casefold() in self._taken:
                return planned
            self._taken.add(named.casefold())
        return self._directory / named


class PlannedName:
    """One download's name (esign.core.files.download.NameClaim): the server's proposal
    only lends its extension."""

    def __init__(self, book: NameBook, plan: Planned) -> None:
        self._book = book
        self._plan = plan
        self._server: str | None = None

    def propose(self, path: Path) -> bool:
        self._server = path.name
        return False  # not the final name: nothing to check there

    def settle(self) -> Path:
        return self._book.settle(self._plan, self._server)

    def release(self) -> None:
        return


def _committer(
    app: AppContext, provider: Provider, plan: Planned, recorder: Recorder
) -> PartCommit:
    """Moves a finished download into place once the manifest records it."""
    from esign.core.files.partfiles import PART_FILES

    def commit(part: Path, final: Path, digest: str, size: int) -> None:
        entry = Entry(
            id=plan.document.id,
            provider=provider.name,
            file=final.name,
            bytes=size,
            sha256=digest,
            updated_at=plan.document.updated_at,
            synced_at=iso_utc(datetime.fromtimestamp(app.clock(), UTC)) or "",
            mtime_ns=os.stat(part).st_mtime_ns,  # moving it keeps the time
        )
        recorder.commit(entry, lambda: PART_FILES.commit(part, final, replace=plan.replace))

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
            _line(app, "would_delete", shown, path)
            continue
        try:
            path.unlink(missing_ok=True)
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
        app.output.info(
            f"dry run of {job.directory}: nothing was written ({tally.skipped} unchanged); "
            f"{requests}, {throttled}"
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


@contextmanager
def _progress(app: AppContext, total: int) -> Iterator[Callable[[], None]]:
    if app.flags.quiet or not app.streams.stderr_is_tty:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=app.streams.stderr, force_terminal=True, no_color=not app.streams.color)
    with Progress(
        TextColumn("syncing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("syncing", total=total)
        yield lambda: bar.advance(task)
