"""`esign request ...`: signature requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.params import Yes, argument, option
from esign.cli.run import confirm, run
from esign.cli.values import parse_pair, parse_phone, parse_signer, read_json
from esign.core.errors import EsignError
from esign.core.when import parse_when
from esign.ops.provider import name_failure, provider_for
from esign.providers.options import (
    CancelOptions,
    CreateRequestOptions,
    SignerSpec,
    UpdateRequestOptions,
)

app = new_group("request")

RequestId = Annotated[str, argument(metavar="ID", help="The signature request's ID.")]
RedirectUrl = Annotated[
    str | None,
    option(
        help="Where the signer's browser goes after signing (OKdokument resulturl; ZapSign "
        "each signer's redirect_link).",
    ),
]
CallbackUrl = Annotated[
    str | None,
    option(
        help="URL the provider POSTs to when signing completes (OKdokument sendInfoURL).",
    ),
]
ExpiresAt = Annotated[
    str | None,
    option(
        metavar="WHEN",
        help="When the request expires: 2026-12-31, 2026-12-31T18:00:00Z, or 7d / 36h from now.",
    ),
]
NO_VALUE = ("", "-")  # a companion value that gives this signer nothing


def _when(text: str | None) -> datetime | None:
    return parse_when(text, now=datetime.now(UTC)) if text else None


def _per_signer(values: list[str] | None, count: int, flag: str) -> list[str | None]:
    """A `--signer-*` companion: once for every signer, or once per --signer in the same
    order ('-' for none)."""
    given = list(values or ())
    if not given:
        return [None] * count
    if len(given) == 1:
        given = given * count
    if len(given) != count:
        raise typer.BadParameter(
            f"given {len(given)} times for {count} --signer: give it once (for every signer) "
            "or once per --signer, in the same order ('-' for none)",
            param_hint=flag,
        )
    return [None if v.strip() in NO_VALUE else v.strip() for v in given]


def _signers(
    signer: list[str] | None,
    phones: list[str] | None,
    auth_modes: list[str] | None,
    orders: list[str] | None,
) -> tuple[SignerSpec, ...]:
    specs = [parse_signer(s) for s in signer or ()]
    if not specs and (phones or auth_modes or orders):
        raise typer.BadParameter("goes with --signer", param_hint="--signer-*")
    count = len(specs)
    phone = _per_signer(phones, count, "--signer-phone")
    mode = _per_signer(auth_modes, count, "--signer-auth-mode")
    order = _per_signer(orders, count, "--signer-order")
    out = []
    for i, spec in enumerate(specs):
        position, number = order[i], phone[i]
        if position is not None and not (position.isdigit() and int(position) <= 100):
            raise typer.BadParameter(f"{position!r} is not a number", param_hint="--signer-order")
        out.append(
            SignerSpec(
                name=spec.name,
                email=spec.email,
                phone=parse_phone(number, "--signer-phone") if number else None,
                auth_mode=mode[i],
                order=int(position) if position is not None else None,
            )
        )
    return tuple(out)


def _signer_objects(path: str | None) -> tuple[dict[str, Any], ...]:
    if path is None:
        return ()
    data = read_json(path, "--signers")
    if not isinstance(data, list) or not data:
        raise typer.BadParameter(
            "must hold a JSON array of ZapSign signer objects, e.g. "
            '[{"name": "Ana", "email": "ana@example.com"}]',
            param_hint="--signers",
        )
    return tuple(data)


def _fields(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    data = read_json(path, "--fields")
    if not isinstance(data, dict):
        raise typer.BadParameter(
            'must hold a JSON object such as {"SIGNATURE": ["SC_signature"]}',
            param_hint="--fields",
        )
    return data


@command(app, "create")
def create(
    file: Annotated[
        str | None,
        argument(
            metavar="FILE",
            help="PDF to sign (OKdokument also converts .doc/.docx/.xls/.xlsx, ZapSign .docx). "
            "At most 10 MB.",
        ),
    ] = None,
    document: Annotated[
        str | None,
        option(
            metavar="ID",
            help="Start a new signing round on an existing document instead of uploading "
            "(OKdokument).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        option(
            help="The document by public URL instead of a FILE (ZapSign url_pdf; a .docx URL "
            "url_docx).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        option(
            metavar="ID",
            help="Create the document from this template (ZapSign; `esign template list`), "
            "with one --signer and its --data.",
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        option(
            metavar="KEY=VALUE",
            help="A template variable and its value, e.g. 'NOME COMPLETO=Ana Souza'; repeat.",
        ),
    ] = None,
    name: Annotated[str | None, option(help="Document name shown to signers.")] = None,
    redirect_url: RedirectUrl = None,
    callback_url: Annotated[
        str | None,
        option(
            help="URL the provider POSTs to as signing progresses: OKdokument's sendInfoURL; "
            "for ZapSign a webhook bound to the new document (a second call, said on stderr).",
        ),
    ] = None,
    expires_at: ExpiresAt = None,
    request_id: Annotated[
        str | None,
        option(
            metavar="UUID",
            help="Your own ID for this request (must be new; OKdokument); default: the "
            "provider picks one.",
        ),
    ] = None,
    signer: Annotated[
        list[str] | None,
        option(
            metavar="'NAME <EMAIL>'",
            help="A signer (ZapSign); repeat for several.",
        ),
    ] = None,
    signer_phone: Annotated[
        list[str] | None,
        option(
            metavar="'+CC NUMBER'",
            help="The signer's phone, e.g. '+55 11999999999'. Each --signer-* option is given "
            "once (for every signer) or once per --signer in the same order ('-' for none).",
        ),
    ] = None,
    signer_auth_mode: Annotated[
        list[str] | None,
        option(
            metavar="MODE",
            autocompletion=choices.completer(choices.auth_modes),
            help="How the signer proves who they are (ZapSign auth_mode): assinaturaTela "
            "(default), tokenEmail, tokenSms, tokenWhatsapp, certificadoDigital, or "
            "assinaturaTela-token*.",
        ),
    ] = None,
    signer_order: Annotated[
        list[str] | None,
        option(
            metavar="N",
            help="The signer's turn with --order (1 = first; the same number signs together).",
        ),
    ] = None,
    signers_file: Annotated[
        str | None,
        option(
            "--signers",
            metavar="FILE.json",
            help="ZapSign's own signer objects, a JSON array sent as written (every field of "
            "its API: auth_mode, phone_country, order_group, require_cpf...). Instead of "
            "--signer.",
        ),
    ] = None,
    order: Annotated[
        bool,
        typer.Option(
            "--order",
            help="Signers sign one after the other, in the order given (ZapSign "
            "signature_order_active).",
        ),
    ] = False,
    reminder_days: Annotated[
        int | None,
        option(
            metavar="N",
            min=1,
            max=365,
            help="Remind pending signers every N days (ZapSign, with --send-email; at most 3 "
            "reminders).",
        ),
    ] = None,
    folder: Annotated[
        str | None,
        option(
            metavar="PATH",
            help="Folder for the document, created if new (ZapSign), e.g. /contracts/2026/.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        option(
            help="Signing page and email language: ZapSign pt-br, es, en or fr; OKdokument "
            "a language code for its lang rule (en, sk, ...).",
            autocompletion=choices.completer(choices.LANGS),
        ),
    ] = None,
    external_id: Annotated[
        str | None,
        option(help="Your reference for the document (ZapSign)."),
    ] = None,
    send_email: Annotated[
        bool,
        typer.Option(
            "--send-email",
            help="Have the provider email the signing link: ZapSign to each --signer's email; "
            "OKdokument to --email-to, from --email-from.",
        ),
    ] = False,
    email_to: Annotated[
        str | None,
        option(
            metavar="ADDR",
            help="OKdokument: the signer's address for --send-email (emailTo rule).",
        ),
    ] = None,
    email_from: Annotated[
        str | None,
        option(
            metavar="ADDR",
            help="OKdokument: the sender for --send-email, where replies go (emailFrom rule).",
        ),
    ] = None,
    otp: Annotated[
        str | None,
        option(
            metavar="EMAIL|+PHONE",
            help="OKdokument: the signer must enter a one-time code sent to this address or "
            "phone (SMS) before the document opens (openOtpEmail / openOtpPhone rule).",
        ),
    ] = None,
    state: Annotated[
        str | None,
        option(
            help="OKdokument: the uploaded FILE's state: tosign (default), tags (place "
            "signature fields from text tags first) or tostamp (insert a digital stamp first).",
        ),
    ] = None,
    fields: Annotated[
        str | None,
        option(
            metavar="FILE.json",
            help="OKdokument: the form fields this round may fill (allowedFields), e.g. "
            '{"SIGNATURE": ["SC_signature"], "TEXT": ["TO_text"]}.',
        ),
    ] = None,
) -> None:
    """Create a signature request; prints its ID, the document ID and the signer URL.

    Example: esign request create contract.pdf --redirect-url https://example.com/done
    Example: esign request create contract.pdf --signer 'Ana <ana@x.com>' --signer Bruno --order
    Example: esign request create --template TEMPLATE_ID --data 'NOME COMPLETO=Ana' --signer Ana
    """
    opts = CreateRequestOptions(
        file_path=file,
        document_id=document,
        name=name,
        redirect_url=redirect_url,
        callback_url=callback_url,
        expires_at=_when(expires_at),
        request_id=request_id,
        signers=_signers(signer, signer_phone, signer_auth_mode, signer_order),
        lang=lang,
        external_id=external_id,
        send_email=send_email,
        signer_objects=_signer_objects(signers_file),
        ordered=order,
        reminder_days=reminder_days,
        url=url,
        folder=folder,
        template_id=template,
        template_data=tuple(parse_pair(d, "--data") for d in data or ()),
        email_to=email_to,
        email_from=email_from,
        otp=otp,
        state=state,
        allowed_fields=_fields(fields),
    )
    if opts.template_data and not opts.template_id:
        raise typer.BadParameter(
            "fills a template's variables: add --template ID", param_hint="--data"
        )
    app_ctx = app_context()
    try:
        outcome = provider_for(app_ctx).create_request(opts)
    except EsignError as err:
        name_failure(app_ctx, err, document)
        raise
    app_ctx.output.emit(outcome)
    if outcome.failure is not None:
        # A second call failed after the document was made: it is printed, then the failure.
        raise outcome.failure


@command(app, "update")
def update(
    request_id: RequestId,
    redirect_url: RedirectUrl = None,
    callback_url: CallbackUrl = None,
    name: Annotated[str | None, option(help="New name (ZapSign).")] = None,
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
def delete(request_id: RequestId, yes: Yes = False) -> None:
    """Delete a signature request. Asks first on a terminal; needs --yes otherwise.

    What that does differs by provider. OKdokument: the signature request is deleted and its
    URL no longer opens the document (the document stays). ZapSign: a soft delete of the
    document; it stays readable and does NOT stop signing: use `esign request cancel ID
    --reason TEXT` to stop it. IndexHealth has no signature requests.
    """
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    confirm(app_ctx, f"Delete signature request {request_id} on {provider.title}?", yes=yes)
    try:
        outcome = provider.delete_request(request_id)
    except EsignError as err:
        name_failure(app_ctx, err, request_id)
        raise
    app_ctx.output.emit(outcome)


@command(app, "cancel")
def cancel(
    request_id: RequestId,
    reason: Annotated[
        str,
        option(
            metavar="TEXT",
            help="Why it is canceled; signers and the provider's web app show it.",
        ),
    ],
    notify: Annotated[
        bool, typer.Option("--notify", help="Email the signers that it was canceled.")
    ] = False,
    yes: Yes = False,
) -> None:
    """Cancel a signature request: it can no longer be signed, and its PDF is marked refused
    (ZapSign: status refused, a "Documento recusado" watermark). It cannot be undone. Asks
    first on a terminal; needs --yes otherwise. Never retried once it may have been sent.

    Example: esign request cancel 0eb8f439-2afa-4014 --reason 'sent by mistake' --yes
    """
    if not reason.strip():
        raise typer.BadParameter("must not be empty", param_hint="--reason")
    app_ctx = app_context()
    provider = provider_for(app_ctx)
    opts = CancelOptions(reason=reason, notify_signers=notify)
    try:
        confirm(
            app_ctx,
            f"Cancel signature request {request_id} on {provider.title}? Its signers can no "
            "longer sign, and it cannot be undone.",
            yes=yes,
        )
        outcome = provider.cancel_request(request_id, opts)
    except EsignError as err:
        name_failure(app_ctx, err, request_id)
        raise
    app_ctx.output.emit(outcome)
