"""Optimize: the best levers of a scenario under constraints, as `growthsim optimize` finds
them (the same OptimizeRequest and Optimization.run(), driven from a thread worker): choose
the levers (ranges from the schema's bounds), the objective and the constraints; watch each
trial arrive on a chart and a bar of the runs; when the finalists are confirmed on fresh
seeds, read their table (the command's), open best.yaml, or compare it with the scenario
as given on the Compare screen. Every finished optimisation goes into the history."""

from __future__ import annotations

import threading
from pathlib import Path

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState

from growthsim.optimize_command import best_table, verdict_lines
from simulation.experiments.day_reports import Cancelled
from simulation.experiments.optimize import Optimization
from simulation.experiments.optimize_events import (BEST, MANIFEST, ConfirmationDone, ConfirmationStarted,
                                                    OptimizeError, RunFinished, SearchStarted, TrialFinished,
                                                    read_manifest)
from simulation.experiments.optimize_spec import OptimizeRequest, SpecError
from simulation.experiments.records import record_optimization
from simulation.experiments.sweep import SweepError
from simulation.kernel.limits import LimitError
from simulation.storage.loading import ScenarioError, load_scenario
from tui.base import ModeScreen
from tui.calibrate_request import free_folder
from tui.optimize_form import OptimizeFormView
from tui.optimize_request import OptimizeForm, default_lever
from tui.optimize_view import TrialPoint, TrialsPlot
from tui.scenario_files import find_scenarios
from tui.widgets import failure_dialog
from tui.words import N_, _

# What the person can fix (a lever the scenario refuses, a folder that is not ours, a constant
# objective, a run over the limits): said in the screen. Anything else gets the failure dialog.
EXPECTED_ERRORS = (SpecError, ScenarioError, LimitError, OptimizeError, SweepError, OSError)


class SearchBegun(Message):
    def __init__(self, total_runs: int, kept: int) -> None:
        super().__init__()
        self.total_runs, self.kept = total_runs, kept


class RunsDone(Message):
    """Simulation runs finished so far; a newer one replaces an older one in the queue."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done, self.total = done, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsDone)


class TrialArrived(Message):
    def __init__(self, event: TrialFinished) -> None:
        super().__init__()
        self.event = event


class Confirming(Message):
    def __init__(self, finalists: int, runs: int) -> None:
        super().__init__()
        self.finalists, self.runs = finalists, runs


class Optimized(Message):
    def __init__(self, request: OptimizeRequest, result: dict, record_id: int | None) -> None:
        super().__init__()
        self.request, self.result, self.record_id = request, result, record_id


class OptimizationFailed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class OptimizationStopped(Message):
    def __init__(self, out: Path) -> None:
        super().__init__()
        self.out = out


class OptimizeScreen(ModeScreen):
    MODE = "optimize"
    CSS_PATH = "optimize.tcss"
    BINDINGS = [
        Binding("ctrl+r", "start", N_("Optimize")),
        Binding("escape", "stop", N_("Stop")),
        Binding("ctrl+o", "open_best", N_("Open best")),
        Binding("ctrl+k", "compare_best", N_("Compare best")),
    ]

    busy: reactive[bool] = reactive(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.stop = threading.Event()
        self.request: OptimizeRequest | None = None   # the optimisation shown
        self.result: dict | None = None                # its optimize.json, once confirmed
        self.record_id: int | None = None

    def on_unmount(self) -> None:
        """Leaving the app stops an optimisation: no worker process outlives it (the study keeps its trials)."""
        self.stop.set()

    def body(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield OptimizeFormView(id="form")
                with Horizontal(id="buttons"):
                    yield Button(_("Optimize"), id="start", variant="primary", compact=True,
                                 tooltip=_("Search, then confirm the best few on fresh seeds (Ctrl+R)"))
                    yield Button(_("Stop"), id="stop", variant="error", disabled=True, compact=True,
                                 tooltip=_("Stop; the finished trials stay in the folder's study.db (Esc)"))
            with Vertical(id="right"):
                yield Static(_("Pick a scenario, add levers (their ranges come from the schema), set the objective "
                               "and constraints, then [b]Optimize[/] (Ctrl+R)."), id="status")
                yield ProgressBar(total=1, show_eta=False, id="bar", clock=self.gs.clock)
                yield TrialsPlot(id="trials")
        with VerticalScroll(id="finalists-scroll"):   # the whole width: the command's table is wide
            yield Static("", id="finalists")
        with Horizontal(id="result-buttons"):
            yield Button(_("Open best"), id="open_best", disabled=True, compact=True,
                         tooltip=_("Open best.yaml in the Editor; its folder joins the Library (Ctrl+O)"))
            yield Button(_("Compare with original"), id="compare_best", disabled=True, compact=True,
                         tooltip=_("Compare best.yaml with the scenario as given (Ctrl+K)"))

    async def on_mount(self) -> None:
        self.refresh_scenarios()
        await self.form.load_model(OptimizeForm())

    def on_screen_resume(self) -> None:
        self.refresh_scenarios()

    @property
    def form(self) -> OptimizeFormView:
        return self.query_one(OptimizeFormView)

    def refresh_scenarios(self) -> None:
        entries = [e for e in find_scenarios(self.gs.folders) if e.valid and e.path.name != BEST]
        self.form.set_scenarios([(f"{e.name}  ({e.path.name})", str(e.path)) for e in entries])

    # --- the form ----------------------------------------------------------------------

    @on(Select.Changed, "#opt-scenario")
    def scenario_changed(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK:
            return
        folder = self.form.widget("out")
        if not folder.value.strip() or folder.value.startswith(str(self.gs.out_dir / "optimize-")):
            folder.value = str(free_folder(self.gs.out_dir, f"optimize-{Path(str(event.value)).stem}"))

    async def action_add_lever(self) -> None:
        key = self.form.widget("lever-key").value
        if key is Select.BLANK:
            self.notify(_("Pick a key to add as a lever."), severity="warning")
            return
        await self.form.add_lever(default_lever(str(key), self._current(str(key))))

    def _current(self, key: str):
        """The key's value in the chosen scenario (None when there is none yet, or it does not load)."""
        scenario = self.form.values()["scenario"]
        if not scenario:
            return None
        try:
            data = load_scenario(Path(scenario)).model_dump(mode="python")
        except ScenarioError:
            return None
        for part in key.split("."):
            data = data.get(part) if isinstance(data, dict) else None
        return data

    # --- running ----------------------------------------------------------------------------

    def action_start(self) -> None:
        if self.busy:
            self.notify(_("An optimisation is going on."), severity="warning")
            return
        form = self.form.to_model()
        if form is None:
            self._status(_("[b]Fix the fields marked[/] first."), error=True)
            return
        try:
            request = form.to_request(jobs=self.gs.jobs, resume=_stopped_here(Path(form.out).expanduser()))
        except (SpecError, ValueError) as error:   # checked by the form already; said, never a crash
            self._status(Text(f"✗ {error}", style="bold"), error=True)
            return
        self.request, self.result, self.record_id = request, None, None
        self.stop = threading.Event()
        self.busy = True
        objective = request.objectives[0]
        self.query_one(TrialsPlot).start(objective.kpi, objective.direction, request.trials)
        self.query_one("#finalists", Static).update("")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._status(_("Checking the levers of [b]{scenario}[/]...").format(scenario=escape(request.scenario.stem)))
        self.optimize(request, self.stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="optimize")
    def optimize(self, request: OptimizeRequest, stop: threading.Event) -> None:
        try:
            optimization = Optimization(request)
            result = self._follow(optimization, stop)
        except Cancelled:
            self.post_message(OptimizationStopped(request.out))
            return
        except EXPECTED_ERRORS as error:
            self.post_message(OptimizationFailed(str(error)))
            return
        warnings: list[str] = []
        record_id = record_optimization(str(request.scenario), optimization.base, result,
                                        out_dir=str(request.out.resolve()), warn=warnings.append)
        for warning in warnings:
            self.app.call_from_thread(self.notify, warning, severity="warning")
        self.post_message(Optimized(request, result, record_id))

    def _follow(self, optimization: Optimization, stop: threading.Event) -> dict:
        """Optimization.run()'s events as messages to the screen; returns optimize.json."""
        events = optimization.run(stop=stop)
        done = total = per_trial = 0
        result = None
        try:
            for event in events:
                if isinstance(event, SearchStarted):
                    per_trial = event.runs_per_trial
                    total = max(0, event.trials - event.trials_done) * per_trial
                    self.post_message(SearchBegun(total, event.trials_done))
                elif isinstance(event, RunFinished):
                    done += 1
                    self.post_message(RunsDone(done, total))
                elif isinstance(event, TrialFinished):
                    if event.reused or event.error:   # no runs of its own: its share of the bar at once
                        done += per_trial
                        self.post_message(RunsDone(done, total))
                    self.post_message(TrialArrived(event))
                elif isinstance(event, ConfirmationStarted):
                    total += event.runs
                    self.post_message(Confirming(len(event.finalists), event.runs))
                    self.post_message(RunsDone(done, total))
                elif isinstance(event, ConfirmationDone):
                    result = event.result
        finally:
            events.close()   # a stopped generator ends its workers now
        if result is None:
            raise OptimizeError("the optimisation ended without a confirmation")
        return result

    def on_search_begun(self, message: SearchBegun) -> None:
        kept = _(" ({kept} trial(s) kept from before)").format(kept=message.kept) if message.kept else ""
        self._status(_("Searching{kept}: {runs} runs. Esc stops; the finished trials stay in [b]{folder}[/].").format(
            kept=kept, runs=message.total_runs, folder=escape(str(self.request.out))))
        self.query_one(ProgressBar).update(total=max(message.total_runs, 1), progress=0)

    def on_runs_done(self, message: RunsDone) -> None:
        if self.busy:
            self.query_one(ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def on_trial_arrived(self, message: TrialArrived) -> None:
        event = message.event
        if event.state != "complete" or self.request is None:
            if event.error:
                self.notify(_("Trial {number} failed: {error}").format(number=event.number,
                                                                       error=event.error.splitlines()[-1]),
                            severity="warning")
            return
        kpi = self.request.objectives[0].kpi
        self.query_one(TrialsPlot).add(TrialPoint(event.number, event.kpis.get(kpi, float("nan")),
                                                  event.feasible is not False))

    def on_confirming(self, message: Confirming) -> None:
        self._status(_("Confirming the best {finalists} trial(s) and the scenario as given: {runs} runs on fresh "
                       "seeds...").format(finalists=message.finalists, runs=message.runs))

    def on_optimized(self, message: Optimized) -> None:
        self.busy = False
        self.result, self.record_id = message.result, message.record_id
        self.query_one(ProgressBar).update(total=1, progress=1)
        lines = [Text(line) for line in verdict_lines(message.result)]
        table = best_table(message.result)
        table.box = box.SIMPLE_HEAD   # the command's table and words, with fewer rules: 100 columns hold it
        self.query_one("#finalists", Static).update(Group(table, *lines))
        best = message.result.get("best")
        where = escape(str(message.request.out))
        recorded = ", " + _("history #{id}").format(id=message.record_id) if message.record_id is not None else ""
        if best and best["feasible"]:
            self._status(_("Done: wrote [b]{folder}[/]{recorded}. [b]Open best[/] or [b]Compare with original[/].").format(
                folder=where, recorded=recorded))
        else:
            self._status(_("Done, but no finalist meets every constraint: wrote [b]{folder}[/]{recorded}.").format(
                folder=where, recorded=recorded), error=True)
        self._result_buttons()
        # The next Optimize starts a new folder: this one holds a finished optimisation.
        self.form.widget("out").value = str(free_folder(message.request.out.parent, message.request.out.name))

    def on_optimization_failed(self, message: OptimizationFailed) -> None:
        self.busy = False
        self.query_one(ProgressBar).update(total=1, progress=0)
        self._status(Text("✗ " + message.text, style="bold"), error=True)

    def on_optimization_stopped(self, message: OptimizationStopped) -> None:
        self.busy = False
        self._status(_("Stopped. The finished trials are kept in [b]{database}[/]: [b]Optimize[/] again with the "
                       "same fields continues them.").format(database=f"{escape(str(message.out))}/study.db"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "optimize":
            self.busy = False
            self._status(_("The optimisation failed."), error=True)
            self.app.push_screen(failure_dialog("optimisation", event.worker.error))

    def action_stop(self) -> None:
        if self.busy:
            self.stop.set()
            self._status(_("Stopping after the runs under way..."))

    def watch_busy(self, busy: bool) -> None:
        self.query_one("#start", Button).disabled = busy
        self.query_one("#stop", Button).disabled = not busy
        self._result_buttons()

    def _result_buttons(self) -> None:
        ready = not self.busy and self.best_file is not None
        for button in ("open_best", "compare_best"):
            self.query_one(f"#{button}", Button).disabled = not ready

    # --- the best plan ------------------------------------------------------------------------

    @property
    def best_file(self) -> Path | None:
        if self.request is None or self.result is None or not self.result.get("best"):
            return None
        path = self.request.out / BEST
        return path if path.exists() else None

    def _into_library(self, path: Path) -> None:
        """The library lists what it was opened on: add best.yaml's folder, as a saved twin's is."""
        folder = path.parent.resolve()
        if not any(folder.is_relative_to(Path(f).resolve()) for f in self.gs.folders):
            self.gs.folders.insert(0, folder)

    async def action_open_best(self) -> None:
        path = self.best_file
        if path is None or self.busy:
            return
        self._into_library(path)
        await self.gs.open_editor(path)

    async def action_compare_best(self) -> None:
        path = self.best_file
        if path is None or self.busy:
            return
        self._into_library(path)
        await self.gs.open_compare([self.request.scenario, path], start=True)

    # --- helpers ------------------------------------------------------------------------------

    def _status(self, text: str | Text, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        action = {"add-lever": "add_lever"}.get(event.button.id or "", event.button.id or "")
        if action:
            await self.run_action(action)


def _stopped_here(folder: Path) -> bool:
    """The folder holds an optimisation stopped in its search: Optimize continues it (--resume);
    whether it is the same optimisation, Optimization checks."""
    if not (folder / MANIFEST).is_file():
        return False
    try:
        return read_manifest(folder).get("status") == "searching"
    except OptimizeError:
        return False
