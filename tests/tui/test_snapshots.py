"""Snapshots of the main screens at 100 x 30 (readable on a small terminal), in the
dark theme and one in the light theme. Update with `pytest tests/tui --snapshot-update`
after a deliberate change, and look at the SVGs in __snapshots__/ before committing."""

from pathlib import Path

SIZE = (100, 30)


async def settle(pilot):
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


# The journeys, one per screen: the Chinese snapshots (test_snapshots_zh.py) take the same.

async def library_row(pilot):
    await pilot.pause()
    await pilot.press("down")


async def editor_invalid_value(pilot):
    await pilot.pause()
    app = pilot.app
    await app.open_editor(Path("lib/more_agents.yaml"))
    await pilot.pause()
    row = await app.screen.focus_field("strategies.service_quality.agents")
    row.widget.value = "-1"
    await settle(pilot)


async def run_base(pilot):
    await pilot.pause()
    await pilot.press("r")
    await settle(pilot)


async def results_money(pilot):
    await run_base(pilot)
    pilot.app.screen.query_one("TabbedContent").active = "tab-money"
    await settle(pilot)


async def compare_two(pilot):
    await pilot.pause()
    await pilot.press("down", "c")
    await settle(pilot)


async def help_screen(pilot):
    await pilot.pause()
    await pilot.press("f1")
    await pilot.pause()


def test_library(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=library_row)


def test_library_light(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
    assert snap_compare(make_app(theme="light"), terminal_size=SIZE, run_before=before)


def test_editor_with_an_invalid_value(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=editor_invalid_value)


def test_run_finished(snap_compare, make_app):
    assert snap_compare(make_app(results_after_run=False), terminal_size=SIZE, run_before=run_base)


def test_results_kpis(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_base)


def test_results_money(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=results_money)


def test_compare_table(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=compare_two)


def test_lessons(snap_compare, make_app):
    async def before(pilot):
        await pilot.pause()
        await pilot.press("f7")
        await pilot.pause()
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_help(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=help_screen)


def test_calibrate_fitted(snap_compare, make_app):
    """An export with Chinese headers read and fitted (2 replications of the twin), before saving."""
    from tests.tui.test_calibrate import write_orders

    async def before(pilot):
        await pilot.pause()
        write_orders(Path("orders.csv"))
        await pilot.press("f8")
        await pilot.pause()
        screen = pilot.app.screen
        screen.form.widget("file").value = "orders.csv"
        screen.form.widget("replications").value = "2"
        screen.action_read()
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        # The parameters' table sizes its columns to the rows after they are added; on a busy
        # machine the header could be drawn before that (seen in CI): wait for both.
        table = screen.query_one("#params")
        for _ in range(100):
            if screen.calibration is not None and table.row_count:
                break
            await pilot.pause(0.05)
        table.refresh()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)
    assert snap_compare(make_app(jobs=1), terminal_size=SIZE, run_before=before)
