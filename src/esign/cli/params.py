"""The parameters several commands share, and the constructors every command's options use.

`option()` and `argument()` are Typer's with `show_default=False`: most of esign's options
default to "not given" (None), which a `[default: None]` would only clutter, and an option
whose default matters says it in its help text. Options that do want Typer's `[default: X]`
call `typer.Option` directly.

No `from __future__ import annotations` in the modules that use these: Typer reads the
signatures at start-up, and real annotation objects spare it evaluating strings.
"""

from typing import Annotated, Any

import typer


def option(*param_decls: str, **kwargs: Any) -> Any:
    """`typer.Option` without the `[default: ...]` line in --help."""
    kwargs.setdefault("show_default", False)
    return typer.Option(*param_decls, **kwargs)


def argument(*param_decls: str, **kwargs: Any) -> Any:
    """`typer.Argument` without the `[default: ...]` line in --help."""
    kwargs.setdefault("show_default", False)
    return typer.Argument(*param_decls, **kwargs)


DocumentId = Annotated[str, argument(metavar="ID", help="The document's ID.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
Tags = Annotated[list[str] | None, option(help="A tag; repeat for several.")]
Collection = Annotated[str | None, option(help="Collection ID (IndexHealth).")]
