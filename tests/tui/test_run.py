"""Run and Results: progress by day and replication, live charts, cancel, results
with KPI cards, charts, cohorts, funnel, growth, costs, policy log; export."""

import json
from pathlib import Path

import numpy as np
from textual.widgets import DataTable, Input, ProgressBar, Static, TabbedContent

from simulation.kernel.currency import format_money
from simulation.storage.loading import load_scenario
from simulation.experiments.replicate import run_replications
from simulation.storage.history import History
from tests.tui.processes import children
from tui.kpis import LIVE_SERIES
from tui.live_run import RunSnapshot
from tui.results import ResultsScreen
from tui.run import RunFinished, RunProgress, RunScreen, RunStopped, progress_text
from tui.widgets import AskDialog, KpiCard, LinePlot

SIZE = (100, 30)


async def test_run_reports_days_and_replications_and_draws_live(make_app, library):
    seen = []
    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("r")                                   # base.yaml: 3 x 45 days
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        progress = [m.snapshot for m in seen if isinstance(m, RunProgress)]
        assert set().union(*(p.days for p in progress)) == {0, 1, 2}
        last = progress[-1]
        assert last.days == {0: 45, 1: 45, 2: 45} and last.fraction == 1.0 and last.finished == [0, 1, 2]
        expected = run_replications(load_scenario(library / "base.yaml"), jobs=1)
        for run in expected.runs:                                # the live curves are the run's own
            for name in LIVE_SERIES:
                np.testing.assert_array_equal(last.curves[run.replication][name], run.daily[name])
        assert screen.progress is last
        assert any(isinstance(m, RunFinished) for m in seen)
        plot = screen.query_one("#live-cumulative_shoppers", LinePlot)
        assert "mean" in plot.lines and len(plot.lines["mean"]) == 45
        assert screen.query_one(ProgressBar).percentage == 1.0
        assert "done, 3 replications" in str(screen.query_one("#status", Static).render())


async def test_progress_messages_replace_each_other():
    a = RunProgress(RunSnapshot("x", 1, 10, {0: 1}, {}, 0.1))
    b = RunProgress(RunSnapshot("x", 1, 10, {0: 2}, {}, 0.2))
    assert b.can_replace(a)
    assert not RunStopped().can_replace(a)


def test_progress_shows_finished_and_running_replications():
    snapshot = RunSnapshot("base", 8, 45, {0: 45, 1: 30, 2: 12, 3: 9, 4: 2, 5: 1}, {}, 0.4)
    assert progress_text(snapshot) == ("[b]base[/]: 1/8 replications done · running #2 day 30, #3 day 12, "
                                       "#4 day 9, 2 more of 45 · 40 %")


async def test_the_ui_answers_while_a_run_goes_on_and_cancel_stops_it(make_app, library):
    long = library / "long.yaml"
    long.write_text("extends: base.yaml\nname: long\nhorizon_days: 3000\nreplications: 50\n")
    seen = []
    app = make_app(results_after_run=False, progress_interval=0.02)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await app.run_file(long)
        while not any(isinstance(m, RunProgress) for m in seen):   # the workers have started and report
            await pilot.pause(0.05)
        screen = app.screen
        assert screen.running
        await pilot.press("f2")                                  # the app still answers
        assert app.current_mode == "library"
        await pilot.press("f4", "escape")                        # cancel
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running
        assert any(isinstance(m, RunStopped) for m in seen)
        assert "Cancelled" in str(screen.query_one("#status", Static).render())
        last = [m.snapshot for m in seen if isinstance(m, RunProgress)][-1]
        assert last.fraction < 0.5
        assert children() == []                                  # its worker processes are gone
        assert History().list() == []                            # nothing recorded


async def test_results_show_every_view_with_the_runs_numbers(make_app, library):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        replications = run_replications(load_scenario(library / "base.yaml"), jobs=1)
        expected = replications.kpis()
        card = screen.query_one("#kpi-orders", KpiCard)
        assert card.mean == expected["orders"].mean and card.low == expected["orders"].ci_low
        assert not screen.query_one("#kpi-roi", KpiCard).display         # no baseline: no ROI
        tabs = screen.query_one(TabbedContent)
        for tab in ("tab-charts", "tab-cohorts", "tab-funnel", "tab-growth", "tab-costs", "tab-money", "tab-policies"):
            tabs.active = tab
            await pilot.pause()
        assert len(screen.query_one("#series-plot", LinePlot).lines["mean"]) == 45
        assert screen.heatmap.title.startswith("Cohort retention") and screen.heatmap.row_count >= 1
        funnel = screen.query_one("#funnel-table", DataTable)
        assert funnel.row_count == 5 and funnel.get_row_at(0)[0] == "visits"
        assert screen.query_one("#growth-table", DataTable).row_count == 1     # one complete month
        costs = screen.query_one("#costs-table", DataTable)
        assert [costs.get_row_at(i)[0] for i in range(costs.row_count)][:2] == ["service quality", "logistics"]
        assert "No policy" in str(screen.query_one("#policy-table", DataTable).get_row_at(0)[0])
        assert card.currency == "CNY" and str(screen.query_one("#kpi-revenue", KpiCard).render()).startswith("¥")
        money = screen.query_one("#money-table", DataTable)
        lines = {str(row[1]): [str(cell) for cell in row] for row in (money.get_row_at(i) for i in range(money.row_count))}
        assert list(lines)[:6] == ["GMV", "discounts", "refunds", "shipping fees", "membership fees", "revenue"]
        assert {"cost of goods", "cost: service quality", "cost: logistics", "contribution"} <= set(lines)
        contribution = expected["contribution"]
        assert lines["contribution"][2].strip() == format_money(contribution.mean, "CNY", compact=True)
        low, high = (part.strip() for part in lines["contribution"][3].split(" .. "))
        assert (low, high) == (format_money(contribution.ci_low, "CNY", compact=True),
                               format_money(contribution.ci_high, "CNY", compact=True))
        fees = sum(run.daily["shipping_fees"].sum() for run in replications.runs) / len(replications.runs)
        assert lines["shipping fees"][2].strip() == format_money(fees, "CNY", compact=True) and fees > 0


async def test_the_policy_log_lists_changes(make_app, library):
    (library / "policy.yaml").write_text(
        "extends: base.yaml\nname: policy\npolicies:\n  - {name: more agents, metric: service_wait_mean_min, above: 0.0,"
        " set: strategies.service_quality.agents, add: 1, cooldown_days: 10}\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        load_scenario(library / "policy.yaml")   # a valid file: the policy log below is this run's
        await app.run_file(library / "policy.yaml")
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        table = app.screen.query_one("#policy-table", DataTable)
        assert table.row_count >= 1 and "more agents" in [str(c) for c in table.get_row_at(0)]


async def test_export_writes_the_run_files_and_the_report(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        app.screen.query_one(Input).value = "out/base-run"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        folder = Path("out/base-run")
        for name in ("summary.json", "timeseries.csv", "cohorts.csv", "growth_accounting.csv", "scenario.yaml",
                     "report.html"):
            assert (folder / name).exists(), name
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["scenario"] == "base" and summary["replications"] == 3
        assert app.last_export == folder / "report.html"


async def test_a_failing_run_shows_an_error_not_a_crash(make_app, monkeypatch):
    import tui.run as run_module

    def broken(*args, **kwargs):
        raise RuntimeError("engine broke")

    monkeypatch.setattr(run_module, "run_replications", broken)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "engine broke" in str(app.screen.query_one("#message", Static).render())


async def test_a_run_its_limits_refuse_says_why_and_records_nothing(make_app, monkeypatch):
    """The app runs within the command's limits (simulation/kernel/limits.py), and says
    what the command says when they refuse a run."""
    monkeypatch.setenv("GROWTHSIM_MEMORY", "1MiB")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.title_text == "The run cannot start"
        message = str(app.screen.query_one("#message", Static).render())
        assert "this run needs about" in message and "GROWTHSIM_MEMORY" in message
        assert History().list() == []


async def test_the_app_and_the_command_give_the_same_numbers_and_history(make_app, library, capsys):
    """One run path: the same scenario and seed, run in the app and by `growthsim run`,
    give the same KPIs to the last digit, and the same history record."""
    from growthsim.cli import main
    from simulation.storage.outputs import summary

    app = make_app(results_after_run=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.run_file(library / "base.yaml")
        await app.workers.wait_for_complete()
        await pilot.pause()
        outcome = app.screen.outcome
    assert main(["run", str(library / "base.yaml"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert summary(outcome.result) == printed
    by_app, by_command = History().get(outcome.record_id), History().list(1)[0]
    assert by_command.id != by_app.id
    assert by_app.results == by_command.results
    assert by_app.scenarios[0]["yaml"] == by_command.scenarios[0]["yaml"]
    assert (by_app.kind, by_app.seed, by_app.replications) == (by_command.kind, by_command.seed,
                                                               by_command.replications)
