"""The app's language: switched live from the command palette, remembered in the settings
file (tui/settings.py), read at start unless --lang or GROWTHSIM_LANG chose; a settings file
that cannot be read is ignored with a notice, and never overwritten."""

import json
from pathlib import Path

import pytest

from growthsim import i18n
from tui import settings
from tui.commands import remembered_language

SIZE = (100, 30)


def shown(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@pytest.fixture
def settings_file() -> Path:
    return settings.settings_path()   # the test's own (tests/tui/conftest.py)


async def test_the_palette_switches_the_language_live_and_remembers_it(make_app, speak, settings_file):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Scenario library" in shown(app, "#intro")
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Language: 中文", "Language: English"} <= set(titles)
        await titles["Language: 中文"].callback()
        await pilot.pause()
        assert i18n.language() == "zh"
        assert "场景库。" in shown(app, "#intro")
        assert "场景库" in str(app.screen.query_one("ModeBar").render())
        assert json.loads(settings_file.read_text()) == {"language": "zh"}
        titles = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "语言：English" in titles and "转到场景库" in titles
        await titles["语言：English"].callback()
        await pilot.pause()
        assert "Scenario library" in shown(app, "#intro")
        assert json.loads(settings_file.read_text()) == {"language": "en"}


async def test_switching_keeps_the_file_in_the_editor_and_waits_for_unsaved_changes(make_app, speak):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.open_editor(Path("lib/more_agents.yaml"))
        await pilot.pause()
        row = await app.screen.focus_field("strategies.service_quality.agents")
        row.widget.value = "5"
        await pilot.pause()
        await app.switch_language("zh")
        assert i18n.language() == "en"   # refused: the edit would be lost
        row.widget.value = "3"
        await pilot.pause()
        await app.switch_language("zh")
        await pilot.pause()
        assert i18n.language() == "zh"
        assert app.current_mode == "editor"
        assert app.screen.path == Path("lib/more_agents.yaml")
        assert "保存" in str(app.screen.query_one("#save").label)


def test_the_remembered_language_is_read_unless_the_flag_or_variable_chose(speak, settings_file, monkeypatch):
    settings.save_language("zh")
    monkeypatch.delenv(i18n.VARIABLE, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    i18n.choose([])
    assert remembered_language() == [] and i18n.language() == "zh"
    i18n.choose(["--lang", "en"])
    assert remembered_language() == [] and i18n.language() == "en"
    monkeypatch.setenv(i18n.VARIABLE, "en")
    i18n.choose([])
    assert remembered_language() == [] and i18n.language() == "en"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"language": "fr"}'])
def test_a_corrupt_settings_file_is_ignored_with_a_notice_and_kept(speak, settings_file, monkeypatch, content):
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(content)
    monkeypatch.delenv(i18n.VARIABLE, raising=False)
    i18n.choose([])
    notices = remembered_language()
    assert len(notices) == 1 and str(settings_file) in notices[0]
    with pytest.raises(settings.SettingsError):
        settings.save_language("zh")
    assert settings_file.read_text() == content   # a person's file: not overwritten


async def test_the_app_shows_the_notice_and_starts(make_app, speak):
    app = make_app(notices=["Settings ignored: settings.json: line 1: Expecting value"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("Settings ignored" in str(n.message) for n in app._notifications)
        assert app.current_mode == "library"


def test_saving_keeps_the_other_settings(settings_file):
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text('{"theme": "light"}')
    settings.save_language("zh")
    assert json.loads(settings_file.read_text()) == {"theme": "light", "language": "zh"}
    assert settings.saved_language() == "zh"
