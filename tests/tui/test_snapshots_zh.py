"""The main screens in Simplified Chinese at the app's three sizes (100 x 30, the minimum;
120 x 36; 160 x 45): wide characters take two columns, and tables, cards, charts and the
footer must stay aligned with no character cut in half. Update with
`pytest tests/tui/test_snapshots_zh.py --snapshot-update` and read the SVGs' text first."""

from pathlib import Path

import pytest

SMALL, MEDIUM, LARGE = (100, 30), (120, 36), (160, 45)


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


@pytest.fixture(autouse=True)
def chinese(speak):
    speak("zh")


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["100x30", "160x45"])
def test_library_zh(snap_compare, make_app, size):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("down")
    assert snap_compare(make_app(), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [SMALL, MEDIUM], ids=["100x30", "120x36"])
def test_editor_zh(snap_compare, make_app, size):
    async def before(pilot):
        await pilot.pause()
        app = pilot.app
        await app.open_editor(Path("lib/more_agents.yaml"))
        await pilot.pause()
        row = await app.screen.focus_field("strategies.service_quality.agents")
        row.widget.value = "-1"
        await settle(pilot)
    assert snap_compare(make_app(), terminal_size=size, run_before=before)


def test_results_kpis_zh(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=before)


def test_results_money_zh(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
        pilot.app.screen.query_one("TabbedContent").active = "tab-money"
        await settle(pilot)
    assert snap_compare(make_app(), terminal_size=MEDIUM, run_before=before)


def test_run_charts_zh(snap_compare, make_app):
    """Chart titles and axes in Chinese: the frames stay square (tui/widgets.fit_wide_characters)."""
    async def before(pilot):
        await pilot.pause()
        await pilot.press("r")
        await settle(pilot)
    assert snap_compare(make_app(results_after_run=False), terminal_size=LARGE, run_before=before)


def test_compare_table_zh(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("down", "c")
        await settle(pilot)
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=before)


def test_help_zh(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=before)
