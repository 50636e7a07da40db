"""The main screens in Simplified Chinese at the app's three sizes (100 x 30, the minimum;
120 x 36; 160 x 45): wide characters take two columns, and tables, cards, charts and the
footer must stay aligned with no character cut in half. Update with
`pytest tests/tui/test_snapshots_zh.py --snapshot-update` and read the SVGs' text first."""

import pytest

from tests.tui.test_snapshots import compare_two, editor_invalid_value, help_screen, library_row, results_money, run_base

SMALL, MEDIUM, LARGE = (100, 30), (120, 36), (160, 45)


@pytest.fixture(autouse=True)
def chinese(speak):
    speak("zh")


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["100x30", "160x45"])
def test_library_zh(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=library_row)


@pytest.mark.parametrize("size", [SMALL, MEDIUM], ids=["100x30", "120x36"])
def test_editor_zh(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=editor_invalid_value)


def test_results_kpis_zh(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=run_base)


def test_results_money_zh(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=MEDIUM, run_before=results_money)


def test_run_charts_zh(snap_compare, make_app):
    """Chart titles and axes in Chinese: the frames stay square (tui/widgets.fit_wide_characters)."""
    assert snap_compare(make_app(results_after_run=False), terminal_size=LARGE, run_before=run_base)


def test_compare_table_zh(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=compare_two)


def test_help_zh(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SMALL, run_before=help_screen)
