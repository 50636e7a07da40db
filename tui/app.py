"""The growthsim app: Library, Editor, Run, Results, Compare, Lessons, Calibrate and Optimize, each a mode
with its own screen stack. `create_app` is the one factory the CLI and the tests use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.clock import Clock
from textual.screen import Screen

from growthsim import bundled
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.kernel.scenario import Scenario
from tui.run import Outcome

BUNDLED_SCENARIOS = bundled.scenarios_folder()
BUNDLED_LESSONS = bundled.lessons_folder()
THEMES = {"dark": "textual-dark", "light": "textual-light"}


class GrowthsimApp(App):
    TITLE = "growthsim"
    CSS_PATH = ["app.tcss", "widgets.tcss"]   # each screen loads its own (its CSS_PATH)
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("f1", "help", "Help", priority=True),
        Binding("f2", "go('library')", "Library", show=False, priority=True),
        Binding("f3", "go('editor')", "Editor", show=False, priority=True),
        Binding("f4", "go('run')", "Run", show=False, priority=True),
        Binding("f5", "go('results')", "Results", show=False, priority=True),
        Binding("f6", "go('compare')", "Compare", show=False, priority=True),
        Binding("f7", "go('lessons')", "Lessons", show=False, priority=True),
        Binding("f8", "go('calibrate')", "Calibrate", show=False, priority=True),
        Binding("f9", "go('optimize')", "Optimize", show=False, priority=True),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, folders: Iterable[Path] = (), *, lessons: Path | None = None, theme: str = "dark",
                 out_dir: Path | None = None, results_after_run: bool = True, progress_interval: float = 0.2,
                 jobs: int | None = None, clock: Clock | None = None) -> None:
        super().__init__()
        from tui.calibrate import CalibrateScreen
        from tui.compare import CompareScreen
        from tui.editor import EditorScreen
        from tui.lessons_screen import LessonsScreen
        from tui.library import LibraryScreen
        from tui.optimize import OptimizeScreen
        from tui.results import ResultsScreen
        from tui.run import RunScreen
        self.MODE_SCREENS: dict[str, type[Screen]] = {
            "library": LibraryScreen, "editor": EditorScreen, "run": RunScreen, "results": ResultsScreen,
            "compare": CompareScreen, "lessons": LessonsScreen, "calibrate": CalibrateScreen,
            "optimize": OptimizeScreen}
        for mode, screen in self.MODE_SCREENS.items():
            self.add_mode(mode, screen)
        self.folders = [Path(f) for f in folders] or [BUNDLED_SCENARIOS]
        self.lessons_dir = Path(lessons) if lessons else BUNDLED_LESSONS
        self.theme = THEMES.get(theme, theme)
        self.out_dir = Path(out_dir) if out_dir else Path("out")
        self.results_after_run = results_after_run
        self.progress_interval = progress_interval
        self.jobs = jobs   # processes a run may use, as `growthsim run --jobs` (default: one per core)
        self.clock = clock
        self.last_outcome: Outcome | None = None
        self.last_export: Path | None = None
        self.last_twin: Path | None = None   # the scenario.yaml of the twin saved last

    def on_mount(self) -> None:
        self.switch_mode("library")

    # --- moving between modes ---------------------------------------------------------

    async def mode_screen(self, mode: str):
        """Switch to `mode` and return the screen at the base of its stack."""
        await self.switch_mode(mode)
        cls = self.MODE_SCREENS[mode]
        return next(screen for screen in self.screen_stack if isinstance(screen, cls))

    async def action_go(self, mode: str) -> None:
        await self.switch_mode(mode)

    def action_help(self) -> None:
        from tui.help import HelpScreen
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = THEMES["light"] if self.theme == THEMES["dark"] else THEMES["dark"]

    # --- journeys ------------------------------------------------------------------

    async def open_editor(self, path: Path) -> None:
        editor = await self.mode_screen("editor")
        editor.load(Path(path))

    async def run_file(self, path: Path, replications: int | None = None) -> None:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            from tui.widgets import ErrorDialog
            self.push_screen(ErrorDialog(f"{path} has problems", str(error)))
            return
        await self.run_scenario(scenario, Path(path), replications)

    async def run_scenario(self, scenario: Scenario, path: Path | None, replications: int | None = None) -> None:
        run = await self.mode_screen("run")
        run.start(scenario, path, replications)

    async def show_results(self, outcome: Outcome) -> None:
        self.last_outcome = outcome
        results = await self.mode_screen("results")
        results.show(outcome)

    async def open_compare(self, paths: list[Path], start: bool = False, focus: Iterable[str] = ()) -> None:
        compare = await self.mode_screen("compare")
        compare.pick(paths, focus=list(focus))
        if start:
            compare.action_start()

    async def compare_with_parent(self, path: Path) -> None:
        from tui.scenario_files import read_extends
        parent = read_extends(path)
        if parent:
            await self.open_compare([Path(path).parent / parent, Path(path)], start=True)
        else:
            await self.open_compare([Path(path)])
            self.notify("It extends no scenario: pick what to compare it with.")

    # --- the command palette: every action -------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from tui.base import MODES
        for mode, title in MODES:
            yield SystemCommand(f"Go to {title.split(' ', 1)[1]}", f"Switch to the {mode} screen ({title.split()[0]})",
                                lambda mode=mode: self.run_action(f"go('{mode}')"))
        actions = [
            ("library", "run", "Run the selected scenario", "Simulate it and watch it unfold (Library: R)"),
            ("library", "open", "Open the selected scenario", "Edit its levers (Library: Enter)"),
            ("library", "duplicate", "Duplicate the selected scenario", "A copy beside it (Library: D)"),
            ("library", "delete", "Delete the selected scenario", "After asking (Library: X)"),
            ("library", "compare", "Compare the selected scenario with its parent", "Library: C"),
            ("editor", "save", "Save the scenario", "Only what differs from its parent (Editor: Ctrl+S)"),
            ("editor", "save_as", "Save as a new scenario", "A new file that extends this one (Editor: Ctrl+N)"),
            ("editor", "run", "Run the edited scenario", "Editor: Ctrl+R"),
            ("editor", "revert", "Revert the editor's changes", "Back to the file as saved (Editor: the Revert button)"),
            ("run", "cancel", "Cancel the run", "Run: Esc"),
            ("run", "again", "Run the same scenario again", "Run: Ctrl+R"),
            ("results", "export", "Export the run's files", "As growthsim run --out (Results: E)"),
            ("results", "report", "Write the HTML report", "report.html with charts (Results: H)"),
            ("results", "compare", "Compare the result's scenario with its parent", "Results: C"),
            ("compare", "start", "Compare the picked scenarios", "Compare: Ctrl+R"),
            ("compare", "cancel", "Cancel the comparison", "Compare: Esc"),
            ("lessons", "play", "Play the lesson's before/after run", "Lessons: Ctrl+R"),
            ("lessons", "next", "Next lesson", "Lessons: N"),
            ("lessons", "previous", "Previous lesson", "Lessons: P"),
            ("calibrate", "browse", "Pick an order file to calibrate", "A twin of your customers (Calibrate: Ctrl+O)"),
            ("calibrate", "fit", "Fit the order file", "The models and the twin's holdout check (Calibrate: Ctrl+R)"),
            ("calibrate", "save", "Save the twin into the library", "As growthsim calibrate --out (Calibrate: Ctrl+S)"),
            ("optimize", "start", "Optimize the levers", "Search, then confirm the best on fresh seeds "
                                                         "(Optimize: Ctrl+R)"),
            ("optimize", "stop", "Stop the optimisation", "The finished trials are kept (Optimize: Esc)"),
            ("optimize", "open_best", "Open the best plan", "best.yaml in the Editor (Optimize: Ctrl+O)"),
            ("optimize", "compare_best", "Compare the best plan with the original", "Optimize: Ctrl+K"),
        ]
        for mode, action, title, help_text in actions:
            yield SystemCommand(title, help_text, lambda mode=mode, action=action: self._mode_action(mode, action))
        yield SystemCommand("Key map", "Every key of every screen (F1)", self.action_help)
        yield SystemCommand("Toggle light/dark theme", "Ctrl+T", self.action_toggle_theme)
        yield SystemCommand("Quit", "Leave growthsim (Ctrl+Q)", self.exit)

    async def _mode_action(self, mode: str, action: str) -> None:
        screen = await self.mode_screen(mode)
        await screen.run_action(action)


def create_app(folders: Iterable[str | os.PathLike] = (), **options) -> GrowthsimApp:
    """The app on the bundled scenario library, or on the folders given."""
    start_resource_tracker()
    return GrowthsimApp([Path(f) for f in folders], **options)


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while sys.stderr is the terminal's.
    Runs start worker processes (simulation/experiments/replicate.py), and the first
    start would launch the tracker handing it sys.stderr's file descriptor: inside the
    app Textual has replaced sys.stderr with one whose descriptor is -1, and the start
    fails ("bad value(s) in fds_to_keep")."""
    if os.name == "posix":   # elsewhere spawn has no tracker
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
