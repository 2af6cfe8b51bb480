"""`esign request ...`: signature requests."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.run import confirm, run
from esign.core.errors import EsignError
from esign.core.when import parse_when
from esign.ops.provider import name_failure, provider_for
from esign.providers.options import CreateRequestOptions, SignerSpec, UpdateRequestOptions

app = new_group("request")

RequestId = Annotated[
    str, typer.Argument(metavar="ID", help="The signature request's ID.", show_default=False)
]
RedirectUrl = Annotated[
    str | None,
    typer.Option(
        help="Where the signer's browser goes after signing (OKdokument resulturl; ZapSign "
        "each signer's redirect_link).",
        show_default=False,
    ),
]
CallbackUrl = Annotated[
    str | None,
    typer.Option(
        help="URL the provider POSTs to when signing completes (OKdokument sendInfoURL).",
        show_default=False,
    ),
]
ExpiresAt = Annotated[
    str | None,
    typer.Option(
        metavar="WHEN",
        help="When the request expires: 2026-12-31, 2026-12-31T18:00:00Z, or 7d / 36h from now.",
        show_default=False,
    ),
]

_SIGNER = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<(?P<email>[^<>\s]+@[^<>\s]+)>)?\s*$")


def parse_signer(text: str) -> SignerSpec:
    match = _SIGNER.match(text)
    if not match or not match.group("name"):
        raise typer.BadParameter(f"{text!r} is not 'Name' or 'Name <email>'", param_hint="--signer")
    return SignerSpec(name=match.group("name"), email=match.group("email"))


def _when(text: str | None) -> datetime | None:
    return parse_when(text, now=datetime.now(UTC)) if text else None


@command(app, "create")
def create(
    file: Annotated[
        str | None,
        typer.Argument(
            metavar="FILE",
            help="PDF to sign (OKdokument also converts .doc/.docx/.xls/.xlsx). At most 10 MB.",
            show_default=False,
        ),
    ] = None,
    document: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="Start a new signing round on an existing document instead of uploading.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Document name shown to signers.", show_default=False)
    ] = None,
    redirect_url: RedirectUrl = None,
    callback_url: CallbackUrl = None,
    expires_at: ExpiresAt = None,
    request_id: Annotated[
        str | None,
        typer.Option(
            metavar="UUID",
            help="Your own ID for this request (must be new); default: the provider picks one.",
            show_default=False,
        ),
    ] = None,
    signer: Annotated[
        list[str] | None,
        typer.Option(
            metavar="'NAME <EMAIL>'",
            help="A signer (ZapSign); repeat for several.",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            help="Signing page and email language: ZapSign pt-br, es, en or fr; OKdokument "
            "a language code for its lang rule (en, sk, ...).",
            autocompletion=choices.completer(choices.LANGS),
            show_default=False,
        ),
    ] = None,
    external_id: Annotated[
        str | None,
        typer.Option(help="Your reference for the document (ZapSign).", show_default=False),
    ] = None,
    send_email: Annotated[
        bool, typer.Option("--send-email", help="Have the provider email the signers (ZapSign).")
    ] = False,
) -> None:
    """Create a signature request; prints its ID, the document ID and the signer URL.

    Example: esign request create contract.pdf --redirect-url https://example.com/done
    """
    opts = CreateRequestOptions(
        file_path=file,
        document_id=document,
        name=name,
        redirect_url=redirect_url,
        callback_url=callback_url,
        expires_at=_when(expires_at),
        request_id=request_id,
        signers=tuple(parse_signer(s) for s in signer or ()),
        lang=lang,
        external_id=external_id,
        send_email=send_email,
    )
    run(lambda p: p.create_request(opts), about=document)


@command(app, "update")
def update(
    request_id: RequestId,
    redirect_url: RedirectUrl = None,
    callback_url: CallbackUrl = None,
    name: Annotated[
        str | None, typer.Option(help="New name (ZapSign).", show_default=False)
    ] = None,
    expires_at: ExpiresAt = None,
) -> None:
    """Change a signature request; only the fields given are sent."""
    opts = UpdateRequestOptions(
        redirect_url=redirect_url,
        callback_url=callback_url,
        name=name,
        expires_at=_when(expires_at),
    )
    run(lambda p: p.update_request(request_id, opts), about=request_id)


@command(app, "delete")
def delete(
    request_id: RequestId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a signature request. Asks first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Delete signature request {request_id} on {provider.title}?", yes=yes)
    try:
        outcome = provider.delete_request(request_id)
    except EsignError as err:
        name_failure(app_ctx, err, request_id)
        raise
    app_ctx.output.emit(outcome)
