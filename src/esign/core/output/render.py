"""Rendering results and errors (ARCHITECTURE.md §4, §5).

stdout carries data only: JSON (written with json.dumps, never through rich, which wraps long
lines) when stdout is not a terminal or with --json; a rich table on a terminal. Everything
else (hints, warnings, errors) goes to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from esign.core.errors import EsignError
from esign.core.models import (
    Document,
    Model,
    Outcome,
)
from esign.core.output.streams import IOStreams
from esign.core.output.terminal import for_terminal, json_for_terminal

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class Output:
    streams: IOStreams
    mode: str  # "json" | "table"
    raw: bool = False
    quiet: bool = False
    explicit: bool = False  # the user asked for this format (--json / --output)

    @classmethod
    def choose(cls, streams: IOStreams, *, output: str | None, raw: bool, quiet: bool) -> Output:
        mode = output or ("table" if streams.stdout_is_tty else "json")
        return cls(streams=streams, mode=mode, raw=raw, quiet=quiet, explicit=output is not None)

    @property
    def json_mode(self) -> bool:
        return self.mode == "json"

    # -- data on stdout -------------------------------------------------------------------

    def emit(self, outcome: Outcome[Any]) -> None:
        for note in outcome.notes:
            self.info(note)
        if self.raw and outcome.raw is not None:
            self.write_json(outcome.raw)
            return
        if self.json_mode:
            self.write_json(_plain(outcome.model))
            return
        self._render_table(outcome.model)

    def write_json(self, data: Any) -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False)
        self.streams.stdout.write(json_for_terminal(text) + "\n")
        self.streams.stdout.flush()

    def write_json_line(self, data: Any) -> None:
        self.streams.stdout.write(json_for_terminal(json.dumps(data, ensure_ascii=False)) + "\n")
        self.streams.stdout.flush()

    # -- messages on stderr ---------------------------------------------------------------

    def info(self, message: str) -> None:
        if not self.quiet:
            self.streams.stderr.write(for_terminal(message) + "\n")
            self.streams.stderr.flush()

    def warn(self, message: str) -> None:
        self.streams.stderr.write(f"warning: {for_terminal(message)}\n")
        self.streams.stderr.flush()

    def error(self, err: EsignError) -> None:
        from esign.core.redact import scrub

        # The message and hint quote the provider: one line, no secret this process holds,
        # nothing a terminal would obey.
        self.streams.stderr.write(for_terminal(scrub(err.line())) + "\n")
        if self.json_mode and self.explicit:
            shown = json_for_terminal(scrub(json.dumps(err.to_dict(), ensure_ascii=False)))
            self.streams.stderr.write(shown + "\n")
        self.streams.stderr.flush()

    # -- terminal rendering ---------------------------------------------------------------

    def console(self) -> Console:
        from rich.console import Console

        return Console(
            file=self.streams.stdout,
            force_terminal=self.streams.stdout_is_tty,
            # Without colour, no styling at all: NO_COLOR and TERM=dumb users want plain text.
            color_system="auto" if self.streams.color else None,
            highlight=False,
            soft_wrap=True,  # lines are never broken: hashes and paths stay copyable
        )

    def _render_table(self, model: Model | list[Document]) -> None:
        from esign.core.output.views import render

        render(model, self.console())


def _plain(model: Model | Sequence[Document]) -> Any:
    if isinstance(model, Sequence):
        return [item.to_dict() for item in model]
    return model.to_dict()
