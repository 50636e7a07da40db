"""The strategist's journey end to end, with the keyboard only: pick a scenario, change
a lever, save it as a what-if, run it, read the results, compare it with its parent."""


from textual.widgets import DataTable, Input

from simulation.storage.loading import load_scenario
from tui.compare import CompareScreen
from tui.editor import EditorScreen, SaveAsDialog
from tui.results import ResultsScreen
from tui.widgets import KpiCard


async def settle(pilot, times=3):
    await pilot.app.workers.wait_for_complete()
    for _ in range(times):
        await pilot.pause()


async def test_pick_edit_save_run_results_compare(make_app, library):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")                                   # pick base.yaml: the editor
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        # Down the section list to the service desk, Enter into its first field.
        index = next(i for i, s in enumerate(editor.sections) if s.id == "strategy-service_quality")
        await pilot.press(*["down"] * index, "enter")
        await settle(pilot)
        agents = editor.row("strategies.service_quality.agents").widget
        while app.focused is not agents:
            await pilot.press("tab")
        await pilot.press("end", "backspace", "4")                   # one agent -> four
        await settle(pilot)
        assert editor.row("strategies.service_quality.agents").changed
        await pilot.press("ctrl+n")                                  # save as a what-if
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaveAsDialog)
        dialog.query_one("#file", Input).value = "four_agents"
        await pilot.press("enter")                                   # on to the name
        dialog.query_one("#name", Input).value = "four_agents"
        await pilot.press("enter")                                   # on to the description
        await pilot.press(*"Four agents instead of one", "enter")
        await settle(pilot)
        saved = load_scenario(library / "four_agents.yaml")
        assert saved.strategies.service_quality.agents == 4 and saved.description == "Four agents instead of one"
        await pilot.press("ctrl+r")                                  # run it
        await settle(pilot, 5)
        results = app.screen
        assert isinstance(results, ResultsScreen)
        assert results.outcome.scenario.name == "four_agents"
        assert results.query_one("#kpi-service_wait_mean_min", KpiCard).mean is not None
        await pilot.press("c")                                       # compare with base.yaml
        await settle(pilot, 5)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.comparison.names == ["base", "four_agents"]
        assert str(compare.query_one("#kpi-table", DataTable).get_row("service_wait_mean_min")[3]).endswith("*")
