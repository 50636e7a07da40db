"""Widgets and dialogs shared by the screens."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual_plotext import PlotextPlot

from tui.kpis import fmt, label, meaning

# Distinct line colours that read on dark and light backgrounds.
COLOURS = ("cyan", "orange", "green", "magenta", "blue", "red", "yellow")


class LinePlot(PlotextPlot):
    """A plotext chart of named lines over days; data set from the main thread only."""

    def __init__(self, title: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.lines: dict[str, np.ndarray] = {}
        self.days: int | None = None
        self.xlabel = "day"
        self.tick_label: Callable[[float], str] = axis_number

    def on_mount(self) -> None:
        super().on_mount()
        self.draw()

    def show(self, lines: dict[str, np.ndarray], title: str | None = None, days: int | None = None,
             xlabel: str = "day", tick_label: Callable[[float], str] | None = None) -> None:
        """Draw these lines; with `days`, the x axis spans the whole run even while it is
        still going, so the curves unfold across it. `tick_label` writes the y axis' numbers
        (money, a share); by default whole numbers with thousands separated."""
        self.lines = lines
        self.days = days
        self.xlabel = xlabel
        self.tick_label = tick_label or axis_number
        if title is not None:
            self.title = title
        self.draw()

    def draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.title)
        plt.xlabel(self.xlabel)
        if self.days:
            plt.xlim(0, self.days - 1)
        legend = len([name for name in self.lines if not name.startswith("_")]) > 1
        index = -1
        for name, values in self.lines.items():
            values = np.asarray(values, dtype=float)
            if values.size == 0:
                continue
            y = np.where(np.isfinite(values), values, 0.0)
            x = np.arange(values.size)
            if name.startswith("_"):       # a background line (a finished replication)
                plt.plot(x.tolist(), y.tolist(), color="gray", marker="braille")
            else:
                index += 1
                plt.plot(x.tolist(), y.tolist(), color=COLOURS[index % len(COLOURS)], marker="braille",
                         label=name if legend else None)
        values = [np.asarray(v, dtype=float) for v in self.lines.values() if np.size(v)]
        finite = np.concatenate(values)[np.isfinite(np.concatenate(values))] if values else np.empty(0)
        if finite.size:
            ticks = nice_ticks(float(finite.min()), float(finite.max()))
            plt.yticks(ticks, [self.tick_label(t) for t in ticks])
        self.refresh()


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) spanning [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= step * m)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + k * step, 12) for k in range(int(math.floor((high - first) / step + 1e-9)) + 1)]


def axis_number(value: float) -> str:
    """A tick's number: thousands separated, no '.0' on a whole number (not '61508.0')."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"


class BarPlot(PlotextPlot):
    """Horizontal or vertical bars, optionally stacked."""

    def show(self, labels: list[str], values: list[float] | dict[str, list[float]], title: str = "",
             orientation: str = "horizontal") -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if isinstance(values, dict):
            plt.stacked_bar(labels, [list(map(float, v)) for v in values.values()], labels=list(values),
                            color=list(COLOURS[: len(values)]))
        else:
            plt.bar(labels, [float(v) for v in values], orientation=orientation, color="cyan", width=0.4)
        self.refresh()


class KpiCard(Static):
    """One KPI: its name, mean and 95 % interval; the tooltip says what it means."""

    def __init__(self, kpi: str, mean: float | None, low: float | None, high: float | None,
                 currency: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kpi, self.mean, self.low, self.high, self.currency = kpi, mean, low, high, currency
        self.border_title = label(kpi)
        self.tooltip = (f"{label(kpi)}: {meaning(kpi)} The mean over replications, and the half-width of its "
                        "95 % confidence interval.")

    def set_values(self, mean: float | None, low: float | None, high: float | None, currency: str | None = None) -> None:
        self.mean, self.low, self.high = mean, low, high
        if currency is not None:
            self.currency = currency
        self.refresh()

    def render(self) -> Text:
        if self.mean is None:
            return Text("-", style="dim")
        if not math.isfinite(self.mean):
            return Text.assemble(("-", "bold"), ("\nnot defined in this run", "dim"))
        text = Text(fmt(self.mean, self.kpi, self.currency), style="bold")
        if self.low is None or self.high is None or not math.isfinite(self.low):
            text.append("\none replication: no interval", style="dim")
        else:
            text.append(f"\n± {fmt((self.high - self.low) / 2, self.kpi, self.currency)}  (95 % CI)", style="dim")
        return text


def retention_colour(value: float) -> str:
    """A cell background from pale to deep blue with the retention share."""
    v = max(0.0, min(1.0, value))
    r, g, b = int(235 - 200 * v), int(245 - 150 * v), int(255 - 60 * v)
    return f"rgb({r},{g},{b})"


def cohort_heatmap(cohorts: list[dict[str, np.ndarray]]) -> Table:
    """Mean retention by join month (rows) and month of life (columns), as coloured cells."""
    cells: dict[tuple[int, int], list[float]] = {}
    sizes: dict[int, list[float]] = {}
    for table in cohorts:
        for c, p, r, n in zip(table["cohort"], table["period"], table["retention"], table["cohort_size"]):
            cells.setdefault((int(c), int(p)), []).append(float(r))
            if int(p) == 0:
                sizes.setdefault(int(c), []).append(float(n))
    grid = Table(title="Cohort retention: % of each join month ordering in its k-th month of life",
                 title_justify="left", show_edge=False, pad_edge=False, box=None)
    if not cells:
        grid.add_column("")
        grid.add_row("No complete cohort month yet: run for at least 60 days.")
        return grid
    rows = max(c for c, _ in cells) + 1
    columns = max(p for _, p in cells) + 1
    grid.add_column("joined", justify="right")
    grid.add_column("size", justify="right")
    for p in range(columns):
        grid.add_column(f"m{p}", justify="right", min_width=4)
    for c in range(rows):
        row: list = [f"day {30 * c}", fmt(float(np.mean(sizes.get(c, [math.nan]))))]
        for p in range(columns):
            values = cells.get((c, p))
            if values is None:
                row.append("")
            else:
                v = float(np.mean(values))
                row.append(Text(f"{100 * v:3.0f} ", style=f"black on {retention_colour(v)}"))
        grid.add_row(*row)
    return grid


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no; Escape is no."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel"), Binding("y", "dismiss(True)", "Yes", show=False)]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question, self.yes = question, yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            with Horizontal():
                yield Button(self.yes, variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class AskDialog(ModalScreen["str | None"]):
    """One line of text; Escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, question: str, value: str = "", ok: str = "OK") -> None:
        super().__init__()
        self.question, self.value, self.ok = question, value, ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(self.value, id="answer")
            with Horizontal():
                yield Button(self.ok, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one(Input).value.strip() or None if event.button.id == "ok" else None)


class ErrorDialog(ModalScreen[None]):
    """Something went wrong: what, and the app goes on."""

    BINDINGS = [Binding("escape,enter", "dismiss(None)", "Close")]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Static(Text(self.message), id="message")
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


def failure_dialog(what: str, error: BaseException) -> ErrorDialog:
    """What a failed run or comparison says: for what the command calls bad input or a
    lost worker, its words (growthsim/cli.py); for anything else, the error itself."""
    from concurrent.futures.process import BrokenProcessPool

    from simulation.kernel.limits import LimitError
    from simulation.kernel.policies import PolicyError
    if isinstance(error, LimitError):
        return ErrorDialog(f"The {what} cannot start", str(error))
    if isinstance(error, PolicyError):
        return ErrorDialog(f"The {what} failed", f"{error}. Policies change scenario keys as a run goes: "
                                                 "check their multiply_by, add and to.")
    if isinstance(error, BrokenProcessPool):
        return ErrorDialog(f"The {what} failed", "A worker process died (killed by the system, perhaps for want "
                                                 "of memory). Try fewer replications or a smaller market.size.")
    return ErrorDialog(f"The {what} failed", f"{type(error).__name__}: {error}")
