"""How each model looks on a terminal: one view per model, registered with `render`.

A model without a view of its own is shown as its fields, `key  value` (never as JSON on a
terminal); a test makes sure every model in esign.core.models has a view.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from typing import TYPE_CHECKING, Any

from esign.core.models import (
    Account,
    Attachment,
    AuditEvent,
    AuditTrail,
    Deletion,
    Document,
    DownloadResult,
    Model,
    PresignedUrl,
    Record,
    Records,
    SignatureRequest,
    SignatureRequestCanceled,
    Signer,
    SignerList,
    Template,
    TemplateList,
    Webhook,
    WebhookEvent,
    Webhooks,
)
from esign.core.output.terminal import for_terminal

if TYPE_CHECKING:
    from rich.console import Console


@singledispatch
def render(model: object, console: Console) -> None:
    """A model with no view of its own: its fields as `key  value` lines."""
    if not isinstance(model, Model):  # pragma: no cover - only models are rendered
        raise TypeError(f"no view for {type(model).__name__}")
    fields = model.to_dict()
    title = type(model).__name__
    _key_values(console, title, [(k, _cell(v)) for k, v in fields.items()] or [("", None)])


@render.register(Document)
def _(model: Document, console: Console) -> None:
    _document_view(console, model)


@render.register(list)
def _(model: list[Document], console: Console) -> None:
    _document_list_view(console, model)


@render.register(SignatureRequest)
def _(model: SignatureRequest, console: Console) -> None:
    _key_values(
        console,
        "Signature request",
        [
            ("Request ID", model.request_id),
            ("Document ID", model.document_id),
            ("Status", model.status),
            ("Sign URL", model.sign_url),
            *[(f"Signer {s.name or i + 1}", s.sign_url) for i, s in enumerate(model.signers)],
            *([("Webhook ID", model.webhook_id)] if model.webhook_id else []),
        ],
    )


@render.register(Deletion)
def _(model: Deletion, console: Console) -> None:
    how = "; a soft delete: still readable" if model.soft else ""
    console.print(
        for_terminal(f"Deleted {model.kind} {model.id} ({model.provider}{how})"), markup=False
    )


@render.register(DownloadResult)
def _(model: DownloadResult, console: Console) -> None:
    for saved in (model, model.audit):
        if saved is None:
            continue
        console.print(
            for_terminal(
                f"Saved {saved.path} ({saved.bytes:,} bytes, "
                f"{saved.content_type or 'unknown type'}, sha256 {saved.sha256})"
            ),
            markup=False,
        )


@render.register(Record)
def _(model: Record, console: Console) -> None:
    _key_values(console, model.title, [(k, _cell(v)) for k, v in model.fields.items()])


@render.register(Records)
def _(model: Records, console: Console) -> None:
    _records_view(console, model)


@render.register(PresignedUrl)
def _(model: PresignedUrl, console: Console) -> None:
    _key_values(console, "Presigned URL", [("URL", model.url), ("Expires", model.expires_at)])


@render.register(SignatureRequestCanceled)
def _(model: SignatureRequestCanceled, console: Console) -> None:
    _key_values(
        console,
        f"Canceled signature request {model.request_id} ({model.provider})",
        [
            ("Reason", model.reason),
            ("Signers notified", "yes" if model.signers_notified else "no"),
            ("Provider message", model.message),
        ],
    )


@render.register(Signer)
def _(model: Signer, console: Console) -> None:
    _key_values(
        console,
        f"Signer {model.id}",
        [
            ("Name", model.name),
            ("Email", model.email),
            ("Status", model.status),
            ("Signed at", model.signed_at),
            ("Sign URL", model.sign_url),
        ],
    )


@render.register(SignerList)
def _(model: SignerList, console: Console) -> None:
    if not model.signers:
        console.print(for_terminal(f"Document {model.document_id} has no signers."), markup=False)
        return
    _signers_table(console, model.signers, title=f"Signers of {model.document_id}", ids=True)


@render.register(Attachment)
def _(model: Attachment, console: Console) -> None:
    _key_values(
        console,
        f"Attachment {model.id}",
        [
            ("Name", model.name),
            ("Original file", model.files.original),
            ("Signed file", model.files.signed),
        ],
    )


@render.register(AuditEvent)
def _(model: AuditEvent, console: Console) -> None:
    _key_values(
        console,
        "Event",
        [
            ("Time", model.time),
            ("User", model.user),
            ("Event", model.event),
            ("Description", model.description),
        ],
    )


@render.register(AuditTrail)
def _(model: AuditTrail, console: Console) -> None:
    """A log, not a table: one line per event (time, event, user) and its description under
    it, never folded into narrow columns."""
    from rich.text import Text

    if not model.events:
        console.print(for_terminal(f"No activity for {model.document_id}."), markup=False)
        return
    count = len(model.events)
    title = f"Activity of {model.document_id} ({count} event{'s' if count != 1 else ''})"
    console.print(Text(for_terminal(title), style="bold underline"), soft_wrap=True)
    for event in model.events:
        head = Text(f"  {for_terminal(event.time or '-')}  ", style="dim")
        head += Text(for_terminal(event.event or "-"), style="bold")
        head += Text(f"  {for_terminal(event.user or '-')}")
        console.print(head, soft_wrap=True)
        if event.description:
            console.print(Text(f"      {for_terminal(event.description)}"), soft_wrap=True)


@render.register(Template)
def _(model: Template, console: Console) -> None:
    _key_values(
        console,
        f"Template {model.id}",
        [
            ("Name", model.name),
            ("Type", model.type),
            ("Active", None if model.active is None else ("yes" if model.active else "no")),
            ("Language", model.lang),
            ("Folder", model.folder_path),
            ("Created", model.created_at),
            ("Updated", model.updated_at),
        ],
    )


@render.register(TemplateList)
def _(model: TemplateList, console: Console) -> None:

    if not model.templates:
        console.print("No templates.", markup=False)
        return
    count = len(model.templates)
    title = f"{count} template{'s' if count != 1 else ''}"
    rows = [
        {
            "ID": t.id,
            "Name": t.name,
            "Type": t.type,
            "Active": None if t.active is None else ("yes" if t.active else "no"),
            "Language": t.lang,
            "Updated": t.updated_at or t.created_at,
        }
        for t in model.templates
    ]
    _fitting_table(console, title, rows, flexible=("Name",), each="Template")


@render.register(Account)
def _(model: Account, console: Console) -> None:
    rows: list[tuple[str, Any]] = [
        (label, value)
        for label, value in (
            ("Credits left", model.credits),
            ("Plan", model.plan),
            ("Plan status", model.plan_status),
            ("Period", model.period),
            ("Period ends", model.period_end),
            ("Account", model.account),
            ("Used", model.used),
        )
        if value is not None
    ]
    rows += [(f"Total {name.replace('_', ' ')}", count) for name, count in model.totals.items()]
    rows += [
        (f"{model.month} {name.replace('_', ' ')}", count)
        for name, count in model.this_month.items()
    ]
    _key_values(console, f"Account ({model.provider})", rows or [("", None)])


@render.register(Webhook)
def _(model: Webhook, console: Console) -> None:
    render(Webhooks([model]), console)


@render.register(Webhooks)
def _(model: Webhooks, console: Console) -> None:
    for hook in model.webhooks:
        _key_values(
            console,
            f"Webhook {hook.id}",
            [
                ("Event", hook.event or "every document event"),
                ("URL", hook.url),
                ("Document", hook.document_id or "any"),
                ("Headers sent", ", ".join(hook.headers) or None),
            ],
        )


@render.register(WebhookEvent)
def _(model: WebhookEvent, console: Console) -> None:
    """One line per delivery, as `webhook listen` prints them on a terminal."""
    from rich.text import Text

    line = Text()
    line.append(f"{model.received_at[11:19]}  ", style="dim")
    line.append(for_terminal(f"{model.provider or 'unknown'}  "))
    line.append(for_terminal(model.event or "(no event)"), style="bold")
    line.append(for_terminal(f"  {model.document_id or '-'}  "))
    if model.status:
        line.append_text(_status(model.status))
    if model.signer is not None:
        who = model.signer.name or model.signer.email or model.signer.id or "?"
        line.append(for_terminal(f"  signer {who} ({model.signer.status})"))
    if model.forwarded is not None:
        answer = model.forwarded.get("status") or model.forwarded.get("error")
        line.append(for_terminal(f"  -> {model.forwarded.get('url')} {answer}"))
    if model.saved:
        line.append(for_terminal(f"  saved {model.saved}"), style="dim")
    console.print(line, soft_wrap=True)


# Between two columns of a table drawn by `_table`: padding, the (blank) divider, padding.
_COLUMN_GAP = 3


def _table(title: str) -> Any:
    """A table with a rule under its header and no borders: more of 80 columns for values."""
    from rich import box
    from rich.table import Table

    return Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )


def _widest(header: str, values: Sequence[str | None]) -> int:
    return max([len(header), *(len(for_terminal(v or "-")) for v in values)])


def _flex_width(console: Console, fixed: Sequence[int], flexible: int) -> int:
    """What each of `flexible` columns may take beside columns of `fixed` widths (a first
    guess: `_fit` corrects it with rich's own measure)."""
    gaps = _COLUMN_GAP * (len(fixed) + flexible - 1)
    return max(8, (console.width - sum(fixed) - gaps) // flexible)


def _too_narrow(console: Console, fixed: Sequence[int], flexible: int) -> bool:
    """Whether columns of `fixed` widths, never cut, leave under 8 characters to each of
    `flexible` ones."""
    gaps = _COLUMN_GAP * (len(fixed) + flexible - 1)
    return sum(fixed) + gaps + 8 * flexible > console.width


def _fitting_table(
    console: Console,
    title: str,
    rows: Sequence[dict[str, Any]],
    *,
    flexible: Sequence[str],
    each: str,
) -> None:
    """Rows as a table whose `flexible` columns give way (an ellipsis) and whose others are
    never cut; where even that cannot fit the terminal, one block of `key  value` lines per
    row, every value whole."""
    from rich.text import Text

    columns = list(rows[0])
    fixed = [
        _widest(c, [None if r[c] is None else str(r[c]) for r in rows])
        for c in columns
        if c not in flexible
    ]
    if _too_narrow(console, fixed, len(flexible)):
        console.print(Text(for_terminal(title), style="bold"), soft_wrap=True)
        key = columns[0]
        for row in rows:
            console.print()
            _key_values(console, f"{key} {row[key]}", [(c, row[c]) for c in columns if c != key])
        return
    table = _table(for_terminal(title))
    width = _flex_width(console, fixed, len(flexible))
    widths = iter(fixed)
    for column in columns:
        if column in flexible:
            table.add_column(column, no_wrap=True, overflow="ellipsis", max_width=width)
        else:
            table.add_column(column, no_wrap=True, min_width=next(widths))
    for row in rows:
        table.add_row(*(_text(None if row[c] is None else str(row[c])) for c in columns))
    console.print(_fit(console, table, [columns.index(c) for c in flexible]), soft_wrap=False)


def _fit(console: Console, table: Any, flexible: Sequence[int]) -> Any:
    """Narrow the `flexible` columns until rich measures the table within the terminal: how
    much room padding and rules take differs between rich releases."""
    from rich.measure import Measurement

    for _ in range(3):
        excess = Measurement.get(console, console.options, table).maximum - console.width
        if excess <= 0:
            break
        share = -(-excess // len(flexible))
        for index in flexible:
            column = table.columns[index]
            column.max_width = max(4, (column.max_width or console.width) - share)
    return table


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
        _signers_table(console, doc.signers, title="Signers", ids=False)


def _signers_table(console: Console, signers: Sequence[Signer], *, title: str, ids: bool) -> None:
    """Names and emails give way (an ellipsis) so that each row fits the terminal (80
    columns); IDs, statuses and timestamps are never broken. Sign URLs follow, each whole on
    its own line."""
    fixed = [
        _widest("Status", [s.status for s in signers]),
        _widest("Signed at", [s.signed_at for s in signers]),
    ]
    if ids and _too_narrow(console, [_widest("ID", [s.id for s in signers]), *fixed], 2):
        # A 36-character signer token and a timestamp leave no room for names at 80
        # columns: one block per signer, every value whole.
        from rich.text import Text

        console.print(Text(for_terminal(title), style="bold"), soft_wrap=True)
        for signer in signers:
            console.print()
            render(signer, console)  # the one signer's own view
        return
    table = _table(for_terminal(title))
    if ids:
        fixed.insert(0, _widest("ID", [s.id for s in signers]))
        table.add_column("ID", no_wrap=True, min_width=fixed[0])
    flexible = _flex_width(console, fixed, 2)
    table.add_column("Name", no_wrap=True, overflow="ellipsis", max_width=flexible)
    table.add_column("Email", no_wrap=True, overflow="ellipsis", max_width=flexible)
    table.add_column("Status", no_wrap=True, min_width=fixed[-2])
    table.add_column("Signed at", no_wrap=True, min_width=fixed[-1])
    for s in signers:
        table.add_row(
            *([_text(s.id)] if ids else []),
            _text(s.name),
            _text(s.email),
            _status(s.status),
            _text(s.signed_at),
        )
    console.print(_fit(console, table, (1, 2) if ids else (0, 1)), soft_wrap=False)
    urls = [(s.name or s.email or str(i + 1), s.sign_url) for i, s in enumerate(signers)]
    if any(url for _, url in urls):
        _key_values(console, "Sign URLs", [(name, url) for name, url in urls])


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


_ACRONYMS = {"url": "URL", "id": "ID", "api": "API", "ca": "CA", "http": "HTTP"}


def heading(column: str) -> str:
    """`base_url` -> `Base URL`: words capitalised, acronyms in capitals."""
    words = column.split("_")
    return " ".join(_ACRONYMS.get(w, w.capitalize() if i == 0 else w) for i, w in enumerate(words))


def _records_view(console: Console, records: Records) -> None:

    if not records.rows:
        console.print(records.empty, markup=False)
        return
    table = _table(for_terminal(records.title))
    for column in records.columns:
        whole = column == "name" or column.endswith(("url", "id"))
        if whole:  # a URL or a name to type: never cut
            table.add_column(heading(column), no_wrap=True, overflow="fold")
        else:
            table.add_column(heading(column), no_wrap=True, overflow="ellipsis")
    for row in records.rows:
        table.add_row(
            *(
                _text(str(_cell(row.get(c))) if row.get(c) is not None else None)
                for c in records.columns
            )
        )
    console.print(table)


def _document_list_view(console: Console, docs: Sequence[Document]) -> None:

    if not docs:
        console.print("No documents.", markup=False)
        return
    table = _table(f"{len(docs)} document{'s' if len(docs) != 1 else ''}")
    # IDs, statuses and timestamps whole (an ID cut in two cannot be copied); the name takes
    # what is left of the terminal (80 columns), cut with an ellipsis.
    fixed = [
        _widest("ID", [doc.id for doc in docs]),
        _widest("Status", [doc.status for doc in docs]),
        _widest("Updated", [doc.updated_at or doc.created_at for doc in docs]),
    ]
    table.add_column("ID", no_wrap=True, min_width=fixed[0])
    table.add_column(
        "Name", no_wrap=True, overflow="ellipsis", max_width=_flex_width(console, fixed, 1)
    )
    table.add_column("Status", no_wrap=True, min_width=fixed[1])
    table.add_column("Updated", no_wrap=True, min_width=fixed[2])
    for doc in docs:
        table.add_row(
            _text(doc.id),
            _text(doc.name),
            _status(doc.status),
            _text(doc.updated_at or doc.created_at),
        )
    console.print(_fit(console, table, (1,)), soft_wrap=False)
