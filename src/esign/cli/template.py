"""`esign template ...`: document templates (ZapSign's DOCX models).

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

from typing import Annotated

import typer

from esign.cli._typer import command, new_group
from esign.cli.params import option
from esign.cli.run import run
from esign.providers.options import TemplateListOptions

app = new_group("template")


@command(app, "list")
def list_(
    limit: Annotated[int | None, option(min=1, help="At most this many templates.")] = None,
    all_pages: Annotated[
        bool, typer.Option("--all", help="Follow every page (20 a page).")
    ] = False,
) -> None:
    """List templates: ID, name, type, whether active. A document is created from one with
    `esign request create --template ID --data KEY=VALUE --signer NAME`.

    Example: esign template list --all --json | jq -r '.[] | select(.active) | .id'
    """
    opts = TemplateListOptions(limit=limit, all_pages=all_pages)
    run(lambda p: p.list_templates(opts))
