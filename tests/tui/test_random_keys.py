"""Random keys: a hundred presses drawn from the app's real bindings, in every mode,
and the app neither crashes nor stops answering.

The keys are the ones the app and its screens bind (F-keys for the modes, the letters
of each screen, Ctrl+R/S/N/L/T, Ctrl+Up/Down), the keys of the widgets (Tab, Enter,
Esc, arrows, Space, Backspace), and letters and digits that land in the editor's fields.
Left out: Ctrl+Q and Ctrl+C (they quit, which is not a crash) and Ctrl+P (the palette
would sooner or later pick "Quit").

A crash shows as an exception out of `run_test` (Textual re-raises an unhandled one
when the app closes), or as an app that is no longer running. Runs and comparisons are
started along the way (R, Ctrl+R): here 45-day runs of a market of 5,000, two
replications, and a new one is refused while one goes on, so the test stays short.
"""

from __future__ import annotations

import os
import random

import pytest
from textual.widgets import DataTable

from tui.editor import EditorScreen
from tui.library import LibraryScreen
from tui.run import RunScreen

SIZE = (100, 30)
# A hundred by default, for the suite's time: seed 6's crash came at press 43. More:
# RANDOM_KEYS_PRESSES (below).
PRESSES = int(os.environ.get("RANDOM_KEYS_PRESSES", "100"))

MODE_KEYS = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"]
BOUND_LETTERS = ["r", "c", "d", "x", "e", "h", "n", "p", "b", "a", "y", "q", "delete"]
CTRL_KEYS = ["ctrl+r", "ctrl+s", "ctrl+n", "ctrl+l", "ctrl+t", "ctrl+up", "ctrl+down"]
WIDGET_KEYS = ["tab", "shift+tab", "enter", "escape", "up", "down", "left", "right", "home", "end", "pageup",
               "pagedown", "space", "backspace"]
TYPED = list("0123456789") + ["minus", "full_stop", "z", "k", "m"]
QUITTING = {"ctrl+q", "ctrl+c", "ctrl+p"}


def draw(rng: random.Random) -> str:
    """A key, weighted so that every group shows up often: moving between modes,
    acting on a screen, moving around it, typing."""
    group = rng.choices([MODE_KEYS, BOUND_LETTERS, CTRL_KEYS, WIDGET_KEYS, TYPED], weights=[3, 3, 2, 6, 3])[0]
    return rng.choice(group)


def test_the_keys_are_the_apps_own_and_none_quits():
    """The pools hold only keys the app or its widgets answer, and never one that quits."""
    from tui.app import GrowthsimApp
    from tui.compare import CompareScreen
    from tui.help import HelpScreen
    from tui.lessons_screen import LessonsScreen
    from tui.results import ResultsScreen
    from tui.widgets import ConfirmDialog
    bound = set()
    for owner in (GrowthsimApp, LibraryScreen, EditorScreen, RunScreen, ResultsScreen, CompareScreen,
                  LessonsScreen, HelpScreen, ConfirmDialog):
        for binding in owner.BINDINGS:
            bound |= set(binding.key.split(","))
    assert set(MODE_KEYS + BOUND_LETTERS + CTRL_KEYS) <= bound
    assert not QUITTING & set(MODE_KEYS + BOUND_LETTERS + CTRL_KEYS + WIDGET_KEYS + TYPED)
    assert {"ctrl+q"} <= bound                          # the quitting keys really are the app's


# Seed 6 found a crash: F3 before any scenario was opened, then PageUp (press 43 of
# 200), raised KeyError in the editor's hidden section list (fixed in tui/editor.py).
# Seed 5 found the library's buttons doing nothing (the `never awaited` check below;
# fixed in tui/library.py and tui/compare.py, tested in their own files).
# More seeds, longer: RANDOM_KEYS_SEEDS=1,2,3 RANDOM_KEYS_PRESSES=400 pytest tests/tui/test_random_keys.py
SEEDS = [int(s) for s in os.environ.get("RANDOM_KEYS_SEEDS", "").split(",") if s] or [6]


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_never_crash_the_app_and_it_still_answers(make_app, library, seed, recwarn):
    rng = random.Random(seed)
    keys = [draw(rng) for _ in range(PRESSES)]
    base = library / "base.yaml"                       # quicker runs: a smaller market, two replications
    base.write_text(base.read_text().replace("size: 20000", "size: 5000").replace("initial_shoppers: 2000",
                    "initial_shoppers: 500").replace("replications: 3", "replications: 2"))
    assert "size: 5000" in base.read_text() and "replications: 2" in base.read_text()
    app = make_app(results_after_run=True, progress_interval=0.1)   # live charts redrawn 10 times a second
    async with app.run_test(size=SIZE) as pilot:
        for index, key in enumerate(keys):
            await pilot.press(key)
            if index % 25 == 24:                       # now and then let runs and forms catch up
                await pilot.pause()
            assert app.is_running, f"seed {seed}: the app stopped after {keys[:index + 1][-10:]}"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.return_code is None

        # It still answers: F2 is the library, whatever dialogs were left open on it.
        await pilot.press("f2")
        for _ in range(5):
            if isinstance(app.screen, LibraryScreen):
                break
            await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "library"
        library_screen = app.screen
        assert isinstance(library_screen, LibraryScreen), f"seed {seed}: {app.screen!r}"
        await pilot.press("ctrl+l")
        await pilot.pause()
        files = sorted(p for p in library.glob("*.y*ml"))
        assert library_screen.query_one(DataTable).row_count == len(files)
        # ...and the other modes come up on their keys.
        await pilot.press("f4")
        await pilot.pause()
        assert app.current_mode == "run" and any(isinstance(s, RunScreen) for s in app.screen_stack)
        await pilot.press("f3")
        await pilot.pause()
        assert app.current_mode == "editor" and any(isinstance(s, EditorScreen) for s in app.screen_stack)
    # Leaving `run_test` re-raises any exception the app met on the way: reaching here
    # means there was none. Nor was an action dropped on the way (a handler calling
    # `run_action` without awaiting it: the library's and Compare's buttons did nothing).
    dropped = [str(w.message) for w in recwarn if "never awaited" in str(w.message)]
    assert not dropped, dropped


async def test_page_keys_in_the_editor_before_any_scenario_is_open(make_app):
    """What seed 6 found, on its own: the editor's section list is hidden until a
    scenario is opened, and must not take the keys meant for it then."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "pageup", "pagedown", "down", "enter", "end", "home")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen) and app.screen.path is None
        focused = app.focused                               # nothing, or something one can see
        assert focused is None or all(node.display for node in focused.ancestors_with_self), focused
        await pilot.press("f2", "enter")                   # and it opens a scenario as before
        await pilot.pause()
        assert app.screen.path is not None and app.focused is app.screen.query_one("#sections")
