"""Terminal presentation shared by the commands: numbers, intervals, a progress bar, and
the language of standard output (a person's at a terminal, English for scripts)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from growthsim.i18n import _, english, language
from simulation.experiments.replicate import Interval
from simulation.kernel.currency import DEFAULT_CURRENCY, format_money
from simulation.kernel.registry import registry


def format_number(x: float) -> str:
    if x != x:   # NaN
        return "-"
    magnitude = abs(x)
    if magnitude >= 1000:
        return f"{x:,.0f}"
    if magnitude >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def format_kpi(x: float | None, kpi: str, currency: str | None = DEFAULT_CURRENCY, *, signed: bool = False) -> str:
    """A KPI's value as a person reads it: money in the scenario's currency (format_money),
    other numbers as format_number; in Chinese, money from 10,000 up in 万 (¥12.3万)."""
    if x is None or x != x:
        return "-"
    if registry().kpi_unit(kpi) == "money" and currency:
        return format_money(x, currency, signed=signed, wan=language() == "zh")
    return ("+" if signed and x > 0 else "") + format_number(x)


def format_interval(interval: Interval, kpi: str = "", currency: str | None = DEFAULT_CURRENCY) -> str:
    if interval.replications < 2:
        return "-"
    return f"{format_kpi(interval.ci_low, kpi, currency)} .. {format_kpi(interval.ci_high, kpi, currency)}"


@contextmanager
def progress_bar(description: str, total_days: int, unit: str | None = None) -> Iterator[Callable[[], None]]:
    """A bar of simulated days (or `unit`) on standard error, shown only in a terminal; yields `advance()`."""
    unit = _("days") if unit is None else unit
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task(description, total=total_days, unit=unit)
        yield lambda: progress.advance(task)


@contextmanager
def for_stdout(console: Console | None = None) -> Iterator[Console]:
    """The console of standard output, for the block that writes to it: in the person's
    language at a terminal; in English when piped or redirected, where scripts read it (a
    contract, as the JSON's keys are). Build tables and lines inside the block."""
    console = console or Console()
    if console.is_terminal:
        yield console
    else:
        with english():
            yield console


def print_table(table: Table, console: Console | None = None) -> None:
    """A table for a person in a terminal; piped or redirected, tab-separated lines instead
    (a header, then a row per line; no wrapping, no cut cells, no box drawing), ready for
    `cut`, `sort` or a spreadsheet. The title goes first as a comment line."""
    console = console or Console()
    if console.is_terminal:
        console.print(table)
        return
    lines = [f"# {_plain(table.title)}"] if table.title else []
    lines.append("\t".join(_plain(column.header) for column in table.columns))
    cells = [list(column.cells) for column in table.columns]
    lines += ["\t".join(_plain(row[k]) for row in cells) for k in range(table.row_count)]
    console.file.write("\n".join(lines) + "\n")


def _plain(cell) -> str:
    """A cell's text without markup or styles, tabs and newlines made spaces."""
    text = cell.plain if isinstance(cell, Text) else Text.from_markup(cell).plain if isinstance(cell, str) else str(cell)
    return printable(text.replace("\t", " ").replace("\n", " "))


def printable(text: str) -> str:
    """`text` with terminal control characters shown as escapes (\\x1b), never sent to the
    terminal: a name from a file or the history cannot recolour or clear it."""
    return "".join(c if c in "\n\t" or not (ord(c) < 32 or 127 <= ord(c) < 160) else f"\\x{ord(c):02x}" for c in text)
