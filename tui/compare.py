"""Compare: two or more scenarios (files, or past runs from the history) run with the
same seeds; the KPI table with each difference to the first, its paired 95 % interval,
a mark where it excludes zero and the difference in % against a positive first; the ROI
of each strategy changed; a past comparison from the history, and its HTML report;
overlaid charts; sweep results over the swept lever."""

from __future__ import annotations

import json
import math
import threading
from datetime import datetime
from pathlib import Path

import numpy as np
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from ruamel.yaml import YAML
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import (Button, DataTable, Input, Label, ProgressBar, Select, SelectionList, Static,
                             TabbedContent, TabPane)
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from simulation.experiments.compare import Comparison, compare, percent_text, roi_text
from simulation.experiments.replicate import Cancelled
from simulation.experiments.records import record_comparison
from simulation.experiments.report import write_comparison_report
from simulation.storage.history import History, HistoryError
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.storage.outputs import read_csv
from simulation.kernel.currency import DEFAULT_CURRENCY, format_money
from simulation.kernel.registry import registry
from simulation.kernel.scenario import Scenario
from tui.base import ModeScreen
from growthsim.terms import strategy_label
from tui.kpis import SERIES_INFO, fmt, kpi_info, label, rjust_cells, series_tick_label, series_title
from tui.live_run import CompareSnapshot, LiveComparison
from tui.scenario_files import find_scenarios
from tui.widgets import ErrorDialog, LinePlot, failure_dialog, retention_colour
from tui.words import N_, _

SIGNIFICANT = "*"


class CompareProgress(Message):
    """The comparison so far; a newer one replaces an older one still in the queue."""

    def __init__(self, snapshot: CompareSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CompareProgress)


class CompareFinished(Message):
    def __init__(self, comparison: Comparison, labels: list[str], document: dict | None = None,
                 record_id: int | None = None) -> None:
        super().__init__()
        self.comparison, self.labels = comparison, labels
        self.document, self.record_id = document, record_id   # compare.json's content; its history id


class CompareStopped(Message):
    """Cancelled by the person."""


def sweep_levers(rows: list[dict]) -> list[str]:
    fixed = {"point", "status"}
    return [k for k in rows[0] if k not in fixed and not any(k.startswith(f"{kpi}_") for kpi in registry().kpi_names)]


def sweep_currency(path: Path) -> str:
    """The currency of a sweep's money, from its manifest beside sweep.csv (CNY if none says)."""
    folder = path if path.is_dir() else path.parent
    try:
        return json.loads((folder / "sweep.json").read_text()).get("currency", DEFAULT_CURRENCY)
    except (OSError, ValueError, AttributeError):
        return DEFAULT_CURRENCY


def read_sweep_csv(path: Path) -> list[dict]:
    path = path / "sweep.csv" if path.is_dir() else path
    rows: list[dict] = read_csv(path)
    for row in rows:
        for key, value in row.items():
            if key.endswith(("_mean", "_ci_low", "_ci_high")):
                row[key] = float(value) if value not in ("", None) else None
    return rows


def _difference_text(row: dict, currency: str) -> str:
    """A row's paired difference and its 95 % interval, signed, as the table reads it."""
    kind = kpi_info(row["kpi"])[1]

    def show(v: float | None) -> str:
        if v is None or not math.isfinite(v):
            return "-"
        if kind == "money":
            return format_money(v, currency, compact=True, signed=True)
        return _("{points} pt").format(points=f"{100 * v:+.1f}") if kind == "share" else ("+" if v > 0 else "") + fmt(v)
    text = show(row["diff_mean"])
    if row["diff_mean"] is not None and row["diff_ci_low"] is not None:
        text += f" [{show(row['diff_ci_low'])}, {show(row['diff_ci_high'])}]"
    return text


def roi_table(document: dict) -> Table:
    """ROI of each strategy a scenario changed against the reference, from its ledger cost line."""
    currency = document.get("currency", DEFAULT_CURRENCY)
    table = Table(title=_("ROI = (incremental gross profit - strategy cost) / strategy cost, per paired replication"),
                  title_justify="left", box=None)
    for index, header in enumerate((_("scenario"), _("strategy"), _("strategy cost"), _("incr. gross profit"),
                                    _("ROI [95 %]"))):
        table.add_column(header, justify="left" if index < 2 else "right")
    money = lambda v: format_money(v, currency, compact=True, signed=True)   # noqa: E731
    for entry in document.get("roi", []):
        table.add_row(entry["scenario"], strategy_label(entry["strategy"]) if entry["strategy"] else _("all changed together"),
                      money(entry["cost_mean"]),
                      money(entry["gross_profit_mean"]), roi_text(entry))
    if not document.get("roi"):
        table.add_row("", _("no strategy differs from the reference"), "", "", "")
    return table


def _as_number(text) -> float | str:
    try:
        return float(text)
    except (TypeError, ValueError):
        return str(text)


class CompareScreen(ModeScreen):
    MODE = "compare"
    BINDINGS = [
        Binding("ctrl+r", "start", N_("Compare"), priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    CSS_PATH = "compare.tcss"

    comparison: reactive[Comparison | None] = reactive(None, init=False, always_update=True)
    running: reactive[bool] = reactive(False, init=False)
    progress: reactive[CompareSnapshot | None] = reactive(None, init=False, always_update=True)
    sweep_currency = DEFAULT_CURRENCY                                                # ... its money's currency
    sweep_title: reactive[str] = reactive("", init=False)                       # the sweep shown...
    sweep_rows: reactive[list[dict]] = reactive(list, init=False, always_update=True)   # ...its finished points

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self.document: dict | None = None      # the comparison shown, as compare.json has it
        self.record_id: int | None = None      # ...and its id in the history (None: not recorded)
        self.focus_kpis: list[str] = []
        self.stop: threading.Event | None = None
        self._order: list[str] = []

    def body(self) -> ComposeResult:
        yield Static(_("Pick two or more scenarios (the first picked is the reference), then Compare (Ctrl+R)."),
                     id="status")
        with Horizontal(id="bar-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="bar", clock=self.gs.clock)
        with TabbedContent(id="tabs"):
            with TabPane(_("Pick"), id="tab-pick"):
                yield SelectionList[str](id="choices")
                with Horizontal(id="pick-row"):
                    yield Label(_("replications"))
                    yield Input("", id="replications", compact=True, type="integer",
                                tooltip=_("Paired replications per scenario (empty: the first scenario's)"))
                    yield Button(_("Compare"), id="start", variant="success", compact=True,
                                 tooltip=_("Run every picked scenario with the same seeds (Ctrl+R)"))
                    yield Button(_("Clear"), id="clear", compact=True, tooltip=_("Unpick everything"))
            with TabPane(_("KPI table"), id="tab-table"):
                yield Static(_("Difference to the reference with its 95 % paired interval; {mark} where the "
                               "interval excludes 0 (a real difference, not noise); % of the reference, n/a where it "
                               "is 0 or less (≤ 0).").format(mark=SIGNIFICANT), classes="note")
                with Horizontal(id="past-row"):
                    yield Select([], prompt=_("a past comparison from the history"), id="past", compact=True)
                    yield Button(_("Report"), id="report", compact=True,
                                 tooltip=_("Write the HTML report of the comparison shown (figures, ROI, charts)"))
                yield DataTable(id="kpi-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="roi", classes="note")
            with TabPane(_("Charts"), id="tab-charts"):
                with Horizontal(id="series-row"):
                    yield Select([(series_title(name), name) for name in SERIES_INFO], value="active_shoppers",
                                 allow_blank=False, id="series", compact=True)
                    yield Static("  " + _("mean over replications, one line per scenario"), classes="note")
                yield LinePlot("", id="overlay")
            with TabPane(_("Sweep"), id="tab-sweep"):
                with Horizontal(id="sweep-row"):
                    yield Select([], prompt=_("a sweep from the history"), id="sweeps", compact=True)
                    yield Select([(label(k), k) for k in registry().kpi_names], value="contribution", allow_blank=False,
                                 id="sweep-kpi", compact=True)
                yield Input(placeholder=_("or the folder (or sweep.csv) of a `growthsim sweep --out`, then Enter"),
                            id="sweep-path", compact=True)
                yield Static("", id="sweep-note", classes="note")
                yield PlotextPlot(id="sweep-plot")
                yield VerticalScroll(Static(id="sweep-grid"))

    def on_mount(self) -> None:
        self.refresh_choices()

    def on_screen_resume(self) -> None:
        self.refresh_choices()

    # --- picking ---------------------------------------------------------------------------

    def refresh_choices(self) -> None:
        choices = self.query_one("#choices", SelectionList)
        picked = list(choices.selected)
        choices.clear_options()
        options = []
        for entry in find_scenarios(self.gs.folders):
            if entry.valid:
                value = f"file:{entry.path.resolve()}"
                options.append(Selection(f"{entry.name}  [dim]{entry.path.name}[/]", value, value in picked))
        for record in self._history(30):
            if record.kind == "run" and record.scenarios:
                value = f"history:{record.id}"
                options.append(Selection(_("history #{id} {name}").format(id=record.id, name=record.name)
                                         + f"  [dim]{record.created[:16]} · "
                                         + _("{replications} reps").format(replications=record.replications) + "[/]",
                                         value, value in picked))
        choices.add_options(options)
        self._order = [v for v in picked if v in {o.value for o in options}]
        records = self._history(50)
        sweeps = [(f"#{r.id} {r.name} {r.created[:16]}", r.id) for r in records if r.kind == "sweep"]
        self.query_one("#sweeps", Select).set_options(sweeps)
        # Comparisons recorded with their figures (older records kept only rows: nothing to show).
        past = [(f"#{r.id} {r.name} {r.created[:16]}", r.id) for r in records
                if r.kind == "compare" and "names" in r.results]
        self.query_one("#past", Select).set_options(past)

    def pick(self, paths: list[Path], focus: list[str] | None = None) -> None:
        """Pick these files, in this order (the first is the reference)."""
        self.refresh_choices()
        choices = self.query_one("#choices", SelectionList)
        choices.deselect_all()
        self._order = []
        for path in paths:
            value = f"file:{Path(path).resolve()}"
            try:
                choices.select(value)
            except Exception:
                continue
            self._order.append(value)
        self.focus_kpis = list(focus or [])
        self.query_one(TabbedContent).active = "tab-pick"

    @on(SelectionList.SelectedChanged, "#choices")
    def picked_changed(self) -> None:
        selected = list(self.query_one("#choices", SelectionList).selected)
        self._order = [v for v in self._order if v in selected] + [v for v in selected if v not in self._order]
        if not self.running:
            names = [self._label(v) for v in self._order]
            if names:
                self.query_one("#status", Static).update(
                    _("Reference: [b]{name}[/]").format(name=names[0])
                    + (_("; against {names}").format(names=", ".join(names[1:])) if names[1:] else
                       _("; pick at least one more")))

    def _label(self, value: str) -> str:
        kind, _colon, rest = value.partition(":")
        return Path(rest).stem if kind == "file" else _("history #{id}").format(id=rest)

    def _source(self, value: str) -> str:
        """Where the history says a picked scenario came from."""
        kind, _colon, rest = value.partition(":")
        return rest if kind == "file" else f"history #{rest}"

    def _history(self, limit: int) -> list:
        """The latest records, or none (with a warning) when the history cannot be read."""
        try:
            return History().list(limit=limit)
        except HistoryError as error:
            self.notify(str(error), severity="warning")
            return []

    def _scenario(self, value: str) -> Scenario:
        kind, _colon, rest = value.partition(":")
        if kind == "file":
            return load_scenario(rest)
        record = History().get(int(rest))
        if record is None:
            raise ScenarioError([])
        data = YAML(typ="safe", pure=True).load(record.scenarios[0]["yaml"])
        data["baseline"] = None
        scenario = Scenario.model_validate(data)
        return scenario.model_copy(update={"name": f"{scenario.name}#{record.id}"})

    # --- running ---------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.running:
            return
        if len(self._order) < 2:
            self.notify(_("Pick at least two scenarios to compare."), severity="warning")
            return
        try:
            scenarios = [self._scenario(v) for v in self._order]
        except (ScenarioError, ValueError) as error:
            self.app.push_screen(ErrorDialog(_("Cannot compare"), str(error)))
            return
        text = self.query_one("#replications", Input).value.strip()
        replications = int(text) if text.isdigit() and int(text) >= 2 else max(2, scenarios[0].replications)
        self.running = True
        self.stop = threading.Event()
        self.query_one(ProgressBar).update(total=1.0, progress=0)
        self.query_one("#status", Static).update(_("Comparing {count} scenarios, {replications} paired "
                                                   "replications each... (Esc cancels)").format(
            count=len(scenarios), replications=replications))
        self.run_comparison(scenarios, [self._source(v) for v in self._order], [self._label(v) for v in self._order],
                     replications, self.stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare")
    def run_comparison(self, scenarios: list[Scenario], sources: list[str], labels: list[str], replications: int,
                stop: threading.Event) -> None:
        live = LiveComparison(scenarios, replications, lambda snapshot: self.post_message(CompareProgress(snapshot)),
                              self.gs.progress_interval)
        try:
            comparison = compare(scenarios, replications=replications, jobs=self.gs.jobs, progress=live.day,
                                 stop=stop)
        except Cancelled:
            self.post_message(CompareStopped())
            return
        # A history that cannot be written never loses the comparison: a warning, not an error.
        record_id = record_comparison(
            sources, scenarios, comparison,
            warn=lambda message: self.app.call_from_thread(self.notify, message, severity="warning"))
        self.post_message(CompareFinished(comparison, labels, comparison.document(sources), record_id))

    def action_cancel(self) -> None:
        if self.running and self.stop is not None:
            self.stop.set()
            self.query_one("#status", Static).update("Cancelling...")

    def on_unmount(self) -> None:
        """Leaving the app stops its comparison: no worker process outlives it."""
        if self.stop is not None:
            self.stop.set()

    def on_compare_progress(self, message: CompareProgress) -> None:
        if self.running:
            self.progress = message.snapshot

    def watch_progress(self, snapshot: CompareSnapshot | None) -> None:
        if snapshot is None:
            return
        self.query_one(ProgressBar).update(progress=snapshot.fraction)
        self.query_one("#status", Static).update(
            f"[b]{escape(snapshot.label)}[/] ({snapshot.stage + 1}/{snapshot.stages}) · "
            f"{100 * snapshot.fraction:.0f} % · " + _("Esc cancels"))

    def on_compare_stopped(self, message: CompareStopped) -> None:
        self.running = False
        self.query_one("#status", Static).update(_("Comparison cancelled."))

    def on_compare_finished(self, message: CompareFinished) -> None:
        self.running = False
        self.labels = message.labels
        self.document, self.record_id = message.document, message.record_id
        self.comparison = message.comparison

    def watch_comparison(self, comparison: Comparison | None) -> None:
        if comparison is None:
            return
        self.query_one(ProgressBar).update(progress=1.0)
        n = len(comparison.results[0].runs)
        self.query_one("#status", Static).update(
            f"[b]{escape(' vs '.join(comparison.names))}[/]: "
            + _("{replications} paired replications, seed {seed}").format(
                replications=n, seed=comparison.results[0].scenario.seed))
        if self.document is not None:
            self.fill_table(self.document)
        self.draw_overlay()
        self.query_one(TabbedContent).active = "tab-table"
        self.query_one("#kpi-table", DataTable).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "compare":
            self.running = False
            self.query_one("#status", Static).update("The comparison failed.")
            self.app.push_screen(failure_dialog("comparison", event.worker.error))

    # --- showing ---------------------------------------------------------------------------

    def fill_table(self, document: dict) -> None:
        """The KPI table and the ROI of each changed strategy, from compare.json's content."""
        table = self.query_one("#kpi-table", DataTable)
        table.clear(columns=True)
        names, currency = document["names"], document.get("currency", DEFAULT_CURRENCY)
        table.add_column(_("KPI"), key="kpi")
        table.add_column(names[0], key="ref")
        for index, name in enumerate(names[1:], start=1):
            table.add_column(name, key=f"value-{index}")
            table.add_column(f"{name} - {names[0]}", key=f"diff-{index}")
            table.add_column("%", key=f"pct-{index}")
        by_kpi: dict[str, list[dict]] = {}
        for row in document["rows"]:
            by_kpi.setdefault(row["kpi"], []).append(row)
        for kpi, rows in by_kpi.items():
            mark = "▶ " if kpi in self.focus_kpis else ""
            cells: list = [Text(mark + label(kpi), style="bold" if mark else ""), fmt(rows[0]["mean"], kpi, currency)]
            for row in rows[1:]:
                text = _difference_text(row, currency)
                cells += [fmt(row["mean"], kpi, currency),
                          Text(f"{text} {SIGNIFICANT}", style="bold") if row["significant"] else Text(text, style="dim"),
                          Text(percent_text(row, narrow=True), style="dim" if row["diff_pct"] is None else "")]
            table.add_row(*cells, key=kpi)
        self.query_one("#roi", Static).update(roi_table(document))

    def show_document(self, document: dict, record_id: int | None) -> None:
        """A comparison from the history: its figures (its curves are in its report)."""
        self.document, self.record_id = document, record_id
        self.fill_table(document)
        self.query_one("#status", Static).update(
            f"[b]{escape(' vs '.join(document['names']))}[/] ("
            + _("history #{id}").format(id=record_id) + "): "
            + _("{replications} paired replications, seed {seed}").format(
                replications=document['replications'], seed=document['seed']))

    @on(Select.Changed, "#past")
    def past_comparison(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK or event.value is None:
            return
        try:
            record = History().get(int(event.value))
        except HistoryError as error:
            self.notify(str(error), severity="error")
            return
        if record is not None:
            self.show_document(record.results, record.id)

    def action_report(self) -> None:
        if self.document is None:
            self.notify(_("Compare first, or pick a past comparison."), severity="warning")
            return
        name = f"compare-{self.record_id}" if self.record_id is not None else \
            f"compare-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
        self.write_report(self.document, self.gs.out_dir / f"{name}-report.html")

    @work(thread=True, exit_on_error=False, group="report")
    def write_report(self, document: dict, out: Path) -> None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_comparison_report(document, out)
        except Exception as error:   # a full disk, a file growthsim did not write: said, never a crash
            self.app.call_from_thread(self.app.push_screen, ErrorDialog(_("No report written"), str(error)))
            return
        self.app.call_from_thread(self.notify, _("Wrote {path}").format(path=out))

    @on(Select.Changed, "#series")
    def draw_overlay(self) -> None:
        if self.comparison is None:
            return
        name = self.query_one("#series", Select).value
        lines = {}
        for result in self.comparison.results:
            lines[result.scenario.name] = np.mean([run.daily[name] for run in result.runs], axis=0)
        currency = self.comparison.results[0].scenario.currency
        self.query_one("#overlay", LinePlot).show(lines, title=series_title(name),
                                                  tick_label=series_tick_label(name, currency))

    # --- sweeps ----------------------------------------------------------------------------

    @on(Select.Changed, "#sweeps")
    def sweep_from_history(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK or event.value is None:
            return
        record = History().get(int(event.value))
        if record is not None:
            self.show_sweep(record.results.get("rows", []), _("sweep #{id} {name}").format(id=record.id, name=record.name),
                            record.results.get("currency", DEFAULT_CURRENCY))

    @on(Input.Submitted, "#sweep-path")
    def sweep_from_path(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        try:
            rows = read_sweep_csv(path)
        except OSError as error:
            self.notify(_("Cannot read {path}: {error}").format(path=path, error=error.strerror), severity="error")
            return
        except ValueError as error:   # not UTF-8, or a torn row
            self.notify(_("Cannot read {path}: {error}").format(path=path, error=error), severity="error")
            return
        self.show_sweep(rows, str(path), sweep_currency(path))

    @on(Select.Changed, "#sweep-kpi")
    def _kpi_changed(self) -> None:
        if self.sweep_rows:
            self.draw_sweep()

    def show_sweep(self, rows: list[dict], title: str, currency: str = DEFAULT_CURRENCY) -> None:
        self.sweep_currency = currency
        self.sweep_title = title
        self.sweep_rows = [r for r in rows if r.get("status", "done") == "done"]

    def watch_sweep_rows(self) -> None:
        self.draw_sweep()

    def draw_sweep(self) -> None:
        rows, kpi = self.sweep_rows, self.query_one("#sweep-kpi", Select).value
        note, grid, plot = self.query_one("#sweep-note", Static), self.query_one("#sweep-grid", Static), \
            self.query_one("#sweep-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if not rows:
            note.update(_("This sweep has no finished point."))
            plot.refresh()
            return
        levers = sweep_levers(rows)
        if len(levers) == 1:
            lever = levers[0]
            points = sorted(((_as_number(r[lever]), r) for r in rows), key=lambda p: p[0])
            xs = [p for p, _row in points]
            numeric = all(isinstance(x, float) for x in xs)
            x = xs if numeric else list(range(len(xs)))
            for part, colour in (("mean", "cyan"), ("ci_low", "gray"), ("ci_high", "gray")):
                ys = [r.get(f"{kpi}_{part}") for _x, r in points]
                ys = [float(y) if y is not None else float("nan") for y in ys]
                plt.plot(x, ys, color=colour, marker="braille", label=part if part == "mean" else None)
            if not numeric:
                plt.xticks(x, [str(v) for v in xs])
            unit = f" ({self.sweep_currency})" if kpi_info(kpi)[1] == "money" else ""
            plt.title(_("{kpi} over {lever}").format(kpi=f"{label(kpi)}{unit}", lever=lever))
            plt.xlabel(lever)
            plot.display = True
            grid.update("")
            note.update(_("{title}: {kpi} (mean, with its 95 % interval in grey) over the swept lever").format(
                title=self.sweep_title, kpi=label(kpi)))
        elif len(levers) >= 2:
            plot.display = False
            a, b = levers[0], levers[1]
            values_a = sorted({_as_number(r[a]) for r in rows}, key=lambda v: (isinstance(v, str), v))
            values_b = sorted({_as_number(r[b]) for r in rows}, key=lambda v: (isinstance(v, str), v))
            cells = {(_as_number(r[a]), _as_number(r[b])): r.get(f"{kpi}_mean") for r in rows}
            finite = [v for v in cells.values() if v is not None and math.isfinite(v)]
            low, high = (min(finite), max(finite)) if finite else (0, 1)
            table = Table(title=_("{kpi}: {rows} (rows) x {columns} (columns)").format(kpi=label(kpi), rows=a, columns=b),
                          title_justify="left", box=None)
            table.add_column(a.split(".")[-1], justify="right")
            for vb in values_b:
                table.add_column(str(vb), justify="right", min_width=9)
            for va in values_a:
                row: list = [str(va)]
                for vb in values_b:
                    v = cells.get((va, vb))
                    if v is None:
                        row.append("")
                    else:
                        share = (v - low) / (high - low) if high > low else 0.5
                        row.append(Text(rjust_cells(fmt(v, kpi, self.sweep_currency), 9),
                                        style=f"black on {retention_colour(share)}"))
                table.add_row(*row)
            grid.update(table)
            if len(levers) > 2:
                note.update(_("{title}: darker is higher (first two of {count} levers)").format(
                    title=self.sweep_title, count=len(levers)))
            else:
                note.update(_("{title}: darker is higher").format(title=self.sweep_title))
        plot.refresh()

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        if event.button.id == "clear":
            self.query_one("#choices", SelectionList).deselect_all()
            self._order = []
        else:
            await self.run_action(event.button.id or "")
