"""The shell-completion classes the TAB key talks to (when `_ESIGN_COMPLETE` is set).

Typer's own, with two changes for zsh and fish. Help text is used as it is: esign's help has
no rich markup, and Typer imports rich on every TAB (about 90 ms) only to strip it. And for zsh,
an apostrophe in a description is escaped as zsh reads it (`'\\''`); Typer doubles it, and zsh
then drops it.
"""

from __future__ import annotations

import re

from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import FishComplete, ZshComplete, completion_init

_WHITESPACE = re.compile(r"\s")


class EsignZshComplete(ZshComplete):
    def format_completion(self, item: CompletionItem) -> str:
        value = f'"{_zsh_escape(item.value)}"'
        return f'{value}:"{_zsh_escape(item.help)}"' if item.help else value


class EsignFishComplete(FishComplete):
    def format_completion(self, item: CompletionItem) -> str:
        if item.help:
            return f"{item.value}\t{_WHITESPACE.sub(' ', item.help)}"
        return str(item.value)


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
    completion_init()
    add_completion_class(EsignZshComplete, EsignZshComplete.name)
    add_completion_class(EsignFishComplete, EsignFishComplete.name)
