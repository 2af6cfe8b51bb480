"""`esign sandbox ...`: the local emulator of the provider APIs."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated, TextIO

import typer

from esign.cli import choices
from esign.cli._typer import app_context, command, new_group
from esign.cli.params import argument, option
from esign.core.errors import UsageError

app = new_group("sandbox")

SandboxUrl = Annotated[
    str | None,
    option(
        "--sandbox-url",
        metavar="URL",
        help="Where the sandbox runs [default: the origin of $ESIGN_BASE_URL when it is a "
        "sandbox's, else $ESIGN_SANDBOX_URL, else http://127.0.0.1:8765].",
    ),
]


@command(app, "serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free).")] = 8765,
    faults: Annotated[
        str | None,
        option(
            metavar="SPEC",
            help="Faults to inject: JSON rules, or KIND[:ARG]@[METHOD ]PATH[*COUNT] joined "
            "with ';', e.g. 'status:503@GET /okdokument/JSON/document*2'.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for probabilistic faults.")] = 0,
    write_profiles: Annotated[
        bool,
        typer.Option(
            "--write-profiles",
            help="Create sandbox-<provider> profiles for this sandbox and store their demo "
            "secrets (in the keyring, or a file with --insecure-storage).",
        ),
    ] = False,
    insecure_storage: Annotated[
        bool,
        typer.Option("--insecure-storage", help="With --write-profiles: secrets in a 0600 file."),
    ] = False,
    webhook_url: Annotated[
        str | None,
        option(
            metavar="URL",
            help="Send events here from the start: a ZapSign webhook of the demo account for "
            "every document event, and the sendInfoURL of OKdokument requests that name none "
            "(e.g. the URL `esign webhook listen` prints).",
        ),
    ] = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C, printing base URLs and demo credentials.

    --rate sets the per-token limit its ZapSign enforces in fixed windows, as documented
    (default 500/m; e.g. 3000/m, 20/s, or none): past it, 429 until the window ends. The
    admin API (/_sandbox/rate) changes it and counts the 429s answered.

    Example: esign sandbox serve --port 8765 --rate 3000/m
    """
    from esign.core.http.client import is_loopback
    from esign.sandbox.app import Sandbox
    from esign.sandbox.faults import parse_rules
    from esign.sandbox.limits import parse_limit
    from esign.sandbox.server import serve as run_server

    app_ctx = app_context()
    if webhook_url is not None:
        from esign.ops.webhooks import check_url

        check_url(webhook_url, "--webhook-url")
    token = admin_token_for(host)
    try:
        # The shared --rate, given to this command: the limit the sandbox enforces.
        limit = parse_limit(app_ctx.flags.rate or "500/m")
    except ValueError as exc:
        raise UsageError(f"invalid --rate: {exc}") from None
    sandbox = Sandbox(seed=seed, admin_token=token, webhook_url=webhook_url, zapsign_rate=limit)
    if faults:
        try:
            sandbox.faults.set(parse_rules(faults), seed=seed)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"invalid --faults: {exc}") from None
    if not is_loopback(host):
        app_ctx.output.warn(
            f"listening on {host}: anyone who can reach it can use the sandbox's demo keys"
        )
    if port == 0:
        # Choose now: the banner and any written profiles must name the real port.
        import socket

        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    origin = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    creds = sandbox.credentials(origin)
    if write_profiles:
        from esign.ops.profiles import write_sandbox_profiles

        names = write_sandbox_profiles(app_ctx, creds, insecure=insecure_storage)
        app_ctx.output.info(f"profiles written: {', '.join(names)} (use --profile NAME)")
    output = app_ctx.output
    import tempfile

    # The banner's sample PDF lives as long as the server: no directory left per run.
    with tempfile.TemporaryDirectory(prefix="esign-sandbox-") as scratch:
        if output.fields is not None or output.jq is not None:
            # --jq '.providers.zapsign'
            output.write_json(banner_data(origin, creds, token, webhook_url))
        else:
            _print_banner(
                app_ctx.streams.stdout,
                origin,
                creds,
                output.json_mode,
                token,
                webhook_url,
                sample_dir=Path(scratch),
            )
        run_server(sandbox, host, port, log=not app_ctx.flags.quiet)


def admin_token_for(host: str) -> str | None:
    """A fresh admin token when the sandbox listens beyond loopback (else None)."""
    from esign.core.http.client import is_loopback

    if is_loopback(host):
        return None
    import secrets

    return secrets.token_urlsafe(24)


def banner_data(
    origin: str,
    creds: dict[str, dict[str, str]],
    admin_token: str | None,
    webhook_url: str | None = None,
) -> dict[str, object]:
    banner: dict[str, object] = {"url": origin, "providers": creds}
    if admin_token:
        banner["admin_token"] = admin_token
    if webhook_url:
        banner["webhook_url"] = webhook_url
    return banner


def _print_banner(
    stream: TextIO,
    origin: str,
    creds: dict[str, dict[str, str]],
    as_json: bool,
    admin_token: str | None = None,
    webhook_url: str | None = None,
    *,
    sample_dir: Path,
) -> None:
    if as_json:
        # One line: a script reads it from a server that keeps running.
        stream.write(json.dumps(banner_data(origin, creds, admin_token, webhook_url)) + "\n")
        stream.flush()
        return
    lines = [f"esign sandbox on {origin}", ""]
    if admin_token:
        lines += [
            f"admin token (for /_sandbox/*): {admin_token}",
            f"  export ESIGN_SANDBOX_TOKEN={admin_token}   # for esign sandbox sign",
            "",
        ]
    if webhook_url:
        lines += [
            f"events go to {webhook_url}: ZapSign webhook (every document event) and",
            "  OKdokument sendInfoURL (requests that name none)",
            "",
        ]
    for provider, info in creds.items():
        lines.append(f"{provider}:")
        lines.extend(f"  {key:<18} {value}" for key, value in info.items())
    from esign.ops.sandbox_demo import demo_environment, export_line, write_sample

    sample = shlex.quote(str(write_sample(sample_dir)))
    lines += [
        "",
        "Try it in another shell (a sample PDF is ready):",
        f"  {export_line(demo_environment(creds['okdokument'], 'okdokument'))}",
        f"  DOC=$(esign request create {sample} --jq .document_id)",
        '  esign sandbox sign "$DOC"',
        '  esign doc info "$DOC"',
        '  esign doc download "$DOC" -o signed.pdf',
        "",
    ]
    stream.write("\n".join(lines) + "\n")
    stream.flush()


@command(app, "sign")
def sign(
    some_id: Annotated[
        str,
        argument(
            metavar="ID",
            help="A document or signature request ID.",
        ),
    ],
    cancel: Annotated[
        bool,
        typer.Option(
            "--cancel", help="Cancel instead of signing (OKdokument: Close; ZapSign: refuse)."
        ),
    ] = False,
    signer: Annotated[
        str | None,
        option(
            metavar="TOKEN",
            help="ZapSign: only this signer signs (default: every pending signer).",
        ),
    ] = None,
    signer_name: Annotated[
        str, typer.Option(help="OKdokument: the signer's name on the stamp.")
    ] = "Sandbox Signer",
    sandbox_url: SandboxUrl = None,
) -> None:
    """Simulate the signer: stamp the PDF, fire callbacks or webhooks, move the state.

    ID is a document ID, an OKdokument signature request ID or a ZapSign signer token.

    Example: esign sandbox sign 7Ki_u1mrUwijfb
    """
    from esign.ops import sandbox_admin

    app_ctx = app_context()
    url, found_from = sandbox_admin.sandbox_url(app_ctx, sandbox_url)
    result = sandbox_admin.sign(
        app_ctx,
        url,
        some_id,
        found_from=found_from,
        action="cancel" if cancel else "sign",
        signer_name=signer_name,
        signer_token=signer,
    )
    output = app_ctx.output
    if output.json_mode:
        output.write_json(result)
    else:
        from esign.core.output.terminal import for_terminal

        line = f"{result.get('provider')} document {result.get('id')} is now {result.get('state')}"
        app_ctx.streams.stdout.write(for_terminal(line) + "\n")


@command(app, "trigger")
def trigger(
    event: Annotated[
        str,
        argument(
            metavar="EVENT",
            autocompletion=choices.completer(choices.trigger_events),
            help="ZapSign: doc_created, doc_signed, doc_refused, doc_deleted, doc_viewed, "
            "doc_read_confirmation, doc_expired, doc_expiration_alert, created_signer, "
            "signature_notification_sent, signer_authentication_failed, email_bounce. "
            "OKdokument (its sendInfo callback): signed, canceled.",
        ),
    ],
    document: Annotated[
        str | None,
        option(
            metavar="ID",
            help="The document it is about: a document ID, a ZapSign signer token (the signer "
            "the event names) or an OKdokument signature request ID [default: a new sample "
            "document].",
        ),
    ] = None,
    to: Annotated[
        str | None,
        option(
            metavar="URL",
            help="Send it here [default: the webhooks registered for it (ZapSign), the "
            "request's sendInfoURL (OKdokument)].",
        ),
    ] = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Send one documented event now, shaped like the provider's documented sample, and print
    what each receiver answered. The document does not change: to move it, use
    `esign sandbox sign`.

    Example: esign sandbox trigger doc_signed --to http://127.0.0.1:8766/
    """
    from esign.ops import sandbox_admin
    from esign.sandbox.okdokument.signing import EVENTS as OKDOKUMENT_EVENTS
    from esign.sandbox.zapsign.events import EVENTS as ZAPSIGN_EVENTS

    if event not in (*ZAPSIGN_EVENTS, *OKDOKUMENT_EVENTS):
        known = ", ".join((*ZAPSIGN_EVENTS, *OKDOKUMENT_EVENTS))
        raise UsageError(f"no documented event {event!r}", hint=f"use one of {known}")
    if to is not None:
        from esign.ops.webhooks import check_url

        check_url(to, "--to")
    app_ctx = app_context()
    url, found_from = sandbox_admin.sandbox_url(app_ctx, sandbox_url)
    result = sandbox_admin.trigger(
        app_ctx, url, event, some_id=document, to=to, found_from=found_from
    )
    output = app_ctx.output
    if output.json_mode:
        output.write_json(result)
        return
    from esign.core.output.terminal import for_terminal

    lines = [f"{result.get('provider')} {event} for document {result.get('document_id')}"]
    for sent in result.get("deliveries") or []:
        answer = sent.get("status") or sent.get("error")
        lines.append(f"  -> {sent.get('url')}: {answer}")
    app_ctx.streams.stdout.write("".join(for_terminal(line) + "\n" for line in lines))


@command(app, "demo")
def demo(
    out_dir: Annotated[
        str | None,
        option(
            metavar="DIR",
            help="Where to save the signed PDF [default: a new temporary directory].",
        ),
    ] = None,
    provider: Annotated[
        str,
        typer.Option(
            help="Which provider's emulator to use: okdokument, zapsign or indexhealth.",
            autocompletion=choices.completer(choices.demo_providers),
        ),
    ] = "okdokument",
) -> None:
    """Run a whole signing job against an in-process sandbox: create a request from a bundled
    sample PDF, sign it, show its info, download the signed PDF. Prints each step as the
    equivalent esign command."""
    from esign.ops.sandbox_demo import DEMO_PROVIDERS, run_demo

    choices.check(provider, DEMO_PROVIDERS, "--provider")
    run_demo(app_context(), out_dir, provider)
