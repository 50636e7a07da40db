"""Library: scenarios with descriptions and last results; open, run, duplicate, delete."""

import time
from pathlib import Path

from textual.widgets import DataTable, Static

from tui.editor import EditorScreen
from tui.library import LibraryScreen, as_typed
from tui.widgets import ConfirmDialog

SIZE = (100, 30)


def test_paths_show_as_typed_from_the_working_folder(tmp_path, monkeypatch):
    inside = tmp_path / "scenarios" / "baseline.yaml"
    monkeypatch.chdir(tmp_path)
    assert as_typed(inside) == Path("scenarios/baseline.yaml")   # fits the detail pane at 100 columns
    elsewhere = tmp_path.parent / "other.yaml"
    assert as_typed(elsewhere) == elsewhere


async def test_lists_scenarios_with_descriptions(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        assert [e.name for e in screen.entries] == ["base", "more_agents"]
        assert screen.query_one(DataTable).row_count == 2
        assert "A small platform" in str(screen.query_one("#detail-text", Static).render())
        await pilot.press("down")
        assert "extends base.yaml" in str(screen.query_one("#detail-text", Static).render())


async def test_enter_opens_the_editor(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.path == Path("lib/more_agents.yaml")


async def test_duplicate_then_delete_after_confirming(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "d")
        await pilot.pause()
        assert (library / "more_agents-copy.yaml").exists()
        screen = app.screen
        assert screen.selected.path.name == "more_agents-copy.yaml"
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")                          # no: nothing deleted
        await pilot.pause()
        assert (library / "more_agents-copy.yaml").exists()
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert not (library / "more_agents-copy.yaml").exists()
        assert [e.name for e in screen.entries] == ["base", "more_agents"]


async def test_deleting_a_parent_warns_of_its_children(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert "more_agents.yaml" in str(app.screen.query_one("#question", Static).render())


async def test_last_results_show_after_a_run(make_app):
    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert screen.entries[0].last_run is not None
        row = screen.query_one(DataTable).get_row_at(0)
        assert row[2] != "never"
        assert "Last run" in str(screen.query_one("#detail-text", Static).render())


async def test_a_broken_file_is_shown_not_run(make_app, library):
    (library / "broken.yaml").write_text("market:\n  size: -1\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        names = [e.path.name for e in screen.entries]
        screen.query_one(DataTable).move_cursor(row=names.index("broken.yaml"))
        await pilot.pause()
        assert "problems" in str(screen.query_one("#detail-text", Static).render())
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


async def test_the_buttons_do_what_their_keys_do(make_app, library):
    """Clicking Duplicate, then Run: each button runs its action (they once did nothing,
    their action never awaited; found by tests/tui/test_random_keys.py)."""
    from tui.run import RunScreen
    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#duplicate")
        await pilot.pause()
        assert (library / "base-copy.yaml").exists()
        await pilot.click("#run")
        # the click's action starts the run's worker a moment later: wait for the run, not for workers
        deadline = time.monotonic() + 120
        while not (isinstance(app.screen, RunScreen) and app.screen.outcome is not None):
            assert time.monotonic() < deadline, "the Run button never ran the scenario"
            await pilot.pause(0.05)


async def test_results_remain_after_restarting_the_app(make_app, library):
    """Issue 15, item 11: after a restart the Results screen said "No results yet" although the
    history held the run. The library's row and the Results screen show the last run's KPIs,
    read from the history database, in a new app."""
    from tui.results import ResultsScreen
    from tui.widgets import KpiCard

    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")                                   # base.yaml: 3 x 45 days
        await app.workers.wait_for_complete()
        await pilot.pause()
        ran = app.last_outcome.result.kpis()
    restarted = make_app()
    async with restarted.run_test(size=SIZE) as pilot:
        await pilot.pause()
        library_screen = restarted.screen
        row = library_screen.query_one(DataTable).get_row_at(0)
        assert str(row[0]) == "base" and row[2] != "never" and row[3]     # shoppers, from the history
        assert "Last run" in str(library_screen.query_one("#detail-text", Static).render())
        await pilot.press("f5")
        await pilot.pause()
        results = restarted.screen
        assert isinstance(results, ResultsScreen) and results.outcome is None
        title = str(results.query_one("#title", Static).render())
        assert "base" in title and "3 replications" in title and "from the history" in title
        card = results.query_one("#kpi-shoppers_total", KpiCard)
        assert card.mean == ran["shoppers_total"].mean and card.high == ran["shoppers_total"].ci_high


async def test_the_same_file_in_two_folders_is_one_row_naming_both(make_app, library, tmp_path):
    """Issue 15, item 11: with two library folders holding the same file (a copy of the
    scenarios, or a folder named twice through a link) each was listed, twice over, with
    nothing to tell the rows apart. The same file -- the same resolved path, or the same bytes
    giving the same scenario -- is one row naming its folders; a different file of the same
    name gets its folder beside its name; a run of either copy is that row's last run."""
    from tui.app import create_app
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("base.yaml", "more_agents.yaml"):
        (copy / name).write_bytes((library / name).read_bytes())
    (copy / "more_agents.yaml").write_text((library / "more_agents.yaml").read_text().replace("agents: 3", "agents: 4"))
    (tmp_path / "link").symlink_to(library.resolve())
    app = create_app([library, Path("copy"), Path("link")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert [(e.name, e.paths) for e in screen.entries] == [
            ("base", [library / "base.yaml", Path("copy/base.yaml")]),
            ("more_agents", [library / "more_agents.yaml"]), ("more_agents", [Path("copy/more_agents.yaml")])]
        table = screen.query_one(DataTable)
        assert table.row_count == 3
        assert [str(table.get_row_at(i)[0]) for i in range(3)] == [
            "base  lib/, copy/", "more_agents  lib/", "more_agents  copy/"]
        assert "the same file: copy/base.yaml" in str(screen.query_one("#detail-text", Static).render())
        await app.run_file(Path("copy/base.yaml"))
        await app.workers.wait_for_complete()
        await pilot.press("f2")
        await pilot.pause()
        assert screen.entries[0].last_run is not None and table.get_row_at(0)[2] != "never"
