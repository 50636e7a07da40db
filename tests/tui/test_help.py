"""Help: the key map, the command palette with every action, themes, the mode bar."""

import pytest
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
        for key, (mode, _) in zip(("f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"), MODES, strict=True):
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


def test_the_chatbot_advice_is_what_the_model_does():
    """Issue 15, item 8: the help's chatbot advice matches the model. Each claim of
    the help's note (tui/help.py) is held here to a short run of the model."""
    from simulation.kernel.engine import simulate
    from tests.conftest import scenario
    from tui.help import chatbot_note

    note = chatbot_note()
    desk = {"agents": 1, "tickets_per_order": 0.5, "chatbot_deflection": 1.0}
    days = 20

    def run(**changes):
        sc = scenario(horizon_days=days, market={"size": 20_000, "initial_shoppers": 3_000},
                      strategies={"service_quality": {**desk, **changes}})
        daily = simulate(sc).daily
        return sc.strategies.service_quality, {k: float(v.sum()) for k, v in daily.items()}

    # "answers them at once ... needs no agent"; "switched off ... never fails and costs nothing"
    assert "switched off the chatbot still answers its share, never fails and costs nothing" in note
    config, off = run()
    assert off["tickets"] > 50 and off["tickets_deflected"] == off["tickets"]
    assert off["tickets_answered"] == off["tickets_abandoned"] == off["chatbot_failures"] == 0
    assert off["cost_service_quality"] == config.agents * config.agent_cost_per_day * days   # the agent only
    # "Switched on, ... fail ... and queues for an agent anyway; every conversation, failed or not, costs"
    assert "queues for an agent anyway" in note and "every conversation, failed or not, costs" in note
    config, on = run(enabled=True, chatbot_failure_rate=1.0, patience_minutes=None)
    assert on["chatbot_failures"] == on["tickets_deflected"] == on["tickets"] > 50
    assert on["tickets_answered"] > 0
    assert on["cost_service_quality"] == pytest.approx(config.agents * config.agent_cost_per_day * days
                                                       + on["tickets_deflected"] * config.chatbot_cost_per_conversation)
    # "At night ... with night_chatbot set, the chatbot takes a share night_chatbot_deflection ... in place of chatbot_deflection"
    assert "in place of chatbot_deflection" in note
    config, night = run(enabled=True, chatbot_deflection=0.0, night_chatbot=True, night_chatbot_deflection=1.0,
                        chatbot_failure_rate=0.0, patience_minutes=None)
    assert night["tickets_night"] > 10 and night["tickets"] > night["tickets_night"]
    assert night["tickets_deflected"] == night["tickets_night"]   # every night ticket, and no day ticket
    # The defaults it quotes are the model's.
    defaults = scenario().strategies.service_quality
    for name in ("chatbot_deflection", "chatbot_failure_rate", "chatbot_failure_penalty",
                 "chatbot_cost_per_conversation", "night_chatbot_deflection"):
        assert f"[b]{name}[/] of" in note or f"[b]{name}[/] (" in note, name
        assert f"default {getattr(defaults, name):g}" in note, name


async def test_the_help_screen_shows_the_chatbot_note(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        shown = str(app.screen.query_one("#chatbot").render())
        assert "The service desk's chatbot" in shown and "chatbot_failure_rate" in shown
