"""`esign account`: what the account has left and has used.

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

import typer

from esign.cli._typer import command, new_group
from esign.cli.run import run

app = new_group("account")


@app.callback(invoke_without_command=True, no_args_is_help=False)
def account(ctx: typer.Context) -> None:
    """`esign account` alone is `esign account show`."""
    if ctx.invoked_subcommand is None:
        # The command itself, run as if typed: it builds the app context and reports errors.
        shown = ctx.command.get_command(ctx, "show")  # type: ignore[attr-defined]
        with shown.make_context("show", [], parent=ctx) as sub:
            shown.invoke(sub)


@command(app, "show")
def show() -> None:
    """What the account has left: OKdokument's available and used signature requests and
    this month's counts (its counter); ZapSign's plan, credits, payment status and period end.

    Example: esign account --json | jq .credits
    """
    run(lambda p: p.account())
