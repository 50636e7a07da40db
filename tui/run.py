"""Run: a scenario simulated by the runner the CLI uses (replications in parallel
processes, its resource limits: simulation/experiments/replicate.py), called from a
thread worker; progress by replication and day with live charts; cancel at any time,
the UI never waits for the simulation."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, ProgressBar, Static
from textual.worker import Worker, WorkerState

from simulation.experiments.replicate import Cancelled, Replications, run_replications
from simulation.kernel.scenario import Scenario
from simulation.experiments.records import record_run
from tui.base import ModeScreen
from tui.kpis import LIVE_SERIES, series_tick_label, series_title
from tui.live_run import LiveRun, RunSnapshot
from tui.widgets import LinePlot, failure_dialog
from tui.words import N_, _


@dataclass(frozen=True)
class RunRequest:
    """What to run: a scenario, the file it came from (None: the editor's form), how many replications."""

    scenario: Scenario
    path: Path | None
    replications: int

    @property
    def source(self) -> str:
        """Where the history says the scenario came from."""
        return str(self.path.resolve()) if self.path else "(editor)"   # recorded in the history: English


@dataclass(frozen=True, eq=False)
class Outcome:
    """A finished run: what was run, from which file, and its replications."""

    scenario: Scenario
    path: Path | None
    result: Replications
    record_id: int | None = None


SMOOTHED = ("orders", "revenue")     # noisy day to day: shown as a trailing 7-day mean


def smooth(name: str, values: np.ndarray, days: int = 7) -> np.ndarray:
    if name not in SMOOTHED or len(values) == 0:
        return values
    sums = np.cumsum(values)
    lagged = np.zeros_like(sums)
    lagged[days:] = sums[:-days]
    return (sums - lagged) / np.minimum(np.arange(1, len(values) + 1), days)


def live_title(name: str) -> str:
    return _("{series} (7-day mean)").format(series=series_title(name)) if name in SMOOTHED else series_title(name)


class RunProgress(Message):
    """The run so far; a newer one replaces an older one still in the queue."""

    def __init__(self, snapshot: RunSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunProgress)


class RunFinished(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class RunStopped(Message):
    """Cancelled by the person."""


def progress_text(snapshot: RunSnapshot, shown: int = 3) -> str:
    """e.g. "base: 1/3 replications done · running #2 day 30, #3 day 28 of 45 · 55 %"."""
    running = [_("#{replication} day {day}").format(replication=k + 1, day=snapshot.days[k]) for k in snapshot.running]
    if len(running) > shown:
        running = running[:shown] + [_("{count} more").format(count=len(running) - shown)]
    doing = (" · " + _("running {replications} of {days}").format(replications=", ".join(running), days=snapshot.horizon)
             if running else "")
    return (f"[b]{escape(snapshot.label)}[/]: " + _("{done}/{replications} replications done").format(
        done=len(snapshot.finished), replications=snapshot.replications) + f"{doing} · {100 * snapshot.fraction:.0f} %")


class RunScreen(ModeScreen):
    MODE = "run"
    CSS_PATH = "run.tcss"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel run")),
        Binding("ctrl+r", "again", N_("Run again")),
        Binding("enter", "results", N_("Results"), show=False),
    ]

    request: reactive[RunRequest | None] = reactive(None, init=False)      # the run going on, or the last one
    running: reactive[bool] = reactive(False, init=False)
    progress: reactive[RunSnapshot | None] = reactive(None, init=False, always_update=True)
    outcome: reactive[Outcome | None] = reactive(None, init=False, always_update=True)

    def __init__(self) -> None:
        super().__init__()
        self.stop: threading.Event | None = None

    def body(self) -> ComposeResult:
        yield Static(_("Nothing is running. Pick a scenario in the Library (F2) and press R, "
                       "or run the one in the Editor with Ctrl+R."), id="status")
        with Horizontal(id="bar-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="bar", clock=self.gs.clock)
        with Grid(id="charts"):
            for name in LIVE_SERIES:
                yield LinePlot(live_title(name), id=f"live-{name}")
        with Horizontal(id="buttons"):
            yield Button(_("Cancel"), id="cancel", variant="error", disabled=True, tooltip=_("Stop the run now (Esc)"),
                         compact=True)
            yield Button(_("Results"), id="results", variant="primary", disabled=True,
                         tooltip=_("KPIs, charts, cohorts, funnel... of the finished run (Enter)"), compact=True)
            yield Button(_("Run again"), id="again", disabled=True, tooltip=_("Run the same scenario again (Ctrl+R)"),
                         compact=True)

    # --- starting and stopping ---------------------------------------------------------

    def start(self, scenario: Scenario, path: Path | None, replications: int | None = None) -> None:
        if self.running:
            self.notify(_("A run is going on; cancel it first (Esc)."), severity="warning")
            return
        self.request = request = RunRequest(scenario, path, replications or scenario.replications)
        self.outcome = None
        self.stop = threading.Event()
        self.running = True
        self.query_one("#status", Static).update(
            f"[b]{escape(scenario.name)}[/]: " + _("starting {replications} replications of {days} days...").format(
                replications=request.replications, days=scenario.horizon_days))
        self.query_one(ProgressBar).update(total=1.0, progress=0)
        for name in LIVE_SERIES:
            self.query_one(f"#live-{name}", LinePlot).show({})
        self.query_one("#cancel", Button).focus()
        self.simulate(request, self.stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def simulate(self, request: RunRequest, stop: threading.Event) -> None:
        live = LiveRun(request.scenario, request.replications, lambda snapshot: self.post_message(RunProgress(snapshot)),
                       self.gs.progress_interval)
        try:
            result = run_replications(request.scenario, replications=request.replications, jobs=self.gs.jobs,
                                      watch=LIVE_SERIES, on_days=live.add, stop=stop)
        except Cancelled:
            self.post_message(RunStopped())
            return
        # A history that cannot be written never loses the run: a warning, not an error.
        record = record_run(request.source, request.scenario, result,
                            warn=lambda message: self.app.call_from_thread(self.notify, message, severity="warning"))
        self.post_message(RunFinished(Outcome(request.scenario, request.path, result, record)))

    def action_cancel(self) -> None:
        if self.running and self.stop is not None:
            self.stop.set()
            self.query_one("#status", Static).update("Cancelling...")

    def on_unmount(self) -> None:
        """Leaving the app stops its run: no worker process outlives it."""
        if self.stop is not None:
            self.stop.set()

    def action_again(self) -> None:
        if self.request is not None and not self.running:
            self.start(self.request.scenario, self.request.path, self.request.replications)

    async def action_results(self) -> None:
        if self.outcome is not None:
            await self.gs.show_results(self.outcome)

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")

    # --- what the worker reports ---------------------------------------------------------

    def on_run_progress(self, message: RunProgress) -> None:
        if self.running:
            self.progress = message.snapshot

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        self.outcome = message.outcome
        self.gs.last_outcome = message.outcome
        if self.gs.results_after_run:
            self.app.call_later(self.gs.show_results, message.outcome)

    def on_run_stopped(self, message: RunStopped) -> None:
        self.running = False
        self.query_one("#status", Static).update("Cancelled. Nothing was recorded. Ctrl+R runs it again.")
        self.query_one("#again", Button).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "runs":
            self.running = False
            self.query_one("#status", Static).update("The run failed.")
            self.app.push_screen(failure_dialog("run", event.worker.error))

    # --- showing the state ---------------------------------------------------------------

    def watch_running(self) -> None:
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        self.query_one("#cancel", Button).disabled = not self.running
        self.query_one("#again", Button).disabled = self.running or self.request is None
        self.query_one("#results", Button).disabled = self.running or self.outcome is None

    def watch_progress(self, snapshot: RunSnapshot | None) -> None:
        if snapshot is None:
            return
        self.query_one("#status", Static).update(progress_text(snapshot))
        self.query_one(ProgressBar).update(progress=snapshot.fraction)
        for name in LIVE_SERIES:
            lines = {f"_{k}": smooth(name, snapshot.curves[k][name]) for k in snapshot.finished}
            lines |= {_("replication {number}").format(number=k + 1): smooth(name, snapshot.curves[k][name]) for k in snapshot.running}
            self.query_one(f"#live-{name}", LinePlot).show(
                lines, days=snapshot.horizon, tick_label=series_tick_label(name, self.request.scenario.currency))

    def watch_outcome(self, outcome: Outcome | None) -> None:
        if outcome is None:
            return
        result = outcome.result
        mean = {name: np.mean([run.daily[name] for run in result.runs], axis=0) for name in LIVE_SERIES}
        for name in LIVE_SERIES:
            lines = {f"_{i}": smooth(name, run.daily[name]) for i, run in enumerate(result.runs)}
            lines[_("mean")] = smooth(name, mean[name])
            self.query_one(f"#live-{name}", LinePlot).show(lines, tick_label=series_tick_label(name, result.scenario.currency))
        self.query_one(ProgressBar).update(progress=1.0)
        self.query_one("#status", Static).update(
            f"[b]{escape(result.scenario.name)}[/]: " + _("done, {replications} replications of {days} days. "
                                                          "Press [b]Enter[/] for the results.").format(
                replications=len(result.runs), days=result.scenario.horizon_days))
        self._enable_buttons()
        self.query_one("#results", Button).focus()
