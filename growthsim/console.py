"""Terminal presentation shared by the commands: numbers, intervals, a progress bar."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from simulation.experiments.replicate import Interval


def format_number(x: float) -> str:
    if x != x:   # NaN
        return "-"
    magnitude = abs(x)
    if magnitude >= 1000:
        return f"{x:,.0f}"
    if magnitude >= 10:
        return f"{x:.1f}"
    return f"{x:.3f}"


def format_interval(interval: Interval) -> str:
    if interval.replications < 2:
        return "-"
    return f"{format_number(interval.ci_low)} .. {format_number(interval.ci_high)}"


@contextmanager
def progress_bar(description: str, total_days: int, unit: str = "days") -> Iterator[Callable[[], None]]:
    """A bar of simulated days on standard error, shown only in a terminal; yields `advance()`."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal, transient=True) as progress:
        task = progress.add_task(description, total=total_days, unit=unit)
        yield lambda: progress.advance(task)
