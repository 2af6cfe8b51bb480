"""`esign doc ...`: documents."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from esign.cli.command import app_context, command
from esign.cli.run import confirm, not_available_yet, provider_for, run
from esign.core.statuses import DOCUMENT_STATUSES
from esign.core.target import Target
from esign.providers.options import DownloadOptions, ListOptions, UploadOptions

app = typer.Typer(
    name="doc",
    help="Documents: show, list, upload, download, presign, update, delete, wait.",
    no_args_is_help=True,
)

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
    opts = UploadOptions(name=name, description=description, tags=tuple(tag or ()))
    run(lambda p: p.update_document(document_id, opts))


@command(app, "delete")
def delete(document_id: DocumentId, yes: Yes = False) -> None:
    """Delete a document. Asks first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Delete document {document_id} on {provider.title}?", yes=yes)
    app_ctx.output.emit(provider.delete_document(document_id))


@command(app, "download")
def download(
    document_id: DocumentId,
    out: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--out",
            metavar="FILE|DIR/|-",
            help="Write to FILE (atomically), into DIR/ under the server's file name, or to "
            "stdout with '-'. Default: the server's file name in the current directory.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    original: Annotated[
        bool,
        typer.Option("--original", help="The original, unsigned file (providers that keep it)."),
    ] = False,
) -> None:
    """Download a document's file (the signed one when there is one).

    Prints path, bytes, sha256 and content type. Nothing is left behind on failure.

    Example: esign doc download 7Ki_u1mrUwijfb -o contract.pdf
    """
    app_ctx = app_context()
    opts = DownloadOptions(
        target=Target.parse(out),
        force=force,
        original=original,
        progress=not app_ctx.flags.quiet,
    )
    from esign.core.models import Outcome

    result = provider_for(app_ctx).download(document_id, opts, app_ctx.streams)
    if result.path == "-":
        # stdout carries the document itself; the summary must not corrupt it.
        app_ctx.output.info(json.dumps(result.to_dict()))
    else:
        app_ctx.output.emit(Outcome(result))


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
def wait(document_id: DocumentId) -> None:
    """Wait until a document is signed (or reaches a final state)."""
    not_available_yet("doc wait", hint="poll `esign doc info ID --json` for now")
