"""Terminal presentation shared by the commands: numbers, intervals, a progress bar."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
    other numbers as format_number."""
    if x is None or x != x:
        return "-"
    if registry().kpi_unit(kpi) == "money" and currency:
        return format_money(x, currency, signed=signed)
    return ("+" if signed and x > 0 else "") + format_number(x)


def format_interval(interval: Interval, kpi: str = "", currency: str | None = DEFAULT_CURRENCY) -> str:
    if interval.replications < 2:
        return "-"
    return f"{format_kpi(interval.ci_low, kpi, currency)} .. {format_kpi(interval.ci_high, kpi, currency)}"


@contextmanager
def progress_bar(description: str, total_days: int, unit: str = "days") -> Iterator[Callable[[], None]]:
    """A bar of simulated days on standard error, shown only in a terminal; yields `advance()`."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task(description, total=total_days, unit=unit)
        yield lambda: progress.advance(task)
