"""`esign doc ...`: documents.

No `from __future__ import annotations`: see esign.cli.shared_flags.
"""

from typing import Annotated

import typer

from esign.cli.command import app_context, command, new_group
from esign.cli.run import confirm, provider_for, run
from esign.core.models import Outcome
from esign.core.statuses import DOCUMENT_STATUSES

app = new_group("doc")

DocumentId = Annotated[
    str, typer.Argument(metavar="ID", help="The document's ID.", show_default=False)
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@command(app, "info")
def info(document_id: DocumentId) -> None:
    """Show a document: status, signers, files.

    Example: esign doc info 7Ki_u1mrUwijfb --json | jq .status
    """
    run(lambda p: p.get_document(document_id))


@command(app, "list")
def list_(
    status: Annotated[
        str | None,
        typer.Option(
            help=f"Only documents with this status ({', '.join(DOCUMENT_STATUSES)}).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many documents.", show_default=False)
    ] = None,
    all_pages: Annotated[
        bool, typer.Option("--all", help="Follow every page (providers that paginate).")
    ] = False,
    collection: Annotated[
        str | None,
        typer.Option(help="Collection ID (IndexHealth).", show_default=False),
    ] = None,
) -> None:
    """List documents. An empty list is success (exit 0)."""
    if status is not None and status not in DOCUMENT_STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not one of {', '.join(DOCUMENT_STATUSES)}", param_hint="--status"
        )
    from esign.providers.options import ListOptions

    opts = ListOptions(status=status, limit=limit, all_pages=all_pages, collection=collection)
    run(lambda p: p.list_documents(opts))


@command(app, "upload")
def upload(
    file: Annotated[
        str | None,
        typer.Argument(metavar="FILE", help="PDF to upload.", show_default=False),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            help="OKdokument: tosign (ready to sign, default) or tags (place signature fields "
            "from text tags first).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.", show_default=False)] = None,
    url: Annotated[
        str | None,
        typer.Option(help="Register a document by URL instead of a FILE.", show_default=False),
    ] = None,
    collection: Annotated[
        str | None, typer.Option(help="Collection ID (IndexHealth).", show_default=False)
    ] = None,
    description: Annotated[
        str | None, typer.Option(help="Description (IndexHealth).", show_default=False)
    ] = None,
    doc_type: Annotated[
        str | None, typer.Option("--type", help="Document type (IndexHealth).", show_default=False)
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="A tag; repeat for several.", show_default=False)
    ] = None,
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
    name: Annotated[str | None, typer.Option(help="New name.", show_default=False)] = None,
    description: Annotated[
        str | None, typer.Option(help="New description.", show_default=False)
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="A tag; repeat for several.", show_default=False)
    ] = None,
) -> None:
    """Change a document's metadata (providers that support it)."""
    from esign.providers.options import UploadOptions

    opts = UploadOptions(name=name, description=description, tags=tuple(tag or ()))
    run(lambda p: p.update_document(document_id, opts))


@command(app, "delete")
def delete(document_id: DocumentId, yes: Yes = False) -> None:
    """Delete a document. Asks first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Delete document {document_id} on {provider.title}?", yes=yes)
    app_ctx.output.emit(provider.delete_document(document_id))


WaitUntil = Annotated[
    str,
    typer.Option(
        help="signed: exit 0 once signed, 6 if it ends otherwise; final: exit 0 "
        "once it is no longer pending."
    ),
]
WaitTimeout = Annotated[
    str, typer.Option(metavar="DURATION", help="Give up after this long (exit 8): 90s, 10m, 2h.")
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
        typer.Argument(metavar="ID...", help="Document IDs.", show_default=False),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--out",
            metavar="FILE|DIR/|-",
            help="Write to FILE (atomically), into DIR/ under the server's file name, or to "
            "stdout with '-'. Default: the server's file name in the current directory. "
            "Several IDs go into a directory.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    original: Annotated[
        bool,
        typer.Option("--original", help="The original, unsigned file (providers that keep it)."),
    ] = False,
    jobs: Annotated[
        int, typer.Option(min=1, max=64, help="Downloads at once, with several IDs.")
    ] = 4,
    from_file: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="FILE|-",
            help="Read more IDs from FILE (or stdin): UTF-8, one per line, at most 8 MiB; # "
            "starts a comment.",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until each document is signed, then download.")
    ] = False,
    timeout: WaitTimeout = "10m",
    interval: WaitInterval = "5s",
) -> None:
    """Download documents' files (the signed one when there is one).

    Prints path, bytes, sha256 and content type for each (JSON lines with several IDs).
    Nothing is left behind on failure or Ctrl-C. With several IDs, one failure does not stop
    the others, and the exit code is that of the worst failure.

    Example: esign doc download 7Ki_u1mrUwijfb -o contract.pdf
    Example: esign doc download --from ids.txt -o signed/ --jobs 8
    """
    from esign.cli.downloads import DownloadJob, run_downloads

    app_ctx = app_context()
    job = DownloadJob(
        ids=list(document_ids or ()),
        from_file=from_file,
        out=out,
        force=force,
        original=original,
        jobs=jobs,
        wait=wait_settings(timeout, interval) if wait else None,
    )
    run_downloads(app_ctx, job)


@command(app, "presign")
def presign(
    document_id: DocumentId,
    original: Annotated[
        bool, typer.Option("--original", help="The original, unsigned file.")
    ] = False,
) -> None:
    """Print a time-limited URL for the document's file, and when it expires."""
    run(lambda p: p.presign(document_id, original=original))


@command(app, "wait")
def wait(
    document_id: DocumentId,
    until: WaitUntil = "signed",
    timeout: WaitTimeout = "10m",
    interval: WaitInterval = "5s",
) -> None:
    """Wait until a document is signed (or, with --until final, no longer pending), then print
    it. Exit 0 when reached, 6 when it ended refused or canceled, 8 on timeout.

    Here --timeout is the wait's; the per-request HTTP timeout goes before the command
    (esign --timeout 10 doc wait ...) or in ESIGN_TIMEOUT.

    Example: esign doc wait 7Ki_u1mrUwijfb --timeout 30m && esign doc download 7Ki_u1mrUwijfb
    """
    from esign.cli.downloads import wait_for_document

    if until not in ("signed", "final"):
        raise typer.BadParameter(f"{until!r} is not signed or final", param_hint="--until")
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    document, failure = wait_for_document(
        app_ctx, provider, document_id, until, wait_settings(timeout, interval)
    )
    if document is not None:
        app_ctx.output.emit(Outcome(document))
    if failure is not None:
        raise failure


def wait_settings(timeout: str, interval: str) -> tuple[float, float]:
    from esign.core.errors import UsageError
    from esign.core.when import parse_duration

    seconds = parse_duration(timeout, what="--timeout").total_seconds()
    gap = parse_duration(interval, what="--interval").total_seconds()
    if gap < 1:
        raise UsageError("--interval must be at least 1s: providers rate-limit polling")
    return seconds, gap
