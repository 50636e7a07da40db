"""Calibrate: a shop's order export in, a twin of its customers out, as `growthsim calibrate`
does it (the same reader, calibrate(), simulate_holdout() and write_calibration(), called
from a thread worker): the reader's report, the fitted parameters with standard errors, the
model chosen and why, the weekly tracking of the holdout; Save twin writes the calibration
folder into the library, where the twin opens and runs like any scenario."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from growthsim.arguments import BadInput
from growthsim.bundled import scenario_file, scenarios_folder
from simulation.experiments.calibration.calibrate import (Calibration, CalibrationError, calibrate, simulate_holdout,
                                                          write_calibration)
from simulation.experiments.replicate import Cancelled
from simulation.experiments.report import write_report
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.storage.order_export import OrderExportError, OrderLog, ReadOptions, read_orders
from tui.base import ModeScreen
from tui.calibrate_form import CalibrateForm
from tui.calibrate_request import ORDER_FILE_SUFFIXES, CalibrateRequest, free_folder, suggested_end
from tui.calibrate_view import parameter_rows, tracking_lines, tracking_text
from tui.live_run import Throttle
from tui.widgets import AskDialog, LinePlot, failure_dialog
from tui.words import N_, _

# What the person can fix (a file, a column, a date, a fit that cannot drive a twin): shown in
# the screen, in words. Anything else is a bug and gets the app's failure dialog.
EXPECTED_ERRORS = (OrderExportError, CalibrationError, ScenarioError, BadInput, OSError)


class OrdersRead(Message):
    def __init__(self, request: CalibrateRequest, log: OrderLog) -> None:
        super().__init__()
        self.request, self.log = request, log


class CalibrationStep(Message):
    """A step of the fit (calibrate()'s `step`) or of the twin's simulation."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TwinProgress(Message):
    """The share of the twin's simulated days done; a newer one replaces an older one in the queue."""

    def __init__(self, fraction: float) -> None:
        super().__init__()
        self.fraction = fraction

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TwinProgress)


class Fitted(Message):
    def __init__(self, calibration: Calibration) -> None:
        super().__init__()
        self.calibration = calibration


class CalibrationFailed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TwinSaved(Message):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder


class CalibrateScreen(ModeScreen):
    MODE = "calibrate"
    CSS_PATH = "calibrate.tcss"
    BINDINGS = [
        Binding("ctrl+o", "browse", N_("Browse")),
        Binding("ctrl+r", "fit", N_("Fit")),
        Binding("ctrl+s", "save", N_("Save twin")),
    ]

    busy: reactive[bool] = reactive(False, init=False)
    calibration: reactive[Calibration | None] = reactive(None, init=False, always_update=True)

    def __init__(self) -> None:
        super().__init__()
        self._read: tuple[tuple, OrderLog] | None = None   # (what was read, the log): Fit reads a file once
        self._lock = threading.Lock()
        self.stop = threading.Event()   # set when the screen goes: the twin's worker processes end with it

    def on_unmount(self) -> None:
        """Leaving the app stops a twin being simulated: no worker process outlives it."""
        self.stop.set()

    def body(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield CalibrateForm(id="form")
                with Horizontal(id="buttons"):
                    yield Button(_("Read"), id="read", tooltip=_("Read the file: its columns and bad rows (Enter in the path)"),
                                 compact=True)
                    yield Button(_("Fit"), id="fit", variant="primary", tooltip=_("Fit the models and simulate the twin "
                                                                                  "over the holdout (Ctrl+R)"), compact=True)
                    yield Button(_("Save twin"), id="save", variant="success", disabled=True,
                                 tooltip=_("Write the twin's folder into the library (Ctrl+S)"), compact=True)
                with VerticalScroll(id="file-scroll"):
                    yield Static("", id="file-report")
            with Vertical(id="right"):
                yield Static(_("Choose a shop's order export (Browse, or type its path and press Enter), check the "
                               "columns, then [b]Fit[/]."), id="status")
                yield ProgressBar(total=1.0, show_eta=False, id="bar", clock=self.gs.clock)
                yield DataTable(id="params", cursor_type="row", zebra_stripes=True)
                yield Static("", id="why")
                yield LinePlot(_("Repeat transactions per week of the holdout"), id="tracking")

    def on_mount(self) -> None:
        self.query_one("#params", DataTable).add_columns(_("model"), _("parameter"), _("value"), _("± s.e."))
        self.query_one(CalibrateForm).load_model(CalibrateRequest())
        self.query_one("#tracking", LinePlot).show({}, xlabel=_("week of the holdout"))

    # --- reading the file ----------------------------------------------------------------

    @property
    def form(self) -> CalibrateForm:
        return self.query_one(CalibrateForm)

    def action_browse(self) -> None:
        from tui.file_picker import FilePicker
        typed = Path(self.form.widget("file").value.strip() or ".").expanduser()
        folder = typed if typed.is_dir() else (typed.parent if typed.parent.is_dir() else Path.cwd())

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.form.widget("file").value = str(_as_typed(path))
                self.action_read()

        self.app.push_screen(FilePicker(_("Pick the order export"), folder, ORDER_FILE_SUFFIXES), chosen)

    @on(Input.Submitted, "#cal-file")
    def file_submitted(self) -> None:
        self.action_read()

    def action_read(self) -> None:
        request = self.form.to_model()
        if request is None or self.busy:
            return
        self._status(f"Reading {escape(request.file)}...")
        self.read_file(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibrate")
    def read_file(self, request: CalibrateRequest) -> None:
        try:
            log = self._orders(request)
        except EXPECTED_ERRORS as error:
            self.post_message(CalibrationFailed(str(error)))
            return
        self.post_message(OrdersRead(request, log))

    def _orders(self, request: CalibrateRequest) -> OrderLog:
        """The file read with the request's options; read again only when they or the file changed."""
        key = _read_key(request.path, request.read_options())
        with self._lock:
            if self._read is not None and self._read[0] == key:
                return self._read[1]
        log = read_orders(request.path, request.read_options())
        with self._lock:
            self._read = (key, log)
        return log

    def on_orders_read(self, message: OrdersRead) -> None:
        report, orders = message.log.report, message.log.orders
        first, last = orders["day"].min(), orders["day"].max()
        # The reader's guesses fill the empty column fields, so the person sees what was chosen.
        guesses = {role: header for role, header in report.columns.items() if header}
        if message.request.calibration_end is None and first < last:
            guesses["calibration_end"] = suggested_end(first, last).isoformat()
        self.form.fill_empty(guesses)
        lines = report.lines() + [_("Orders from {first} to {last}.").format(first=first, last=last)]
        self.query_one("#file-report", Static).update(Text("\n".join(lines)))
        if not self.busy:
            self._status(_("Read [b]{file}[/]: {orders} orders from {first} to {last}. Check the columns and the "
                           "calibration end, then [b]Fit[/] (Ctrl+R).").format(
                file=escape(Path(report.file).name), orders=f"{report.kept_rows:,}", first=first, last=last))

    # --- fitting -------------------------------------------------------------------------

    def action_fit(self) -> None:
        if self.busy:
            self.notify(_("A fit is going on."), severity="warning")
            return
        request = self.form.to_model()
        if request is None:
            self._status(_("[b]Fix the fields marked[/] first."), error=True)
            return
        self.busy = True
        self.calibration = None
        self._status(f"Reading {escape(request.file)}...")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.fit(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibrate")
    def fit(self, request: CalibrateRequest) -> None:
        step = lambda text: self.post_message(CalibrationStep(text))   # noqa: E731
        try:
            log = self._orders(request)
            self.post_message(OrdersRead(request, log))
            base = load_scenario(scenario_file(Path(request.extends)))
            calibration = calibrate(log, base, request.calibration_options(), step=step)
            if calibration.tracking:            # a holdout to replay the twin over
                step(f"simulating the twin over the {calibration.summary.holdout_days}-day holdout, "
                     f"{request.replications} replications")
                simulate_holdout(calibration, replications=request.replications, jobs=self.gs.jobs, stop=self.stop,
                                 progress=self._progress_counter(request.replications * calibration.twin.horizon_days))
        except Cancelled:
            return
        except EXPECTED_ERRORS as error:
            self.post_message(CalibrationFailed(str(error)))
            return
        self.post_message(Fitted(calibration))

    def _progress_counter(self, total_days: int):
        """simulate_holdout's `progress` (called per simulated day, from the runner's thread)
        as TwinProgress messages, at most one per progress interval."""
        done, throttle, lock = [0], Throttle(self.gs.progress_interval), threading.Lock()

        def day(_replication: int, _day: int) -> None:
            with lock:
                done[0] += 1
                if not throttle.due(final=done[0] >= total_days):
                    return
                fraction = done[0] / total_days
            self.post_message(TwinProgress(fraction))
        return day

    def on_calibration_step(self, message: CalibrationStep) -> None:
        if self.busy:
            self._status(_("Fitting: {step}...").format(step=escape(message.text)))

    def on_twin_progress(self, message: TwinProgress) -> None:
        if self.busy:
            self.query_one(ProgressBar).update(total=1.0, progress=message.fraction)

    def on_fitted(self, message: Fitted) -> None:
        self.busy = False
        self.calibration = message.calibration

    def on_calibration_failed(self, message: CalibrationFailed) -> None:
        self.busy = False
        self.query_one(ProgressBar).update(total=1.0, progress=0)
        self._status(Text("✗ " + message.text, style="bold"), error=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group in ("calibrate", "save twin"):
            self.busy = False
            self._status(_("The calibration failed."), error=True)
            self.app.push_screen(failure_dialog("calibration", event.worker.error))

    def watch_busy(self, busy: bool) -> None:
        for button in ("read", "fit"):
            self.query_one(f"#{button}", Button).disabled = busy
        self.query_one("#save", Button).disabled = busy or self.calibration is None

    def watch_calibration(self, calibration: Calibration | None) -> None:
        table = self.query_one("#params", DataTable)
        table.clear()
        self.query_one("#save", Button).disabled = calibration is None or self.busy
        if calibration is None:
            self.query_one("#why", Static).update("")
            self.query_one("#tracking", LinePlot).show({}, xlabel=_("week of the holdout"))
            return
        for row in parameter_rows(calibration):
            table.add_row(*row)
        self.query_one("#why", Static).update(tracking_text(calibration))
        self.query_one("#tracking", LinePlot).show(tracking_lines(calibration), xlabel=_("week of the holdout"))
        self.query_one(ProgressBar).update(total=1.0, progress=1.0)
        self._status(_("Fitted [b]{file}[/]: {customers} customers. [b]Save twin[/] (Ctrl+S) puts it in the library.").format(
            file=escape(Path(calibration.source).name), customers=f"{calibration.summary.x.size:,}"))

    # --- saving the twin -------------------------------------------------------------------

    def default_folder(self) -> Path:
        """Beside the library's own scenarios: the first folder the app was opened on that is
        not the bundled one (else ./twins), named after the order file."""
        bundled = scenarios_folder().resolve()
        mine = [f for f in self.gs.folders if Path(f).is_dir() and Path(f).resolve() != bundled]
        parent = Path(mine[0]) if mine else Path("twins")
        return free_folder(parent, f"twin-{Path(self.calibration.source).stem}")

    def action_save(self) -> None:
        if self.calibration is None or self.busy:
            return

        def chosen(folder: str | None) -> None:
            if folder:
                self.busy = True
                self.save(self.calibration, Path(folder).expanduser())

        self.app.push_screen(AskDialog(_("Write the twin (calibration.json, scenario.yaml, customers.parquet, "
                                         "scores.csv and report.html) into the folder:"), str(self.default_folder()),
                                       ok=_("Save")), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save twin")
    def save(self, calibration: Calibration, folder: Path) -> None:
        try:
            if folder.exists() and not folder.is_dir():
                raise OSError(f"{folder} exists and is not a folder")
            write_calibration(calibration, folder)
            write_report(folder)
        except EXPECTED_ERRORS as error:
            self.post_message(CalibrationFailed(_("Not saved: {error}").format(error=error)))
            return
        self.post_message(TwinSaved(folder))

    def on_twin_saved(self, message: TwinSaved) -> None:
        self.busy = False
        folder = message.folder.resolve()
        if not any(folder.is_relative_to(Path(f).resolve()) for f in self.gs.folders):
            self.gs.folders.insert(0, folder)   # the library lists what it was opened on: add the twin's folder
        self.gs.last_twin = folder / "scenario.yaml"
        self._status(_("Saved the twin in [b]{folder}[/]: open or run it from the Library (F2), like any scenario; "
                       "report.html there shows the whole fit.").format(folder=escape(str(_as_typed(folder)))))
        self.notify(_("Saved {name}").format(name=_as_typed(folder)))

    # --- helpers -----------------------------------------------------------------------

    def _status(self, text: str | Text, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        await self.run_action(event.button.id or "")


def _read_key(path: Path, options: ReadOptions) -> tuple:
    try:
        stat = path.stat()
        return (str(path.resolve()), stat.st_mtime_ns, stat.st_size, options)
    except OSError:
        return (str(path), None, None, options)


def _as_typed(path: Path) -> Path:
    """Relative to the working folder when inside it: shorter, and what one would type."""
    try:
        return Path(path).resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path)
