"""`esign webhook ...`: receive provider events locally, and manage ZapSign's account webhooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.params import Yes, argument, option
from esign.cli.run import confirm, run
from esign.core.errors import EsignError, InvalidChoiceError, UsageError
from esign.ops.provider import name_failure, provider_for

app = new_group("webhook")

# ZapSign's create endpoint documents exactly these `type` values (besides "" for all).
EVENTS = ("doc_signed", "doc_created", "doc_deleted", "doc_refused", "email_bounce")
VALUE_FROM_FILE = (
    "For a secret, write 'Name: @-' to read the value from stdin or 'Name: @FILE' to read "
    "it from a file: a command line stays in shell history and `ps`."
)


@command(app, "listen")
def listen(
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(metavar="PORT", min=0, max=65535, help="TCP port (0: any free).")
    ] = 8766,
    forward_to: Annotated[
        str | None,
        option(
            metavar="URL",
            help="Re-send each delivery (the same body and headers) to your app and print "
            "the status it answered.",
        ),
    ] = None,
    provider: Annotated[
        str | None,
        option(
            metavar="PROVIDER",
            help="zapsign or okdokument [default: told apart by each payload].",
        ),
    ] = None,
    require_header: Annotated[
        str | None,
        option(
            metavar="'NAME: VALUE'",
            help="Answer 401 to a delivery without this header (the custom header registered "
            f"with the webhook, ZapSign's documented safeguard). {VALUE_FROM_FILE}",
        ),
    ] = None,
    save: Annotated[
        Path | None,
        option(
            metavar="DIR",
            help="Also store each payload, as received, in a new file in DIR.",
        ),
    ] = None,
) -> None:
    """Receive ZapSign webhooks and OKdokument sendInfo callbacks; print one line per event.

    Each event is a JSON line on stdout (received_at, provider, event, document_id, status,
    signer, payload), or a readable line on a terminal. Every delivery is answered 200 at
    once: ZapSign retries any other answer, so a receiver that fails makes duplicates.
    Ctrl-C stops it (exit 0) and prints how many events came.

    Example: esign webhook listen --forward-to http://localhost:3000/hooks/zapsign
    """
    from esign.ops.webhooks import PROVIDERS, ListenOptions, parse_header
    from esign.ops.webhooks import listen as run_listener

    app_ctx = app_context()
    if provider is not None and provider not in PROVIDERS:
        raise InvalidChoiceError("--provider", provider, PROVIDERS)
    opts = ListenOptions(
        host=host,
        port=port,
        forward_to=forward_to,
        provider=provider,
        require_header=(
            parse_header(require_header, "--require-header", app_ctx.streams.stdin)
            if require_header
            else None
        ),
        save_dir=save,
    )
    run_listener(app_ctx, opts)


@command(app, "create")
def create(
    url: Annotated[
        str,
        argument(metavar="URL", help="Where ZapSign POSTs the events."),
    ],
    event: Annotated[
        list[str] | None,
        option(
            metavar="EVENT",
            autocompletion=choices.completer(EVENTS),
            help=f"One of {', '.join(EVENTS)}; repeat for several (one webhook each) "
            "[default: every document event: created, signed, deleted, refused]. Newer "
            "events (doc_viewed, doc_expired, ...) are chosen in ZapSign's web app.",
        ),
    ] = None,
    document: Annotated[
        str | None,
        option(metavar="ID", help="Only for this document's events."),
    ] = None,
    header: Annotated[
        list[str] | None,
        option(
            metavar="'NAME: VALUE'",
            help="A header ZapSign sends with every delivery, e.g. an Authorization your "
            f"app checks; repeat for several. {VALUE_FROM_FILE}",
        ),
    ] = None,
) -> None:
    """Register a ZapSign account webhook; prints its ID (keep it: ZapSign has no endpoint
    that lists webhooks, so the ID is the only way to delete it later).

    Other providers have no account webhooks: OKdokument calls each request's sendInfoURL
    (`esign request create --callback-url`, `esign request update ID --callback-url`).

    Example: esign webhook create https://example.com/hooks/zapsign --event doc_signed
    """
    from esign.ops.webhooks import check_url, parse_header
    from esign.providers.options import CreateWebhookOptions

    app_ctx = app_context()
    for name in event or ():
        if name not in EVENTS:
            raise UsageError(
                f"--event {name!r} is not one ZapSign's API takes",
                hint=f"use one of {', '.join(EVENTS)}, or none for every document event",
            )
    check_url(url, "URL")
    if header and sum(h.partition(":")[2].strip() == "@-" for h in header) > 1:
        raise UsageError("only one --header can read its value from stdin (@-)")
    opts = CreateWebhookOptions(
        url=url,
        events=tuple(dict.fromkeys(event or ())),
        document_id=document,
        headers=tuple(parse_header(h, "--header", app_ctx.streams.stdin) for h in header or ()),
    )
    run(lambda p: p.create_webhook(opts), about=document)


@command(app, "delete")
def delete(
    webhook_id: Annotated[
        str,
        argument(
            metavar="ID",
            help="The ID `esign webhook create` printed.",
        ),
    ],
    yes: Yes = False,
) -> None:
    """Delete a ZapSign account webhook. Asks first on a terminal; needs --yes otherwise."""
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    if not provider.has_webhooks:
        raise provider.no_webhooks()
    confirm(app_ctx, f"Delete webhook {webhook_id} on {provider.title}?", yes=yes)
    try:
        outcome = provider.delete_webhook(webhook_id)
    except EsignError as err:
        name_failure(app_ctx, err, webhook_id)
        raise
    app_ctx.output.emit(outcome)
