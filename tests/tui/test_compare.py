"""Compare: picked scenarios (files or past runs) with the same seeds; the KPI table
with differences, intervals and marks; overlaid charts; sweeps."""

import io

from rich.console import Console
from textual.widgets import DataTable, Input, SelectionList, Static, TabbedContent

from simulation.experiments.compare import compare
from simulation.storage.history import History
from simulation.storage.loading import load_scenario, resolved_yaml
from tui.compare import CompareFinished, CompareScreen
from tui.widgets import LinePlot

SIZE = (100, 30)


async def wait(app, pilot):
    await app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


async def test_compare_with_the_parent_from_the_library(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "c")                 # more_agents: compared with base.yaml
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.comparison.names == ["base", "more_agents"]
        expected = compare([load_scenario(library / "base.yaml"), load_scenario(library / "more_agents.yaml")], jobs=1)
        table = screen.query_one("#kpi-table", DataTable)
        assert [str(c.label) for c in table.ordered_columns] == ["KPI", "base", "more_agents", "more_agents - base", "%"]
        wait_row = table.get_row("service_wait_mean_min")
        assert expected.difference(1, "service_wait_mean_min").significant
        assert str(wait_row[3]).endswith("*")           # far shorter waits: marked
        cost_row = table.get_row("operations_cost")
        assert str(cost_row[3]).startswith("+") and str(cost_row[3]).endswith("*")
        assert not str(table.get_row("shoppers_total")[3]).endswith("*")
        assert screen.query_one(TabbedContent).active == "tab-table"
        screen.query_one(TabbedContent).active = "tab-charts"
        await pilot.pause()
        assert set(screen.query_one("#overlay", LinePlot).lines) == {"base", "more_agents"}


async def test_pick_by_hand_including_a_past_run(make_app, library):
    scenario = load_scenario(library / "base.yaml").model_copy(update={"name": "old_run"})
    record = History().record("run", "old_run", [{"path": "elsewhere.yaml", "yaml": resolved_yaml(scenario)}],
                              {"kpis": {}}, seed=3, replications=3)
    seen = []
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        screen = app.screen
        choices = screen.query_one("#choices", SelectionList)
        values = [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        assert f"history:{record}" in values
        await pilot.press("ctrl+r")                      # nothing picked: nothing runs
        await pilot.pause()
        assert screen.comparison is None
        choices.select(f"history:{record}")
        choices.select(next(v for v in values if v.endswith("more_agents.yaml")))
        await pilot.pause()
        assert "Reference: [b]history" in str(screen.query_one("#status", Static).render()) or \
            "history" in str(screen.query_one("#status", Static).render())
        screen.query_one("#replications", Input).value = "2"
        await pilot.press("ctrl+r")
        await wait(app, pilot)
        assert screen.comparison.names == [f"old_run#{record}", "more_agents"]
        assert len(screen.comparison.results[0].runs) == 2
        assert any(isinstance(m, CompareFinished) for m in seen)
        assert History().list(1)[0].kind == "compare"


async def test_sweeps_show_as_a_line_or_a_heatmap(make_app, tmp_path):
    def rows(levers):
        out = []
        for i, values in enumerate(levers):
            row = {"point": i, **values, "status": "done"}
            row |= {"contribution_mean": float(i), "contribution_ci_low": i - 0.5, "contribution_ci_high": i + 0.5}
            out.append(row)
        return out

    one = History().record("sweep", "one lever", [], {"rows": rows([{"strategies.service_quality.agents": str(a)}
                                                                    for a in (1, 2, 3)])})
    two = History().record("sweep", "two levers", [], {"rows": rows(
        [{"a": str(a), "b": str(b)} for a in (1, 2) for b in (10, 20)])})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        screen = app.screen
        screen.query_one(TabbedContent).active = "tab-sweep"
        await pilot.pause()
        screen.query_one("#sweeps").value = one
        await pilot.pause()
        assert screen.query_one("#sweep-plot").display
        assert "over the swept lever" in str(screen.query_one("#sweep-note", Static).render())
        screen.query_one("#sweeps").value = two
        await pilot.pause()
        assert not screen.query_one("#sweep-plot").display
        assert "darker is higher" in str(screen.query_one("#sweep-note", Static).render())
        grid = Console(width=100, record=True, file=io.StringIO())
        grid.print(screen.query_one("#sweep-grid", Static).content)
        assert "¥3.00" in grid.export_text()                   # contribution, in the default currency (CNY)
        folder = tmp_path / "sweep-out"
        folder.mkdir()
        (folder / "sweep.json").write_text('{"sweep": "x", "currency": "USD"}')
        (folder / "sweep.csv").write_text("point,x,status,contribution_mean,contribution_ci_low,contribution_ci_high\n"
                                          "0,1,done,5,4,6\n1,2,done,7,6,8\n")
        screen.query_one("#sweep-path", Input).value = str(folder)
        screen.query_one("#sweep-path", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.sweep_title == str(folder) and len(screen.sweep_rows) == 2
        assert screen.sweep_currency == "USD"


async def test_the_compare_button_starts_the_comparison(make_app, library):
    """The Compare button as Ctrl+R (it once did nothing: its action was never awaited)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.open_compare([library / "base.yaml", library / "more_agents.yaml"])
        await pilot.pause()
        await pilot.click("#start")
        await wait(app, pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.comparison is not None
        assert screen.comparison.names == ["base", "more_agents"]


async def test_the_app_and_the_command_compare_alike(make_app, library, capsys):
    """The Compare screen and `growthsim compare` give the same rows, and record them alike."""
    import json

    from growthsim.cli import main
    paths = [library / "base.yaml", library / "more_agents.yaml"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.open_compare(paths, start=True)
        await wait(app, pilot)
        comparison = app.screen.comparison
    by_app = History().list(1)[0]
    assert main(["compare", *map(str, paths), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert comparison.rows() == printed["rows"]
    by_command = History().list(1)[0]
    assert by_app.kind == by_command.kind == "compare" and by_app.id != by_command.id
    assert by_app.results == by_command.results
    assert [s["yaml"] for s in by_app.scenarios] == [s["yaml"] for s in by_command.scenarios]


async def test_a_past_comparison_from_the_history_is_shown_and_reported(make_app, library, tmp_path):
    """A comparison the app (or the command) recorded: its figures come back from the history,
    and the Report button writes its HTML report, with the figures table, into the app's out folder."""
    from growthsim.cli import main
    assert main(["compare", str(library / "base.yaml"), str(library / "more_agents.yaml"), "--replications", "2",
                 "--jobs", "1"]) == 0
    record = History().list(1)[0]
    app = make_app(out_dir=tmp_path / "out")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        screen = app.screen
        screen.query_one(TabbedContent).active = "tab-table"
        screen.query_one("#past").value = record.id
        await pilot.pause()
        table = screen.query_one("#kpi-table", DataTable)
        wait_row = next(r for r in record.results["rows"] if r["kpi"] == "service_wait_mean_min" and r["diff_mean"])
        assert str(table.get_row("service_wait_mean_min")[3]).startswith(f"{wait_row['diff_mean']:.3f} [")   # shorter
        roi = Console(width=120, record=True, file=io.StringIO())
        roi.print(screen.query_one("#roi", Static).content)
        text = roi.export_text()
        assert "service_quality" in text and "ROI" in text and " %" in text   # its ROI, from the ledger
        await pilot.click("#report")
        await wait(app, pilot)
    page = (tmp_path / "out" / f"compare-{record.id}-report.html").read_text()
    assert '<table class="figures">' in page and '<table class="roi">' in page
