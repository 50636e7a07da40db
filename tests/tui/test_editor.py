"""Editor: forms from the schema, errors where they are, nothing invalid saved, saving
a minimal diff."""

from pathlib import Path

from textual.widgets import Input, OptionList

from simulation.storage.loading import load_scenario
from tui.editor import EditorScreen, SaveAsDialog
from tui.run import RunScreen

SIZE = (100, 30)


async def open_editor(app, pilot, name="more_agents.yaml") -> EditorScreen:
    await app.open_editor(Path("lib") / name)
    await pilot.pause()
    return app.screen


async def settle(pilot):
    """Let the editor's check run: it runs once after a burst of changes."""
    for _ in range(3):
        await pilot.pause()


async def type_into(pilot, screen, key, text):
    field = (await screen.focus_field(key)).widget
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)
    await settle(pilot)


async def test_forms_show_the_files_values_with_units(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        assert screen.row("horizon_days").widget.value == "45"         # inherited from base.yaml
        await screen.show_section("strategy-service_quality")
        assert screen.row("strategies.service_quality.agents").widget.value == "3"
        assert "≥ 0" in str(screen.row("strategies.service_quality.agents").query_one(".unit").render())
        options = screen.query_one("#sections", OptionList)
        titles = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert {"Strategy: service quality", "Strategy: logistics"} <= set(titles), repr(titles)


async def test_an_invalid_value_is_shown_on_its_row_and_not_saved(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        before = (library / "more_agents.yaml").read_text()
        await type_into(pilot, screen, "strategies.service_quality.agents", "-2")
        row = screen.row("strategies.service_quality.agents")
        assert row.has_class("-invalid")
        assert "greater than or equal to 0" in str(row.query_one(".error").render())
        assert "✗1" in str(screen.query_one("#sections", OptionList).get_option_at_index(
            next(i for i, s in enumerate(screen.sections) if s.id == "strategy-service_quality")).prompt)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (library / "more_agents.yaml").read_text() == before
        await pilot.press("ctrl+r")                                   # nor run
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        await type_into(pilot, screen, "strategies.service_quality.agents", "4")
        assert not row.has_class("-invalid") and row.has_class("-changed")


async def test_a_cross_field_error_lands_on_its_field(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        await type_into(pilot, screen, "market.initial_shoppers", "999999")
        assert screen.row("market.initial_shoppers").has_class("-invalid")


async def test_save_writes_only_the_difference_keeping_comments(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        await type_into(pilot, screen, "strategies.service_quality.agents", "5")
        await type_into(pilot, screen, "strategies.logistics.capacity_per_day", "900")
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = (library / "more_agents.yaml").read_text()
        assert "agents: 5   # the lever" in text and "capacity_per_day: 900" in text
        assert "extends: base.yaml" in text and "market" not in text
        assert load_scenario(library / "more_agents.yaml").strategies.logistics.capacity_per_day == 900
        assert not screen.dirty


async def test_save_as_new_extends_the_open_file(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot, "base.yaml")
        await type_into(pilot, screen, "strategies.service_quality.chatbot_deflection", "0.4")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SaveAsDialog)
        app.screen.query_one("#file", Input).value = "chatbot"
        app.screen.query_one("#name", Input).value = "chatbot"
        app.screen.query_one("#description", Input).value = "More questions answered by the chatbot"
        await pilot.click("#ok")
        await pilot.pause()
        text = (library / "chatbot.yaml").read_text()
        assert "extends: base.yaml" in text and "chatbot_deflection: 0.4" in text and "name: chatbot" in text
        assert "description: More questions answered by the chatbot" in text
        assert screen.path == library / "chatbot.yaml"


async def test_save_as_new_asks_for_a_description_of_its_own(make_app, library):
    """Issue 15, item 7: a what-if saved under its parent's description said what the
    parent is. The dialog asks for a name and a description, and will not save without one."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot, "base.yaml")
        await type_into(pilot, screen, "horizon_days", "30")
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveAsDialog)
        assert dialog.query_one("#description", Input).value == ""     # not the parent's
        dialog.query_one("#file", Input).value = "short"
        dialog.query_one("#name", Input).value = "Short horizon"
        await pilot.click("#ok")                      # no description: asked again, nothing written
        await pilot.pause()
        assert app.screen is dialog and not (library / "short.yaml").exists()
        assert "description" in str(dialog.query_one("#problem").render())
        assert dialog.focused is dialog.query_one("#description", Input)
        await pilot.press(*"A month only", "enter")
        await pilot.pause()
        assert app.screen is screen
        saved = load_scenario(library / "short.yaml")
        assert (saved.name, saved.description, saved.horizon_days) == ("Short horizon", "A month only", 30)


async def test_run_from_the_editor(make_app):
    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        await type_into(pilot, screen, "horizon_days", "30")
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert app.screen.outcome.result.scenario.horizon_days == 30


async def test_lists_are_edited_as_yaml(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        await screen.show_section("lists")
        area = screen.row("calendar").widget
        area.text = "- {nonsense: 1}\n"
        await settle(pilot)
        assert screen.row("calendar").has_class("-invalid")
        area.text = "- [unclosed\n"
        await settle(pilot)
        assert "not YAML" in str(screen.row("calendar").query_one(".error").render())
        area.text = "[]\n"
        await settle(pilot)
        assert screen.scenario is not None


async def test_the_header_and_status_follow_the_file_and_its_problems(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        header = screen.query_one("#file")
        assert "more_agents" in str(header.render()) and "extends base.yaml" in str(header.render())
        await type_into(pilot, screen, "name", "fewer_agents")
        await type_into(pilot, screen, "strategies.service_quality.agents", "-2")
        status = screen.query_one("#status")
        assert str(status.render()).startswith("✗ 1 problem:") and status.has_class("-invalid")
        await type_into(pilot, screen, "strategies.service_quality.agents", "2")
        assert str(status.render()) == "✓ valid · 2 changes from the file" and not status.has_class("-invalid")
        await pilot.press("ctrl+s")                   # the same file loaded again: its new name shown
        await pilot.pause()
        assert "fewer_agents" in str(header.render()) and screen.path == Path("lib/more_agents.yaml")
        assert str(status.render()) == "✓ valid · 0 changes from the file"


async def test_a_calendar_preset_loads_is_shown_as_written_and_saves_as_written(make_app, library):
    (library / "china.yaml").write_text("extends: base.yaml\nname: china\nstart_date: 2025-01-01\n"
                                        "calendar: {preset: china}\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot, "china.yaml")
        await screen.show_section("lists")
        area = screen.row("calendar").widget
        assert "preset: china" in area.text and "Spring Festival" not in area.text
        assert screen.scenario is not None and len(screen.scenario.calendar) > 10
        area.text = "preset: china\nevents:\n- {name: member day, kind: member_day, start: '03-08'}\n"
        await settle(pilot)
        assert not screen.row("calendar").has_class("-invalid")
        await type_into(pilot, screen, "strategies.service_quality.agents", "2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = load_scenario(library / "china.yaml")
        assert "preset: china" in (library / "china.yaml").read_text()
        assert [e.name for e in saved.calendar if e.name == "member day"] == ["member day"]
        assert saved.strategies.service_quality.agents == 2


async def test_a_baseline_file_that_is_not_there_is_flagged_where_it_is_typed(make_app, library):
    """Issue 15, item 6: the run would fail minutes later; the editor says so at once."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        await type_into(pilot, screen, "baseline", "nowhere.yaml")
        row = screen.row("baseline")
        assert "file not found" in str(row.query_one(".error").render()) and screen.scenario is None
        await type_into(pilot, screen, "baseline", "base.yaml")
        assert str(row.query_one(".error").render()) == "" and screen.scenario is not None


async def test_a_strategys_form_shows_its_whole_mechanism(make_app):
    """Issue 15, item 8: the membership form's help ended at "Mechanism, in a strategist's
    words:" -- the list that followed the heading was dropped (so for most strategies).
    Every strategy's form shows its mechanism, each point on its own line, whole on screen."""
    from textual.widgets import Static

    from tui.schema import sections
    for section in sections():
        if section.strategy:
            assert not section.about.endswith(":"), section.id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(app, pilot)
        form = await screen.show_section("strategy-membership")
        for _ in range(3):
            await pilot.pause()
        about = form.query_one(".about", Static)
        text = str(about.render())
        for point in ("• Tiers by rolling spend.", "• Points.", "• Member days.", "• Paid membership",
                      "kept in [0, 1]", "`paid.ticket_priority` at the service desk (higher is served first)."):
            assert point in text, point
        width = about.content_region.width
        assert about.content_region.height == about.get_content_height(about.content_region.size,
                                                                        about.content_region.size, width)
