"""`esign doc ...`: documents.

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

from typing import Annotated

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.params import Collection, DocumentId, Tags, Yes, argument, option
from esign.cli.run import confirm, run
from esign.core.errors import EsignError
from esign.core.models import Outcome
from esign.core.statuses import DOCUMENT_STATUSES
from esign.ops.provider import name_failure, provider_for

app = new_group("doc")


@command(app, "info")
def info(document_id: DocumentId) -> None:
    """Show a document: status, signers, files.

    Example: esign doc info 7Ki_u1mrUwijfb --json | jq .status
    """
    run(lambda p: p.get_document(document_id), about=document_id)


@command(app, "list")
def list_(
    status: Annotated[
        str | None,
        option(
            help=f"Only documents with this status ({', '.join(DOCUMENT_STATUSES)}).",
            autocompletion=choices.completer(choices.document_statuses),
        ),
    ] = None,
    limit: Annotated[int | None, option(min=1, help="At most this many documents.")] = None,
    all_pages: Annotated[
        bool, typer.Option("--all", help="Follow every page (providers that paginate).")
    ] = False,
    collection: Collection = None,
    deleted: Annotated[
        bool,
        typer.Option(
            "--deleted", help="List the soft-deleted documents instead (ZapSign; default: not)."
        ),
    ] = False,
) -> None:
    """List documents. An empty list is success (exit 0)."""
    choices.check(status, DOCUMENT_STATUSES, "--status")
    from esign.providers.options import ListOptions

    opts = ListOptions(
        status=status,
        limit=limit,
        all_pages=all_pages,
        collection=collection,
        deleted=deleted,
    )
    run(lambda p: p.list_documents(opts))


@command(app, "upload")
def upload(
    file: Annotated[
        str | None,
        argument(metavar="FILE", help="PDF to upload."),
    ] = None,
    state: Annotated[
        str | None,
        option(
            help="OKdokument: tosign (ready to sign, default), tags (place signature fields "
            "from text tags first) or tostamp (insert a digital stamp first).",
            autocompletion=choices.completer(choices.upload_states),
        ),
    ] = None,
    name: Annotated[str | None, option(help="Display name.")] = None,
    url: Annotated[
        str | None,
        option(help="Register a document by URL instead of a FILE."),
    ] = None,
    collection: Collection = None,
    description: Annotated[str | None, option(help="Description (IndexHealth).")] = None,
    doc_type: Annotated[
        str | None,
        option(
            "--type",
            help="Document type (IndexHealth): PDF, DOCX, TXT, IMG or OTHER.",
            autocompletion=choices.completer(choices.document_types),
        ),
    ] = None,
    tag: Tags = None,
) -> None:
    """Upload a document without starting a signature request; prints its ID."""
    from esign.providers.options import UploadOptions

    opts = UploadOptions(
        file_path=file,
        url=url,
        state=state,
        name=name,
        collection=collection,
        description=description,
        doc_type=doc_type,
        tags=tuple(tag or ()),
    )
    run(lambda p: p.upload_document(opts))


@command(app, "update")
def update(
    document_id: DocumentId,
    name: Annotated[str | None, option(help="New name.")] = None,
    description: Annotated[str | None, option(help="New description.")] = None,
    tag: Tags = None,
) -> None:
    """Change a document's metadata (providers that support it)."""
    from esign.providers.options import UploadOptions

    opts = UploadOptions(name=name, description=description, tags=tuple(tag or ()))
    run(lambda p: p.update_document(document_id, opts), about=document_id)


@command(app, "delete")
def delete(document_id: DocumentId, yes: Yes = False) -> None:
    """Delete a document. Asks first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Delete document {document_id} on {provider.title}?", yes=yes)
    try:
        outcome = provider.delete_document(document_id)
    except EsignError as err:
        name_failure(app_ctx, err, document_id)
        raise
    app_ctx.output.emit(outcome)


Original = Annotated[
    bool,
    typer.Option(
        "--original",
        help="The original, unsigned file (ZapSign; OKdokument while no round is signed).",
    ),
]
AnyState = Annotated[
    bool,
    typer.Option(
        "--any-state",
        help="The current file whatever the document's state (partly signed, refused, "
        "canceled); without it only a signed document's file is given.",
    ),
]
AttachmentId = Annotated[
    str | None,
    option(
        "--attachment",
        metavar="ID",
        help="An attachment (ZapSign extra document) of the document, by its ID.",
    ),
]
WaitUntil = Annotated[
    str,
    typer.Option(
        help="signed: exit 0 once signed, 6 if it ends otherwise; final: exit 0 "
        "once it is no longer pending (or processing).",
        autocompletion=choices.completer(choices.UNTIL),
    ),
]
WaitTimeout = Annotated[
    str,
    typer.Option(
        "--wait-timeout",
        metavar="DURATION",
        help="Give up waiting after this long (exit 8): 90s, 10m, 2h.",
    ),
]
WaitInterval = Annotated[
    str,
    typer.Option(
        metavar="DURATION",
        help="First gap between polls; it grows by half each time, up to a minute.",
    ),
]


@command(app, "download")
def download(
    document_ids: Annotated[
        list[str] | None,
        argument(metavar="ID...", help="Document IDs."),
    ] = None,
    out: Annotated[
        str | None,
        option(
            "-o",
            "--out",
            metavar="FILE|DIR/|-",
            help="Write to FILE (atomically), into DIR/ under the server's file name, or to "
            "stdout with '-'. Default: the server's file name in the current directory. "
            "Several IDs go into a directory.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    original: Original = False,
    any_state: AnyState = False,
    attachment: AttachmentId = None,
    jobs: Annotated[
        int, typer.Option(min=1, max=64, help="Downloads at once, with several IDs.")
    ] = 4,
    from_file: Annotated[
        str | None,
        option(
            "--from",
            metavar="FILE|-",
            help="Read more IDs from FILE (or stdin): UTF-8, one per line, at most 8 MiB; # "
            "starts a comment.",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until each document is signed, then download.")
    ] = False,
    wait_timeout: WaitTimeout = "10m",
    interval: WaitInterval = "5s",
    with_audit: Annotated[
        bool,
        typer.Option(
            "--with-audit",
            help="Also save each document's activity report beside its file, as "
            "NAME.audit.pdf (ZapSign).",
        ),
    ] = False,
) -> None:
    """Download documents' files: the signed one, and only once the document is signed.

    A document not signed yet (or refused, or an OKdokument errorsendinfo) is exit 6 and
    nothing is written, unless --original or --any-state says which file you want.
    Prints path, bytes, sha256 and content type for each (JSON lines with several IDs).
    Nothing is left behind on failure or Ctrl-C. With several IDs, one failure does not stop
    the others, and the exit code is that of the worst failure.

    Example: esign doc download 7Ki_u1mrUwijfb -o contract.pdf
    Example: esign doc download --from ids.txt -o signed/ --jobs 8
    """
    from esign.ops.downloads import DownloadJob, run_downloads

    app_ctx = app_context()
    job = DownloadJob(
        ids=list(document_ids or ()),
        from_file=from_file,
        out=out,
        force=force,
        original=original,
        jobs=jobs,
        wait=wait_settings(wait_timeout, interval) if wait else None,
        any_state=any_state,
        attachment=attachment,
        with_audit=with_audit,
    )
    run_downloads(app_ctx, job)


@command(app, "presign")
def presign(
    document_id: DocumentId,
    original: Original = False,
    any_state: AnyState = False,
    attachment: AttachmentId = None,
) -> None:
    """Print a time-limited URL for the document's signed file, and when it expires; as
    download, a document that is not signed is exit 6 without --original or --any-state."""
    from esign.providers.options import FileChoice

    choice = FileChoice(original=original, any_state=any_state, attachment=attachment)
    run(lambda p: p.presign(document_id, choice), about=document_id)


@command(app, "wait")
def wait(
    document_id: DocumentId,
    until: WaitUntil = "signed",
    wait_timeout: WaitTimeout = "10m",
    interval: WaitInterval = "5s",
) -> None:
    """Wait until a document is signed (or, with --until final, no longer pending), then print
    it. Exit 0 when reached, 6 when it ended without a confirmed signature (refused, canceled,
    or OKdokument's errorsendinfo, whose outcome its API does not say), 8 on timeout.
    IndexHealth documents are never signed: use --until final (processing done).

    --wait-timeout bounds the whole wait; --timeout (shared) bounds each HTTP request.

    Example: esign doc wait 7Ki_u1mrUwijfb --wait-timeout 30m && esign doc download 7Ki_u1mrUwijfb
    """
    from esign.ops.downloads import wait_for_document

    choices.check(until, choices.UNTIL, "--until")
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    try:
        document, failure = wait_for_document(
            app_ctx, provider, document_id, until, wait_settings(wait_timeout, interval)
        )
    except EsignError as err:
        name_failure(app_ctx, err, document_id)
        raise
    if document is not None:
        app_ctx.output.emit(Outcome(document))
    if failure is not None:
        raise name_failure(app_ctx, failure, document_id)


def wait_settings(wait_timeout: str, interval: str) -> tuple[float, float]:
    from esign.core.errors import UsageError
    from esign.core.when import parse_duration

    seconds = parse_duration(wait_timeout, what="--wait-timeout").total_seconds()
    gap = parse_duration(interval, what="--interval").total_seconds()
    if gap < 1:
        raise UsageError("--interval must be at least 1s: providers rate-limit polling")
    return seconds, gap


@command(app, "audit")
def audit(
    document_id: DocumentId,
    out: Annotated[
        str | None,
        option(
            "-o",
            "--out",
            metavar="FILE|DIR/|-",
            help="Save the activity report PDF instead, atomically like every download "
            "(DIR/: the server's file name, else ID-audit.pdf; '-': stdout).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """A document's activity history (ZapSign): each event's time (ISO-8601 UTC), user,
    event and description, oldest first, in the provider's words. With -o, the activity
    report PDF.

    Example: esign doc audit 0eb8f439-2afa-4014 --json | jq -r '.[].event'
    Example: esign doc audit 0eb8f439-2afa-4014 -o contract.audit.pdf
    """
    if out is None:
        run(lambda p: p.audit_trail(document_id), about=document_id)
        return
    import json

    from esign.core.files.target import Target
    from esign.ops.audit import save_report

    app_ctx = app_context()
    try:
        target = Target.parse(out)  # before a socket could take the number of a /dev/fd/N
        result = save_report(app_ctx, provider_for(app_ctx), document_id, target, force=force)
    except EsignError as err:
        name_failure(app_ctx, err, document_id)
        raise
    if result.path == "-":
        app_ctx.output.info(json.dumps(result.to_dict()))  # stdout carries the PDF
    else:
        app_ctx.output.emit(Outcome(result))


@command(app, "attach")
def attach(
    document_id: DocumentId,
    file: Annotated[
        str | None,
        argument(metavar="FILE", help="PDF to attach (at most 10 MB)."),
    ] = None,
    url: Annotated[
        str | None,
        option(help="Attach a PDF by public URL instead of a FILE."),
    ] = None,
    name: Annotated[
        str | None,
        option(help="The attachment's name (default: the file's)."),
    ] = None,
) -> None:
    """Attach a PDF to a document still being signed: its signers sign both (ZapSign extra
    document). At most 14 per document; none once it is signed (exit 6). An attachment
    costs a credit and cannot be removed.

    Example: esign doc attach 0eb8f439-2afa-4014 annex.pdf --name 'Annex A'
    """
    from esign.providers.options import AttachOptions

    opts = AttachOptions(file_path=file, url=url, name=name)
    run(lambda p: p.attach(document_id, opts), about=document_id)


@command(app, "sync")
def sync(
    directory: Annotated[
        str,
        argument(
            metavar="DIR",
            help="The archive directory (created if missing).",
        ),
    ],
    status: Annotated[
        str | None,
        option(
            metavar="signed|final|any",
            help="Which documents: signed (the default; their signed file), final (no longer "
            "pending or processing: the default for IndexHealth) or any (every document's "
            "current file).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        option(
            metavar="WHEN",
            help="Only documents updated since then: a date (2026-01-31), a date-time, or a "
            "duration back from now (7d, 36h).",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Downloads at once.")] = 4,
    collection: Collection = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would be downloaded and deleted; write nothing."),
    ] = False,
    delete: Annotated[
        bool,
        typer.Option(
            "--delete",
            help="Remove the files of documents deleted at the provider (never by default).",
        ),
    ] = False,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Hash every file already there, instead of trusting an unchanged size and "
            "modification time.",
        ),
    ] = False,
    with_audit: Annotated[
        bool,
        typer.Option(
            "--with-audit",
            help="Also each document's activity report beside its file, as NAME.audit.pdf "
            "(ZapSign): fetched again with the document, and when missing.",
        ),
    ] = False,
) -> None:
    """Keep DIR holding a file for every document: download what is new or changed since the
    last run, and nothing else.

    DIR/.esign-sync.json records each file (ID, name, bytes, sha256, the document's
    updated_at). A rerun skips files that are there and unchanged; a file deleted or altered
    by hand, or a document changed at the provider, is fetched again. Interrupted anywhere
    (Ctrl-C, SIGTERM, kill -9), the next run resumes without fetching a file twice. Names
    are stable: the document's name, with a short ID suffix when two share it. Requests are
    paced under the provider's rate limit (--rate).

    Prints one JSON line per document (downloaded, skipped, failed, deleted) when piped, a
    progress bar on a terminal, and a summary on stderr. Exit code: the worst failure.

    Example: esign doc sync archive/
    Example: esign doc sync archive/ --json | jq -r 'select(.action=="downloaded").path'
    """
    from esign.ops.sync import STATUSES, SyncJob, run_sync

    if status is not None and status not in STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not one of {', '.join(STATUSES)}", param_hint="--status"
        )
    app_ctx = app_context()
    moment = None
    if since is not None:
        from datetime import UTC, datetime

        from esign.core.when import parse_since

        moment = parse_since(since, now=datetime.fromtimestamp(app_ctx.clock(), UTC))
    job = SyncJob(
        directory=directory,
        status=status,
        since=moment,
        jobs=jobs,
        dry_run=dry_run,
        delete=delete,
        collection=collection,
        verify=verify,
        with_audit=with_audit,
    )
    run_sync(app_ctx, job)
