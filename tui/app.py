"""The growthsim app: Library, Editor, Run, Results, Compare, Lessons, Calibrate and Optimize, each a mode
with its own screen stack. `create_app` is the one factory the CLI and the tests use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.clock import Clock
from textual.screen import ModalScreen, Screen

from growthsim import bundled
from growthsim import i18n
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.kernel.scenario import Scenario
from tui.run import Outcome
from tui.words import N_, _

BUNDLED_SCENARIOS = bundled.scenarios_folder()
BUNDLED_LESSONS = bundled.lessons_folder()
THEMES = {"dark": "textual-dark", "light": "textual-light"}


class GrowthsimApp(App):
    TITLE = "growthsim"
    CSS_PATH = ["app.tcss", "widgets.tcss"]   # each screen loads its own (its CSS_PATH)
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("f1", "help", N_("Help"), priority=True),
        Binding("f2", "go('library')", N_("Library"), show=False, priority=True),
        Binding("f3", "go('editor')", N_("Editor"), show=False, priority=True),
        Binding("f4", "go('run')", N_("Run"), show=False, priority=True),
        Binding("f5", "go('results')", N_("Results"), show=False, priority=True),
        Binding("f6", "go('compare')", N_("Compare"), show=False, priority=True),
        Binding("f7", "go('lessons')", N_("Lessons"), show=False, priority=True),
        Binding("f8", "go('calibrate')", N_("Calibrate"), show=False, priority=True),
        Binding("f9", "go('optimize')", N_("Optimize"), show=False, priority=True),
        Binding("ctrl+t", "toggle_theme", N_("Light/dark"), show=False, priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
    ]

    def __init__(self, folders: Iterable[Path] = (), *, lessons: Path | None = None, theme: str = "dark",
                 out_dir: Path | None = None, results_after_run: bool = True, progress_interval: float = 0.2,
                 jobs: int | None = None, clock: Clock | None = None, notices: Iterable[str] = ()) -> None:
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
        self.notices = list(notices)   # said once the app is up (a settings file it could not read)

    def on_mount(self) -> None:
        self.switch_mode("library")
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=10)

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
            self.push_screen(ErrorDialog(_("{path} has problems").format(path=path), str(error)))
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
            self.notify(_("It extends no scenario: pick what to compare it with."))

    # --- the command palette: every action -------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from tui.base import mode_titles
        for mode, title in mode_titles():
            key, name = title.split(" ", 1)
            yield SystemCommand(_("Go to {screen}").format(screen=name),
                                _("Switch to the {screen} screen ({key})").format(screen=name, key=key),
                                lambda mode=mode: self.run_action(f"go('{mode}')"))
        actions = [
            ("library", "run", _("Run the selected scenario"), _("Simulate it and watch it unfold (Library: R)")),
            ("library", "open", _("Open the selected scenario"), _("Edit its levers (Library: Enter)")),
            ("library", "duplicate", _("Duplicate the selected scenario"), _("A copy beside it (Library: D)")),
            ("library", "delete", _("Delete the selected scenario"), _("After asking (Library: X)")),
            ("library", "compare", _("Compare the selected scenario with its parent"), _("Library: C")),
            ("editor", "save", _("Save the scenario"), _("Only what differs from its parent (Editor: Ctrl+S)")),
            ("editor", "save_as", _("Save as a new scenario"), _("A new file that extends this one (Editor: Ctrl+N)")),
            ("editor", "run", _("Run the edited scenario"), _("Editor: Ctrl+R")),
            ("editor", "revert", _("Revert the editor's changes"), _("Back to the file as saved (Editor: the Revert button)")),
            ("run", "cancel", _("Cancel the run"), _("Run: Esc")),
            ("run", "again", _("Run the same scenario again"), _("Run: Ctrl+R")),
            ("results", "export", _("Export the run's files"), _("As growthsim run --out (Results: E)")),
            ("results", "report", _("Write the HTML report"), _("report.html with charts (Results: H)")),
            ("results", "compare", _("Compare the result's scenario with its parent"), _("Results: C")),
            ("compare", "start", _("Compare the picked scenarios"), _("Compare: Ctrl+R")),
            ("compare", "cancel", _("Cancel the comparison"), _("Compare: Esc")),
            ("lessons", "play", _("Play the lesson's before/after run"), _("Lessons: Ctrl+R")),
            ("lessons", "next", _("Next lesson"), _("Lessons: N")),
            ("lessons", "previous", _("Previous lesson"), _("Lessons: P")),
            ("calibrate", "browse", _("Pick an order file to calibrate"), _("A twin of your customers (Calibrate: Ctrl+O)")),
            ("calibrate", "fit", _("Fit the order file"), _("The models and the twin's holdout check (Calibrate: Ctrl+R)")),
            ("calibrate", "save", _("Save the twin into the library"), _("As growthsim calibrate --out (Calibrate: Ctrl+S)")),
            ("optimize", "start", _("Optimize the levers"), _("Search, then confirm the best on fresh seeds "
                                                         "(Optimize: Ctrl+R)")),
            ("optimize", "stop", _("Stop the optimisation"), _("The finished trials are kept (Optimize: Esc)")),
            ("optimize", "open_best", _("Open the best plan"), _("best.yaml in the Editor (Optimize: Ctrl+O)")),
            ("optimize", "compare_best", _("Compare the best plan with the original"), _("Optimize: Ctrl+K")),
        ]
        for mode, action, title, help_text in actions:
            yield SystemCommand(title, help_text, lambda mode=mode, action=action: self._mode_action(mode, action))
        yield SystemCommand(_("Key map"), _("Every key of every screen (F1)"), self.action_help)
        yield SystemCommand(_("Toggle light/dark theme"), "Ctrl+T", self.action_toggle_theme)
        for language, name in (("zh", "中文"), ("en", "English")):
            yield SystemCommand(_("Language: {name}").format(name=name),
                                _("Speak {name} from now on, and next time too").format(name=name),
                                lambda language=language: self.switch_language(language))
        yield SystemCommand(_("Quit"), _("Leave growthsim (Ctrl+Q)"), self.exit)

    # --- the language ---------------------------------------------------------------

    async def switch_language(self, language: str) -> None:
        """Speak `language` now, and remember it. Every screen is made anew in it (their words
        are set when composed): not while a run works or the editor holds unsaved changes."""
        from tui.editor import EditorScreen
        from tui.settings import SettingsError, save_language
        if any(worker.is_running for worker in self.workers):
            self.notify(_("Wait for the run to finish (or cancel it) before switching the language."),
                        severity="warning")
            return
        editors = [s for stack in self._screen_stacks.values() for s in stack if isinstance(s, EditorScreen)]
        if any(editor.dirty for editor in editors):
            self.notify(_("Save or revert the editor's changes before switching the language."), severity="warning")
            return
        editing = editors[0].path if editors else None
        i18n.activate(language)
        current = self.current_mode
        while isinstance(self.screen, ModalScreen):
            self.pop_screen()
        self.add_mode("switching-language", Screen)
        await self.switch_mode("switching-language")
        for mode, screen in self.MODE_SCREENS.items():
            await self.remove_mode(mode)
            self.add_mode(mode, screen)
        if editing is not None:
            await self.open_editor(editing)
        await self.switch_mode(current)
        await self.remove_mode("switching-language")
        try:
            save_language(language)
        except (SettingsError, OSError) as error:
            self.notify(_("The language is not remembered: {error}").format(error=error), severity="warning")

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
