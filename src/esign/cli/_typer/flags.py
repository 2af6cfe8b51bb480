"""The shared flags as command-line options, built from their one definition
(`esign.core.config.flags.GlobalFlags`): the root takes them before the command name and every
command after it, as the same parameter objects.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typer
import typer.main

from esign.cli._typer.coercion import install as install_fast_coercion
from esign.core.config.flags import GlobalFlags, shared_flag_specs

_SHARED_PARAMS: list[Any] = []


def _complete_profile(incomplete: str) -> list[str]:
    from esign.cli.completion import complete_profile

    return complete_profile(incomplete)


COMPLETERS: dict[str, Callable[[str], list[str]]] = {"profile": _complete_profile}


def _template() -> Callable[..., None]:
    """A function whose signature holds one Typer option per shared flag: Typer reads
    signatures, so this is how the options are declared once, from GlobalFlags."""

    def shared_flags(**_values: Any) -> None:
        """Never called: Typer reads its signature."""

    hints = typing.get_type_hints(GlobalFlags)
    parameters = []
    for name, spec, default in shared_flag_specs():
        option = typer.Option(
            *spec.decls,
            help=spec.help,
            metavar=spec.metavar,
            show_default=False,
            hidden=spec.hidden,
            min=spec.minimum,
            max=spec.maximum,
            autocompletion=COMPLETERS[spec.complete] if spec.complete else None,
        )
        annotation = Annotated[hints[name], option]  # type: ignore[valid-type]
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
        shared_flags.__annotations__[name] = annotation
    shared_flags.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return shared_flags


def shared_flag_params() -> list[Any]:
    """Built once per process and shared by every command: parameters hold configuration
    only, and building them per command cost 45 ms of `esign --help`."""
    if not _SHARED_PARAMS:
        template = typer.Typer(add_completion=False)
        template.command()(_template())
        _SHARED_PARAMS.extend(typer.main.get_command(template).params)
        install_fast_coercion(_SHARED_PARAMS)
    return list(_SHARED_PARAMS)


def shared_names() -> frozenset[str]:
    return frozenset(name for name, _spec, _default in shared_flag_specs())


def flags_from(values: dict[str, Any]) -> GlobalFlags:
    return GlobalFlags.from_values(values)
