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

from esign.core.errors import EsignError, UsageError
from esign.core.models import (
    Document,
    Model,
    Outcome,
)
from esign.core.output.streams import IOStreams
from esign.core.output.terminal import for_terminal, for_terminal_lines, json_for_terminal

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class Output:
    streams: IOStreams
    mode: str  # "json" | "table"
    raw: bool = False
    quiet: bool = False
    explicit: bool = False  # the user asked for this format (--json / --output)
    fields: str | None = None  # --json FIELDS: only these top-level fields
    jq: str | None = None  # --jq EXPR: a jq filter over the JSON
    conflict: str | None = None  # flags that contradict each other, refused by check()

    @classmethod
    def choose(
        cls,
        streams: IOStreams,
        *,
        output: str | None,
        raw: bool,
        quiet: bool,
        fields: str | None = None,
        jq: str | None = None,
        explicit: bool | None = None,
        conflict: str | None = None,
    ) -> Output:
        mode = output or ("table" if streams.stdout_is_tty else "json")
        return cls(
            streams=streams,
            mode=mode,
            raw=raw,
            quiet=quiet,
            explicit=output is not None if explicit is None else explicit,
            fields=fields,
            jq=jq,
            conflict=conflict,
        )

    def check(self) -> None:
        """Refuse a bad --jq expression or --json field list before the command runs."""
        if self.conflict is not None:
            raise UsageError(self.conflict, hint="give one of the two")
        if self.fields is None and self.jq is None:
            return
        from esign.core.output.shape import compile_jq, parse_fields

        parse_fields(self.fields)
        if self.jq is not None:
            compile_jq(self.jq)

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
        """One JSON document on stdout (indented), after --json FIELDS and --jq."""
        if self.fields is not None or self.jq is not None:
            self._write_shaped(data)
            return
        text = json.dumps(data, indent=2, ensure_ascii=False)
        self.streams.stdout.write(json_for_terminal(text) + "\n")
        self.streams.stdout.flush()

    def write_json_line(self, data: Any, *, failure: bool = False) -> None:
        """One result among several, on a line of its own (JSON lines). A failure's line
        keeps its shape under --json FIELDS: it has the ID and the error, not the fields."""
        if (self.fields is not None and not failure) or self.jq is not None:
            self._write_shaped(data, select=not failure)
            return
        self.streams.stdout.write(json_for_terminal(json.dumps(data, ensure_ascii=False)) + "\n")
        self.streams.stdout.flush()

    def _write_shaped(self, data: Any, *, select: bool = True) -> None:
        from esign.core.output.shape import parse_fields, run_jq, select_fields

        fields = parse_fields(self.fields) if select else None
        if fields is not None:
            data = select_fields(data, fields)
        if self.jq is None:
            text = json.dumps(
                data, ensure_ascii=False, indent=2 if self.streams.stdout_is_tty else None
            )
            self.streams.stdout.write(json_for_terminal(text) + "\n")
        else:
            for result in run_jq(self.jq, data):
                self.streams.stdout.write(self._jq_result(result) + "\n")
        self.streams.stdout.flush()

    def _jq_result(self, result: Any) -> str:
        """As gh prints them: a string raw, anything else as JSON (indented on a terminal).
        On a terminal the string's control characters are shown, never obeyed."""
        if isinstance(result, str):
            return for_terminal_lines(result) if self.streams.stdout_is_tty else result
        indent = 2 if self.streams.stdout_is_tty else None
        return json_for_terminal(json.dumps(result, ensure_ascii=False, indent=indent))

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
            # FORCE_COLOR / CLICOLOR_FORCE: styled even into a pipe.
            force_terminal=self.streams.stdout_is_tty or self.streams.color,
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
