"""Rendering results and errors (DESIGN §4, §5).

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
    Deletion,
    Document,
    DownloadResult,
    Model,
    Outcome,
    PresignedUrl,
    Record,
    Records,
    SignatureRequest,
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

    def emit(self, outcome: Outcome) -> None:
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

    def _render_table(self, model: Model | Sequence[Document]) -> None:
        console = self.console()
        if isinstance(model, Document):
            _document_view(console, model)
        elif isinstance(model, Sequence):
            _document_list_view(console, model)
        elif isinstance(model, SignatureRequest):
            _key_values(
                console,
                "Signature request",
                [
                    ("Request ID", model.request_id),
                    ("Document ID", model.document_id),
                    ("Status", model.status),
                    ("Sign URL", model.sign_url),
                    *[
                        (f"Signer {s.name or i + 1}", s.sign_url)
                        for i, s in enumerate(model.signers)
                    ],
                ],
            )
        elif isinstance(model, Deletion):
            console.print(
                for_terminal(f"Deleted {model.kind} {model.id} ({model.provider})"), markup=False
            )
        elif isinstance(model, DownloadResult):
            console.print(
                for_terminal(
                    f"Saved {model.path} ({model.bytes:,} bytes, "
                    f"{model.content_type or 'unknown type'}, sha256 {model.sha256})"
                ),
                markup=False,
            )
        elif isinstance(model, Record):
            _key_values(console, model.title, [(k, _cell(v)) for k, v in model.fields.items()])
        elif isinstance(model, Records):
            _records_view(console, model)
        elif isinstance(model, PresignedUrl):
            _key_values(
                console, "Presigned URL", [("URL", model.url), ("Expires", model.expires_at)]
            )
        else:
            self.write_json(_plain(model))


def _plain(model: Model | Sequence[Document]) -> Any:
    if isinstance(model, Sequence):
        return [item.to_dict() for item in model]
    return model.to_dict()


_STATUS_STYLE = {
    "signed": "green",
    "pending": "yellow",
    "processing": "cyan",
    "refused": "red",
    "canceled": "red",
    "expired": "red",
    "error": "red",
    "viewed": "blue",
}


def _status(status: str) -> Any:
    from rich.text import Text

    return Text(for_terminal(status), style=_STATUS_STYLE.get(status, ""))


def _text(value: str | None) -> Any:
    """A table cell: what the provider said, shown, never obeyed by the terminal."""
    from rich.text import Text

    return Text(for_terminal(value or "-"))


def _key_values(console: Console, title: str, rows: Sequence[tuple[str, Any]]) -> None:
    """Aligned `key  value` lines. Values are never wrapped or cut: IDs and URLs must survive
    copy-paste from a narrow terminal."""
    from rich.text import Text

    console.print(Text(for_terminal(title), style="bold underline"), soft_wrap=True)
    width = max(len(key) for key, _ in rows)
    for key, value in rows:
        shown = "-" if value is None else for_terminal(str(value))
        cell = _status(shown) if key == "Status" else Text(shown)
        label = for_terminal(str(key))
        console.print(Text(f"  {label:<{width}}  ", style="bold") + cell, soft_wrap=True)


def _document_view(console: Console, doc: Document) -> None:
    from rich.table import Table

    _key_values(
        console,
        f"Document {doc.id}",
        [
            ("Name", doc.name),
            ("Status", doc.status),
            ("Provider status", f"{doc.provider_status} ({doc.provider})"),
            ("Created", doc.created_at),
            ("Updated", doc.updated_at),
            ("Original file", doc.files.original),
            ("Signed file", doc.files.signed),
            ("Parent", doc.parent_id),
            ("Deleted", "yes" if doc.deleted else "no"),
            # Only what the provider has: these are null for the others.
            *[
                (key, value)
                for key, value in (
                    ("External ID", doc.external_id),
                    ("Language", doc.lang),
                    ("Rejected reason", doc.rejected_reason),
                )
                if value is not None
            ],
            *[(f"Attachment {a.id}", a.name) for a in doc.attachments],
        ],
    )
    if doc.signers:
        signers = Table(title="Signers", title_justify="left")
        for column in ("Name", "Email", "Status", "Signed at", "Sign URL"):
            signers.add_column(column, overflow="fold")
        for s in doc.signers:
            signers.add_row(
                _text(s.name),
                _text(s.email),
                _status(s.status),
                _text(s.signed_at),
                _text(s.sign_url),
            )
        console.print(signers)


def _cell(value: Any) -> Any:
    """A field as one line: {value, source} pairs read `value  (source)`."""
    if isinstance(value, dict) and set(value) == {"value", "source"}:
        shown = "-" if value["value"] is None else value["value"]
        return f"{shown}  ({value['source']})"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return value


def _records_view(console: Console, records: Records) -> None:
    from rich.table import Table

    if not records.rows:
        console.print(records.empty, markup=False)
        return
    table = Table(title=for_terminal(records.title))
    for column in records.columns:
        table.add_column(column.replace("_", " ").title(), overflow="fold")
    for row in records.rows:
        table.add_row(
            *(
                _text(str(_cell(row.get(c))) if row.get(c) is not None else None)
                for c in records.columns
            )
        )
    console.print(table)


def _document_list_view(console: Console, docs: Sequence[Document]) -> None:
    from rich.table import Table

    if not docs:
        console.print("No documents.", markup=False)
        return
    table = Table(title=f"{len(docs)} document{'s' if len(docs) != 1 else ''}")
    table.add_column("ID", no_wrap=True, min_width=max(len(doc.id) for doc in docs))
    for column in ("Name", "Status", "Updated"):
        table.add_column(column, overflow="fold")
    for doc in docs:
        table.add_row(
            _text(doc.id),
            _text(doc.name),
            _status(doc.status),
            _text(doc.updated_at or doc.created_at),
        )
    console.print(table)
