"""The bar of a pool on a terminal (stderr): how many of the documents are done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from esign.core.context import AppContext


class CountBar:
    """Done out of the total; the total may grow while the work goes on (a list read page by
    page). Without a terminal (or with --quiet), nothing is drawn."""

    def __init__(self, bar: Any = None, label: str = "", total: int | None = None) -> None:
        self._bar = bar
        self._task = bar.add_task(label, total=total) if bar is not None else None

    def total(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=count)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)


@contextmanager
def count_bar(app: AppContext, label: str, total: int | None = None) -> Iterator[CountBar]:
    if app.flags.quiet or not app.streams.stderr_is_tty:
        yield CountBar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=app.streams.stderr, force_terminal=True, no_color=not app.streams.color)
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        yield CountBar(bar, label, total)
