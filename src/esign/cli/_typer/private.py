"""Every use esign makes of Typer's private parts, each with a fallback to public behaviour.

Typer 0.29 vendors click as `typer._click`, coerces parameters through pydantic (about 85 ms of
imports), builds a group's commands all at once, and imports rich on every TAB. esign reaches
past that in four places, all here:

- the click module Typer's objects come from (`typer._click`; else the click package);
- `typer._coercion.RuntimeParam`, to coerce plain parameters without pydantic;
- `typer.main.get_command_from_info`, to build one command of a group on first use;
- `typer._completion_classes`, for shell classes that format replies without rich.

If a future Typer moves any of them, the fallback is Typer's own public behaviour: slower
(pydantic, whole groups built, rich on TAB), never a crash. `_ESIGN_TYPER_FALLBACK=1` forces
every fallback, so the test suite runs the CLI that way too.
"""

from __future__ import annotations

import importlib
import os
import types
from collections.abc import Callable
from typing import Any

FORCE_FALLBACK = os.environ.get("_ESIGN_TYPER_FALLBACK") == "1"


def _click_package() -> str:
    if not FORCE_FALLBACK:
        try:
            from typer import _click as vendored

            return vendored.__name__
        except ImportError:  # pragma: no cover - a Typer that uses click itself
            pass
    import typer.core

    # The click Typer's own (public) classes are built on, whichever that is.
    return typer.core.TyperCommand.__mro__[1].__module__.rsplit(".", 1)[0]


def _click_parts() -> types.SimpleNamespace:
    """The parts of click esign uses, by the module names click and Typer's copy share."""
    import typer

    package = _click_package()
    core = importlib.import_module(package + ".core")
    exceptions = importlib.import_module(package + ".exceptions")
    context_globals = importlib.import_module(package + ".globals")
    formatting = importlib.import_module(package + ".formatting")
    return types.SimpleNamespace(
        Context=core.Context,
        Command=core.Command,
        Parameter=core.Parameter,
        HelpFormatter=formatting.HelpFormatter,
        ClickException=exceptions.ClickException,
        UsageError=exceptions.UsageError,
        BadParameter=exceptions.BadParameter,
        Abort=typer.Abort,  # public in Typer, whichever click is under it
        Exit=typer.Exit,
        NoArgsIsHelpError=getattr(exceptions, "NoArgsIsHelpError", None) or _Never,
        get_current_context=context_globals.get_current_context,
        shell_completion=lambda: importlib.import_module(package + ".shell_completion"),
    )


class _Never(Exception):
    """Stands for an exception class this click does not have: never raised."""


click: Any = _click_parts()


def runtime_param_class() -> type | None:
    """Typer's per-parameter coercion hook, or None (Typer then coerces as it always does)."""
    if FORCE_FALLBACK:
        return None
    try:
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - a Typer without it
        return None
    return RuntimeParam


def command_builder() -> Callable[..., Any] | None:
    """Builds one registered command of a group (for lazy groups), or None: the caller then
    builds the whole group with Typer's public `typer.main.get_group`."""
    if FORCE_FALLBACK:
        return None
    import typer.main

    return getattr(typer.main, "get_command_from_info", None)


def shell_classes() -> tuple[type, type, Callable[[], None]] | None:
    """Typer's zsh and fish completion classes and their registration, or None (Typer's own
    classes are then used as they are)."""
    if FORCE_FALLBACK:
        return None
    try:
        from typer._completion_classes import FishComplete, ZshComplete, completion_init
    except ImportError:  # pragma: no cover - a Typer without them
        return None
    return ZshComplete, FishComplete, completion_init
