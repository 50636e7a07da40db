"""Help: the key map, the command palette with every action, themes, the mode bar."""

from textual.command import CommandPalette

from tui.base import MODES
from tui.help import HelpScreen
from tui.library import LibraryScreen

SIZE = (100, 30)


async def test_f1_shows_every_screens_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.key_map()
        wheres = set(table.columns[0]._cells)
        assert {"anywhere", "library", "editor", "run", "results", "compare", "lessons"} <= wheres
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)


async def test_the_palette_offers_every_action(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for mode, title in MODES:
            assert f"Go to {title.split(' ', 1)[1]}" in titles
        for title in ("Run the selected scenario", "Save the scenario", "Cancel the run", "Write the HTML report",
                      "Compare the picked scenarios", "Play the lesson's before/after run", "Key map",
                      "Toggle light/dark theme"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_a_palette_command_switches_mode_and_acts(make_app):
    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Run the selected scenario")
        await command.callback()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "run" and app.screen.outcome is not None


async def test_light_and_dark_themes(make_app):
    app = make_app(theme="light")
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-light"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"


async def test_modes_are_reachable_by_keys_and_by_clicking_the_bar(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key, (mode, _) in zip(("f2", "f3", "f4", "f5", "f6", "f7", "f8"), MODES, strict=True):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode
        await app.run_action("go('library')")
        assert app.current_mode == "library"
        await pilot.click("ModeBar", offset=(38, 0))          # "F5 Results" on the bar (100 columns: no app name)
        await pilot.pause()
        assert app.current_mode == "results"


async def test_tooltips_explain_kpis_and_fields(make_app):
    from tui.widgets import KpiCard
    card = KpiCard("retention_d30", 0.1, 0.09, 0.11)
    assert "30th" in str(card.tooltip)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        from pathlib import Path
        await app.open_editor(Path("lib/base.yaml"))
        await pilot.pause()
        row = await app.screen.focus_field("strategies.service_quality.agents")
        assert "Agents on duty" in str(row.widget.tooltip)
