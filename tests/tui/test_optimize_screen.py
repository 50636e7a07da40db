"""The Optimize screen (tui/optimize.py): its form refuses what `growthsim optimize`
refuses, at the field; a run shows the trials and the finalists' table and writes the
folder; Stop ends it cleanly; Open best and Compare with original reach the Editor and the
Compare screen; the optimisation is in the history. On a tiny scenario: 3 trials of one
replication, 2 confirmation replications, so a run takes seconds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from simulation.storage.history import History
from tui.optimize import OptimizeScreen
from tui.optimize_request import LeverRow, OptimizeForm, default_lever
from tui.optimize_view import TrialPoint, TrialsPlot, best_so_far

TINY = """\
name: tiny
description: A very small platform, for an optimisation in seconds.
horizon_days: 15
seed: 4
replications: 1
market:
  size: 4000
  initial_shoppers: 800
strategies:
  service_quality:
    agents: 1
    tickets_per_order: 0.5
    handle_minutes: 30
"""
AGENTS = "strategies.service_quality.agents"


@pytest.fixture
def tiny(library) -> Path:
    path = library / "tiny.yaml"
    path.write_text(TINY)
    return path


def tiny_form(tiny: Path, **fields) -> OptimizeForm:
    values = dict(scenario=str(tiny), levers=[LeverRow(key=AGENTS, low=1, high=3, whole=True)],
                  objective="contribution", direction="max", constraints="service_wait_p90_min<=600",
                  trials=3, replications=1, confirm=2, finalists=1, out="out/opt-tiny")
    return OptimizeForm(**{**values, **fields})


async def optimize_screen(pilot) -> OptimizeScreen:
    await pilot.press("f9")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, OptimizeScreen)
    return screen


def shown(static: Static) -> str:
    """A Static's content as text, as a 200-column terminal draws it."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def error_text(screen: OptimizeScreen) -> str:
    return str(screen.query_one("#form-error", Static).render())


async def test_low_at_or_above_high_is_marked_on_the_lever(make_app, tiny):
    app = make_app(jobs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await optimize_screen(pilot)
        await screen.form.load_model(tiny_form(tiny))
        line = screen.form.lever_lines[0]
        line.query_one(".low", Input).value = "3"
        screen.action_start()
        await pilot.pause()
        assert line.has_class("-invalid")
        assert f"{AGENTS}: LOW (3) must be below HIGH (3)" in error_text(screen)
        assert not screen.busy and screen.request is None


async def test_an_unknown_kpi_is_marked_at_its_field(make_app, tiny):
    app = make_app(jobs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await optimize_screen(pilot)
        await screen.form.load_model(tiny_form(tiny))
        screen.form.widget("objective").value = "contributionz"
        screen.form.widget("constraints").value = "service_wait_p90_min<<5"
        screen.action_start()
        await pilot.pause()
        assert screen.query_one("#field-objective").has_class("-invalid")
        assert screen.query_one("#field-constraints").has_class("-invalid")
        shown = error_text(screen)
        assert "objective: unknown KPI 'contributionz' (did you mean contribution" in shown
        assert "constraints: expected KPI<=VALUE or KPI>=VALUE" in shown
        assert not screen.busy


async def test_a_lever_added_takes_its_range_from_the_schema(make_app, tiny):
    app = make_app(jobs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await optimize_screen(pilot)
        await screen.form.load_model(tiny_form(tiny).model_copy(update={"levers": []}))
        screen.form.widget("lever-key").value = "strategies.service_quality.chatbot_deflection"
        await pilot.click("#add-lever")
        await pilot.pause()
        [line] = screen.form.lever_lines
        assert line.values()["low"] == "0" and line.values()["high"] == "1"   # ge=0, le=1
    # without both bounds: half to twice the scenario's value, whole for an int key
    assert default_lever(AGENTS, 4) == LeverRow(key=AGENTS, low=2, high=8, whole=True)


async def test_a_run_shows_the_finalists_writes_the_folder_and_is_recorded(make_app, tiny):
    app = make_app(jobs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await optimize_screen(pilot)
        await screen.form.load_model(tiny_form(tiny))
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.busy
        out = Path("out/opt-tiny")
        assert {"optimize.json", "trials.csv", "best.yaml", "study.db"} <= {p.name for p in out.iterdir()}
        result = json.loads((out / "optimize.json").read_text())
        assert result["status"] == "done" and result["search"]["trials"] == 3
        table = shown(screen.query_one("#finalists", Static))
        for words in ("tiny: best of 3 trials, confirmed with 2 replications on fresh seeds", "as given", "best",
                      "vs scenario as given (95 % CI)", "holds"):
            assert words in table
        assert len(screen.query_one(TrialsPlot).points) == 3
        assert screen.query_one("#bar").progress == screen.query_one("#bar").total
        [record] = History().list()
        assert record.kind == "optimize" and record.out_dir == str(out.resolve())
        assert record.results["best"]["levers"] == result["best"]["levers"]
        assert f"history #{record.id}" in str(screen.query_one("#status", Static).render())

        await pilot.click("#compare_best")   # best.yaml against the scenario as given
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "compare"
        compare = app.screen
        assert [Path(v.split(":", 1)[1]) for v in compare._order] == [tiny.resolve(), (out / "best.yaml").resolve()]

        await pilot.press("f9")
        await pilot.pause()
        await pilot.click("#open_best")
        await pilot.pause()
        assert app.current_mode == "editor"
        assert Path(app.screen.path).resolve() == (out / "best.yaml").resolve()


async def test_stop_ends_the_optimisation_cleanly(make_app, tiny):
    app = make_app(jobs=1)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await optimize_screen(pilot)
        wide = [LeverRow(key=AGENTS, low=1, high=60, whole=True)]   # few trials repeat: each one runs
        await screen.form.load_model(tiny_form(tiny, levers=wide, trials=200))
        await pilot.press("ctrl+r")
        plot = screen.query_one(TrialsPlot)
        for _ in range(600):   # until the first trial is on the chart (well under a minute)
            await pilot.pause(0.05)
            if plot.points:
                break
        assert plot.points and screen.busy
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.busy
        assert "Stopped" in shown(screen.query_one("#status", Static))
        assert len(plot.points) < 200
        manifest = json.loads(Path("out/opt-tiny/optimize.json").read_text())
        assert manifest["status"] == "searching"   # never confirmed: kept for --resume
        assert screen.query_one("#open_best").disabled and not screen.query_one("#start").disabled
        assert History().list() == []
        kept = len(plot.points)

        await screen.form.load_model(tiny_form(tiny, levers=wide, trials=kept + 1))
        await pilot.press("ctrl+r")   # the same fields: the study goes on from the trials kept
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = json.loads(Path("out/opt-tiny/optimize.json").read_text())
        assert result["status"] == "done" and result["search"]["trials"] == kept + 1
        assert len(plot.points) == 1   # the chart shows this run's trials
        assert screen.form.widget("out").value == "out/opt-tiny-2"   # the next one: a new folder


def test_best_so_far_counts_feasible_trials_only():
    points = [TrialPoint(0, 5.0, False), TrialPoint(1, 2.0, True), TrialPoint(2, 1.0, True), TrialPoint(3, 3.0, True)]
    assert best_so_far(points, "max")[1:] == [2.0, 2.0, 3.0]
    assert best_so_far(points, "min")[1:] == [2.0, 1.0, 1.0]


def test_snapshot_of_the_form(snap_compare, make_app, tiny):
    """The form filled in at 100 x 30: a scenario, a lever, the objective and a constraint."""
    async def before(pilot):
        await pilot.pause()
        await pilot.press("f9")
        await pilot.pause()
        await pilot.app.screen.form.load_model(tiny_form(tiny))
        await pilot.pause()
    assert snap_compare(make_app(jobs=1), terminal_size=(100, 30), run_before=before)


def test_the_chart_draws_trials_numbered_past_the_trials_asked():
    """A resumed study numbers its trials past `trials` (those stopped mid-way are asked again):
    the chart widens to them (plotext fails on a labelled series wholly outside its axes)."""
    plot = TrialsPlot()
    plot.start("contribution", "max", 3)
    for number, value, feasible in ((4, 1.0, True), (5, 2.0, False), (7, 3.0, True)):
        plot.add(TrialPoint(number, value, feasible))
    plot.plt.plotsize(60, 15)
    drawn = plot.plt.build()
    assert "feasible" in drawn and "infeasible" in drawn and "best so far" in drawn
