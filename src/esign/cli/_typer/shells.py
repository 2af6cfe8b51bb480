"""Shell completion: the scripts `esign completion SHELL` prints, and the classes the TAB key
talks to (when `_ESIGN_COMPLETE` is set).

The classes are Typer's own, with two changes for zsh and fish. Help text is used as it is:
esign's help has no rich markup, and Typer imports rich on every TAB (about 90 ms) only to
strip it. And for zsh, an apostrophe in a description is escaped as zsh reads it (`'\\''`);
Typer doubles it, and zsh then drops it. Without those classes (esign.cli._typer.private),
Typer's own are registered as its `--install-completion` does.
"""

from __future__ import annotations

import re
from typing import Any

from esign.cli._typer.private import click, shell_classes

COMPLETE_VAR = "_ESIGN_COMPLETE"
_WHITESPACE = re.compile(r"\s")
_registered = False


def _zsh_escape(text: str) -> str:
    # The reply is eval'ed inside a single-quoted `_arguments` spec.
    return (
        text.replace('"', '""')
        .replace("'", "'\\''")
        .replace("$", "\\$")
        .replace("`", "\\`")
        .replace(":", r"\\:")
    )


def register() -> None:
    """Make esign's shell classes the ones click answers TAB with (once per process)."""
    global _registered
    if _registered:
        return
    _registered = True
    found = shell_classes()
    if found is None:
        # Typer's own classes: Typer registers them when it builds an app that has its
        # --install-completion option, so one is built and thrown away.
        import typer
        import typer.main

        throwaway = typer.Typer(add_completion=True)
        throwaway.command()(lambda: None)
        typer.main.get_command(throwaway)
        return
    zsh_base, fish_base, completion_init = found

    class EsignZshComplete(zsh_base):  # type: ignore[valid-type,misc]
        def format_completion(self, item: Any) -> str:
            value = f'"{_zsh_escape(item.value)}"'
            return f'{value}:"{_zsh_escape(item.help)}"' if item.help else value

    class EsignFishComplete(fish_base):  # type: ignore[valid-type,misc]
        def format_completion(self, item: Any) -> str:
            if item.help:
                return f"{item.value}\t{_WHITESPACE.sub(' ', item.help)}"
            return str(item.value)

    completion_init()
    add = click.shell_completion().add_completion_class
    add(EsignZshComplete, EsignZshComplete.name)
    add(EsignFishComplete, EsignFishComplete.name)


def completion_script(shell: str) -> str:
    """The script that sends TAB presses in `shell` to esign, from the registered class."""
    register()
    cls = click.shell_completion().get_completion_class(shell)
    script: str = cls(None, {}, "esign", COMPLETE_VAR).source()
    return script.strip() + "\n"
