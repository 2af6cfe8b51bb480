"""`esign signer ...`: a document's signers (ZapSign): list, add, update, remind, remove.

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

from typing import Annotated

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.params import Yes, argument, option
from esign.cli.run import confirm, run
from esign.cli.values import parse_phone
from esign.core.errors import EsignError
from esign.ops.provider import name_failure, provider_for
from esign.providers.options import SignerOptions

app = new_group("signer")

DocumentId = Annotated[str, argument(metavar="DOC_ID", help="The document's ID.")]
SignerId = Annotated[
    str,
    argument(
        metavar="SIGNER_ID",
        help="The signer's ID (ZapSign's signer token, the end of its sign URL).",
    ),
]
Email = Annotated[str | None, option(help="The signer's email.")]
Phone = Annotated[
    str | None,
    option(
        metavar="'+CC NUMBER'",
        help="The signer's phone: country code, a space, the number ('+55 11999999999').",
    ),
]
AuthMode = Annotated[
    str | None,
    option(
        metavar="MODE",
        autocompletion=choices.completer(choices.auth_modes),
        help="How the signer proves who they are: assinaturaTela (drawn signature), "
        "tokenEmail, tokenSms, tokenWhatsapp, certificadoDigital, or "
        "assinaturaTela-tokenEmail/-tokenSms/-tokenWhatsapp.",
    ),
]
RedirectUrl = Annotated[
    str | None,
    option(
        help="Where the signer's browser goes after signing (a 'Continue' button).",
    ),
]


@command(app, "list")
def list_(document_id: DocumentId) -> None:
    """A document's signers: ID, name, email, status, when they signed.

    Example: esign signer list 0eb8f439-2afa-4014-a09a-2055e4fc5e24 --json | jq -r '.[].id'
    """
    run(lambda p: p.list_signers(document_id), about=document_id)


@command(app, "add")
def add(
    document_id: DocumentId,
    name: Annotated[str, option(help="The signer's name.")],
    email: Email = None,
    phone: Phone = None,
    auth_mode: AuthMode = None,
    send_email: Annotated[
        bool,
        typer.Option("--send-email", help="Have ZapSign email the signing link (needs --email)."),
    ] = False,
    redirect_url: RedirectUrl = None,
    order: Annotated[
        int | None,
        option(
            metavar="N",
            min=0,
            max=100,
            help="The signer's turn when the document is signed in order (1 = first).",
        ),
    ] = None,
) -> None:
    """Add a signer to a document still being signed; prints the signer with its sign URL.

    Example: esign signer add DOC_ID --name 'Bruno Lima' --email bruno@example.com --send-email
    """
    opts = SignerOptions(
        name=name,
        email=email,
        phone=parse_phone(phone, "--phone") if phone else None,
        auth_mode=auth_mode,
        send_email=send_email,
        redirect_url=redirect_url,
        order=order,
    )
    run(lambda p: p.add_signer(document_id, opts), about=document_id)


@command(app, "update")
def update(
    signer_id: SignerId,
    name: Annotated[str | None, option(help="New name.")] = None,
    email: Email = None,
    phone: Phone = None,
    auth_mode: AuthMode = None,
    redirect_url: RedirectUrl = None,
) -> None:
    """Change a signer who has not signed yet; only the fields given are sent."""
    opts = SignerOptions(
        name=name,
        email=email,
        phone=parse_phone(phone, "--phone") if phone else None,
        auth_mode=auth_mode,
        redirect_url=redirect_url,
    )
    run(lambda p: p.update_signer(signer_id, opts), about=signer_id)


@command(app, "remind")
def remind(
    signer_id: SignerId,
    via: Annotated[
        str,
        typer.Option(
            help="email, or whatsapp (ZapSign charges for WhatsApp).",
            autocompletion=choices.completer(choices.VIA),
        ),
    ] = "email",
) -> None:
    """Send the signing link to a signer again. ZapSign sends at most one reminder per
    signer every 30 minutes; a refusal says so."""
    choices.check(via, choices.VIA, "--via")
    run(lambda p: p.remind_signer(signer_id, via), about=signer_id)


@command(app, "remove")
def remove(
    signer_id: SignerId,
    yes: Yes = False,
) -> None:
    """Remove a signer who has not signed. It cannot be undone: added again, the signer gets a
    new ID and link. A document's only signer cannot be removed (add another first). Asks
    first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Remove signer {signer_id} on {provider.title}?", yes=yes)
    try:
        outcome = provider.remove_signer(signer_id)
    except EsignError as err:
        name_failure(app_ctx, err, signer_id)
        raise
    app_ctx.output.emit(outcome)
