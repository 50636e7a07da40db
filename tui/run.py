"""Run: a scenario simulated day by day in a thread, with its progress and live charts;
cancel at any time, the UI never waits for the simulation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static
from textual.worker import Worker, WorkerState

from simulation.storage.history import History
from simulation.storage.loading import resolved_yaml
from simulation.storage.outputs import summary
from simulation.experiments.replicate import Replications
from simulation.kernel.scenario import Scenario
from tui.base import ModeScreen
from tui.kpis import LIVE_SERIES, SERIES_INFO
from tui.runner import Cancelled, Progress, Stopper, run_scenario
from tui.widgets import ErrorDialog, LinePlot


@dataclass
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
    return SERIES_INFO[name] + (" (7-day mean)" if name in SMOOTHED else "")


class RunProgress(Message):
    """The run's state; a newer one replaces an older one still in the queue."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunProgress)


class RunFinished(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class RunStopped(Message):
    """Cancelled by the person."""


class RunScreen(ModeScreen):
    MODE = "run"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel run"),
        Binding("ctrl+r", "again", "Run again"),
        Binding("enter", "results", "Results", show=False),
    ]
    DEFAULT_CSS = """
    RunScreen #status { height: 1; padding: 0 1; }
    RunScreen #bar-row { height: 1; padding: 0 1; }
    RunScreen ProgressBar { width: 1fr; }
    RunScreen ProgressBar Bar { width: 1fr; }
    RunScreen #charts { grid-size: 2 2; height: 1fr; }
    RunScreen #buttons { height: 1; padding: 0 1; }
    RunScreen #buttons Button { margin-right: 2; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stopper: Stopper | None = None
        self.scenario: Scenario | None = None
        self.path: Path | None = None
        self.replications: int | None = None
        self.outcome: Outcome | None = None
        self.running = False
        self.progress_seen = 0

    def body(self) -> ComposeResult:
        yield Static("Nothing is running. Pick a scenario in the Library (F2) and press R, "
                     "or run the one in the Editor with Ctrl+R.", id="status")
        with Horizontal(id="bar-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="bar", clock=self.gs.clock)
        with Grid(id="charts"):
            for name in LIVE_SERIES:
                yield LinePlot(live_title(name), id=f"live-{name}")
        with Horizontal(id="buttons"):
            yield Button("Cancel", id="cancel", variant="error", disabled=True, tooltip="Stop the run now (Esc)", compact=True)
            yield Button("Results", id="results", variant="primary", disabled=True,
                         tooltip="KPIs, charts, cohorts, funnel... of the finished run (Enter)", compact=True)
            yield Button("Run again", id="again", disabled=True, tooltip="Run the same scenario again (Ctrl+R)", compact=True)

    # --- starting and stopping ---------------------------------------------------------

    def start(self, scenario: Scenario, path: Path | None, replications: int | None = None) -> None:
        if self.running:
            self.notify("A run is going on; cancel it first (Esc).", severity="warning")
            return
        self.scenario, self.path, self.replications = scenario, path, replications
        self.outcome = None
        self.stopper = Stopper()
        self.running = True
        self.progress_seen = 0
        count = replications or scenario.replications
        self.query_one("#status", Static).update(
            f"[b]{scenario.name}[/]: starting {count} replications of {scenario.horizon_days} days...")
        self.query_one(ProgressBar).update(total=1.0, progress=0)
        for name in LIVE_SERIES:
            self.query_one(f"#live-{name}", LinePlot).show({})
        self.query_one("#cancel", Button).disabled = False
        self.query_one("#results", Button).disabled = True
        self.query_one("#again", Button).disabled = True
        self.query_one("#cancel", Button).focus()
        self.simulate(scenario, path, replications, self.stopper)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def simulate(self, scenario: Scenario, path: Path | None, replications: int | None, stopper: Stopper) -> None:
        last = 0.0

        def report(progress: Progress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= self.gs.progress_interval or progress.day == progress.horizon - 1:
                last = now
                self.post_message(RunProgress(progress))

        try:
            result = run_scenario(scenario, replications=replications, report=report, stopper=stopper)
        except Cancelled:
            self.post_message(RunStopped())
            return
        record = None
        try:
            record = History().record("run", scenario.name,
                                      [{"path": str(path.resolve()) if path else "(editor)",
                                        "yaml": resolved_yaml(scenario)}],
                                      summary(result), seed=scenario.seed, replications=len(result.runs))
        except Exception as error:   # a history that cannot be written never loses the run
            self.app.call_from_thread(self.notify, f"Not recorded in history: {error}", severity="warning")
        self.post_message(RunFinished(Outcome(scenario, path, result, record)))

    def action_cancel(self) -> None:
        if self.running and self.stopper is not None:
            self.stopper.stop()
            self.query_one("#status", Static).update("Cancelling...")

    def action_again(self) -> None:
        if self.scenario is not None and not self.running:
            self.start(self.scenario, self.path, self.replications)

    async def action_results(self) -> None:
        if self.outcome is not None:
            await self.gs.show_results(self.outcome)

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")

    # --- what the worker reports ---------------------------------------------------------

    def on_run_progress(self, message: RunProgress) -> None:
        p = message.progress
        self.progress_seen += 1
        stage = f"scenario {p.stage + 1}/{p.stages} · " if p.stages > 1 else ""
        self.query_one("#status", Static).update(
            f"[b]{p.label}[/]: {stage}replication {p.replication + 1}/{p.replications} · "
            f"day {p.day + 1}/{p.horizon} · {100 * p.fraction:.0f} %")
        self.query_one(ProgressBar).update(progress=p.fraction)
        for name in LIVE_SERIES:
            lines = {f"_{i}": smooth(name, run[name]) for i, run in enumerate(p.finished)}
            lines[f"replication {p.replication + 1}"] = smooth(name, p.current[name])
            self.query_one(f"#live-{name}", LinePlot).show(lines, days=p.horizon)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        self.outcome = message.outcome
        result = message.outcome.result
        n = len(result.runs)
        mean = {name: np.mean([run.daily[name] for run in result.runs], axis=0) for name in LIVE_SERIES}
        for name in LIVE_SERIES:
            lines = {f"_{i}": smooth(name, run.daily[name]) for i, run in enumerate(result.runs)}
            lines["mean"] = smooth(name, mean[name])
            self.query_one(f"#live-{name}", LinePlot).show(lines)
        self.query_one(ProgressBar).update(progress=1.0)
        self.query_one("#status", Static).update(
            f"[b]{result.scenario.name}[/]: done, {n} replications of {result.scenario.horizon_days} days. "
            "Press [b]Enter[/] for the results.")
        self._buttons_idle(results=True)
        self.query_one("#results", Button).focus()
        self.gs.last_outcome = message.outcome
        if self.gs.results_after_run:
            self.app.call_later(self.gs.show_results, message.outcome)

    def on_run_stopped(self, message: RunStopped) -> None:
        self.running = False
        self.query_one("#status", Static).update("Cancelled. Nothing was recorded. Ctrl+R runs it again.")
        self._buttons_idle(results=False)
        self.query_one("#again", Button).focus()

    def _buttons_idle(self, results: bool) -> None:
        self.query_one("#cancel", Button).disabled = True
        self.query_one("#results", Button).disabled = not results
        self.query_one("#again", Button).disabled = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "runs":
            self.running = False
            self._buttons_idle(results=False)
            self.query_one("#status", Static).update("The run failed.")
            self.app.push_screen(ErrorDialog("The run failed", f"{type(event.worker.error).__name__}: "
                                                               f"{event.worker.error}"))
