"""Widgets and dialogs shared by the screens."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual_plotext import PlotextPlot

from tui.kpis import fmt, label, meaning
from tui.words import N_, _

# Distinct line colours that read on dark and light backgrounds.
COLOURS = ("cyan", "orange", "green", "magenta", "blue", "red", "yellow")


def fit_wide_characters(line: Text) -> Text:
    """A line of a plotext chart as wide as plotext meant it. plotext lays text out one
    character a cell; a Chinese character takes two columns, so each pushes the rest of the
    line one column right (a title, a legend, an axis label in 万). For each, the nearest
    space after it (else before it) is dropped, keeping the frame and the axes in place."""
    plain = line.plain
    excess = cell_len(plain) - len(plain)
    if excess <= 0:
        return line
    drop: set[int] = set()
    for index, character in enumerate(plain):
        if cell_len(character) < 2:
            continue
        after = next((k for k in range(index + 1, len(plain)) if plain[k] == " " and k not in drop), None)
        if after is None:
            after = next((k for k in range(index - 1, -1, -1) if plain[k] == " " and k not in drop), None)
        if after is not None:
            drop.add(after)
    keep = [k for k in range(len(plain)) if k not in drop]
    pieces, start = [], None
    for position, k in enumerate(keep):
        if start is None:
            start = k
        if position + 1 == len(keep) or keep[position + 1] != k + 1:
            pieces.append(line[start:k + 1])
            start = None
    fitted = Text("").join(pieces)
    while cell_len(fitted.plain) > len(plain) and len(fitted):   # no space to drop: cut at the end
        fitted = fitted[:-1]
    return fitted


class WideCharacterPlot(PlotextPlot):
    """A plotext chart whose lines stay aligned with wide characters in them."""

    def render(self):
        rendered = super().render()
        if not isinstance(rendered, Text) or cell_len(rendered.plain) == len(rendered.plain):
            return rendered
        return Text("\n").join(fit_wide_characters(line) for line in rendered.split("\n", allow_blank=True))


class LinePlot(WideCharacterPlot):
    """A plotext chart of named lines over days; data set from the main thread only."""

    def __init__(self, title: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.lines: dict[str, np.ndarray] = {}
        self.days: int | None = None
        self.xlabel = _("day")
        self.tick_label: Callable[[float], str] = axis_number

    def on_mount(self) -> None:
        super().on_mount()
        self.draw()

    def show(self, lines: dict[str, np.ndarray], title: str | None = None, days: int | None = None,
             xlabel: str | None = None, tick_label: Callable[[float], str] | None = None) -> None:
        """Draw these lines; with `days`, the x axis spans the whole run even while it is
        still going, so the curves unfold across it. `tick_label` writes the y axis' numbers
        (money, a share); by default whole numbers with thousands separated."""
        self.lines = lines
        self.days = days
        self.xlabel = _("day") if xlabel is None else xlabel
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


class BarPlot(WideCharacterPlot):
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
        self.tooltip = _("{label}: {meaning} The mean over replications, and the half-width of its "
                         "95 % confidence interval.").format(label=label(kpi), meaning=meaning(kpi))

    def set_values(self, mean: float | None, low: float | None, high: float | None, currency: str | None = None) -> None:
        self.mean, self.low, self.high = mean, low, high
        if currency is not None:
            self.currency = currency
        self.refresh()

    def render(self) -> Text:
        if self.mean is None:
            return Text("-", style="dim")
        if not math.isfinite(self.mean):
            return Text.assemble(("-", "bold"), ("\n" + _("not defined in this run"), "dim"))
        text = Text(fmt(self.mean, self.kpi, self.currency), style="bold")
        if self.low is None or self.high is None or not math.isfinite(self.low):
            text.append("\n" + _("one replication: no interval"), style="dim")
        else:
            text.append("\n" + _("± {half_width}  (95 % CI)").format(
                half_width=fmt((self.high - self.low) / 2, self.kpi, self.currency)), style="dim")
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
    grid = Table(title=_("Cohort retention: % of each join month ordering in its k-th month of life"),
                 title_justify="left", show_edge=False, pad_edge=False, box=None)
    if not cells:
        grid.add_column("")
        grid.add_row(_("No complete cohort month yet: run for at least 60 days."))
        return grid
    rows = max(c for c, _p in cells) + 1
    columns = max(p for _c, p in cells) + 1
    grid.add_column(_("joined"), justify="right")
    grid.add_column(_("size"), justify="right")
    for p in range(columns):
        grid.add_column(f"m{p}", justify="right", min_width=4)
    for c in range(rows):
        row: list = [_("day {day}").format(day=30 * c), fmt(float(np.mean(sizes.get(c, [math.nan]))))]
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

    BINDINGS = [Binding("escape", "dismiss(False)", N_("Cancel")), Binding("y", "dismiss(True)", N_("Yes"), show=False)]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, question: str, yes: str | None = None) -> None:
        super().__init__()
        self.question, self.yes = question, yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            with Horizontal():
                yield Button(self.yes or _("Yes"), variant="error", id="yes")
                yield Button(_("Cancel"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class AskDialog(ModalScreen["str | None"]):
    """One line of text; Escape cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", N_("Cancel"))]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, question: str, value: str = "", ok: str | None = None) -> None:
        super().__init__()
        self.question, self.value, self.ok = question, value, ok

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(self.value, id="answer")
            with Horizontal():
                yield Button(self.ok or _("OK"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one(Input).value.strip() or None if event.button.id == "ok" else None)


class ErrorDialog(ModalScreen[None]):
    """Something went wrong: what, and the app goes on."""

    BINDINGS = [Binding("escape,enter", "dismiss(None)", N_("Close"))]
    CSS_PATH = "dialogs.tcss"

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text, self.message = title, message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Static(Text(self.message), id="message")
            yield Button(_("Close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)


WHAT_FAILED = {"run": N_("run"), "comparison": N_("comparison"), "calibration": N_("calibration"),
               "optimisation": N_("optimisation")}


def failure_dialog(what: str, error: BaseException) -> ErrorDialog:
    """What a failed run or comparison says: for what the command calls bad input or a
    lost worker, its words (growthsim/cli.py); for anything else, the error itself."""
    from concurrent.futures.process import BrokenProcessPool

    from simulation.kernel.limits import LimitError
    from simulation.kernel.policies import PolicyError
    what = _(WHAT_FAILED.get(what, what))
    if isinstance(error, LimitError):
        return ErrorDialog(_("The {what} cannot start").format(what=what), str(error))
    if isinstance(error, PolicyError):
        return ErrorDialog(_("The {what} failed").format(what=what),
                           _("{error}. Policies change scenario keys as a run goes: "
                             "check their multiply_by, add and to.").format(error=error))
    if isinstance(error, BrokenProcessPool):
        return ErrorDialog(_("The {what} failed").format(what=what),
                           _("A worker process died (killed by the system, perhaps for want "
                             "of memory). Try fewer replications or a smaller market.size."))
    return ErrorDialog(_("The {what} failed").format(what=what), f"{type(error).__name__}: {error}")
