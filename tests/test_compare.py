"""Comparing scenarios: paired differences under common random numbers."""

import json
import math
from pathlib import Path

import numpy as np

from growthsim.cli import main
from simulation.experiments.compare import Comparison, compare, percent_text
from simulation.kernel.engine import RunResult
from simulation.kernel.metrics import KPI_NAMES
from simulation.kernel.registry import registry
from simulation.experiments.replicate import Replications
from simulation.storage.outputs import read_csv
from tests.conftest import scenario

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"


def fake(name: str, orders: list[float], kpi: str = "orders", **sections) -> Replications:
    runs = [RunResult(k, {}, {name: (value if name == kpi else 0.0) for name in registry().kpi_names}, {}, {})
            for k, value in enumerate(orders)]
    return Replications(scenario(name=name, **sections), runs)


def test_the_paired_interval_against_a_case_worked_by_hand():
    # Differences per replication: 2, 3, 4. Mean 3, sd 1, se 1/sqrt(3);
    # t(0.975, 2 df) = 4.302653 (tables), so the interval is 3 -+ 2.484138 = [0.516, 5.484].
    comparison = Comparison([fake("a", [10, 20, 30]), fake("b", [12, 23, 34])])
    diff = comparison.difference(1, "orders")
    assert diff.interval.mean == 3.0
    assert math.isclose(diff.interval.ci_low, 3 - 2.484138, abs_tol=1e-6)
    assert math.isclose(diff.interval.ci_high, 3 + 2.484138, abs_tol=1e-6)
    assert diff.significant
    # The unpaired intervals of a and b overlap widely: pairing is what makes it significant.
    a, b = comparison.interval(0, "orders"), comparison.interval(1, "orders")
    assert a.ci_high > b.ci_low


def test_the_percentage_is_the_difference_over_a_positive_baseline_mean():
    comparison = Comparison([fake("a", [10, 20, 30]), fake("b", [12, 23, 34])])
    row = next(r for r in comparison.rows() if r["kpi"] == "orders" and r["scenario"] == "b")
    assert row["diff_pct"] == 100 * 3 / 20 and row["diff_pct_reason"] is None   # mean difference 3 over mean 20
    assert percent_text(row) == "+15.0 %"


def test_no_percentage_against_a_baseline_at_or_below_zero():
    for baseline in ([-10, -20, -30], [0, 0, 0]):
        comparison = Comparison([fake("a", baseline, "contribution"), fake("b", [5, 5, 5], "contribution")])
        row = next(r for r in comparison.rows() if r["kpi"] == "contribution" and r["scenario"] == "b")
        assert row["diff_mean"] == 5 - sum(baseline) / 3   # the absolute difference is still there
        assert row["diff_pct"] is None and row["diff_pct_reason"] == "baseline ≤ 0"
        assert percent_text(row) == "n/a (baseline ≤ 0)"


def with_costs(replications: Replications, contribution: list[float], costs: dict[str, list[float]]) -> Replications:
    """Fake runs given their contribution and each strategy's cost over the run (one day)."""
    for run, value, k in zip(replications.runs, contribution, range(len(contribution))):
        run.kpis["contribution"] = value
        run.daily.update({f"cost_{name}": np.array([cost[k]]) for name, cost in costs.items()})
    return replications


def test_roi_per_strategy_worked_by_hand():
    # Membership costs 3 more in every replication; contribution gains 6, 3 and 5: ROI 2, 1 and 5/3.
    # (Incremental gross profit, before the membership's cost: 9, 6, 8.)
    base = with_costs(fake("a", [0, 0, 0]), [10, 20, 30], {"membership": [0, 0, 0]})
    plan = with_costs(fake("b", [0, 0, 0], strategies={"membership": {"enabled": True}}), [16, 23, 35],
                      {"membership": [3, 3, 3]})
    [entry] = Comparison([base, plan]).strategy_returns(1)
    assert entry.strategy == "membership" and entry.reason is None
    assert entry.cost.mean == 3 and math.isclose(entry.gross_profit.mean, (9 + 6 + 8) / 3)
    assert math.isclose(entry.roi.mean, (2 + 1 + 5 / 3) / 3)
    sd = np.std([2, 1, 5 / 3], ddof=1)
    assert math.isclose(entry.roi.ci_high - entry.roi.mean, 4.302653 * sd / math.sqrt(3), rel_tol=1e-6)


def test_roi_is_na_without_cost_and_split_only_when_one_strategy_changed():
    base = with_costs(fake("a", [0, 0, 0]), [10, 20, 30], {"membership": [0, 0, 0], "content": [0, 0, 0]})
    free = with_costs(fake("b", [0, 0, 0], strategies={"membership": {"enabled": True}}), [11, 21, 31],
                      {"membership": [0, 0, 0], "content": [0, 0, 0]})
    [entry] = Comparison([base, free]).strategy_returns(1)
    assert entry.roi is None and entry.reason == "no cost"
    both = with_costs(fake("c", [0, 0, 0], strategies={"membership": {"enabled": True}, "content": {"enabled": True}}),
                      [14, 24, 34], {"membership": [1, 1, 1], "content": [1, 1, 1]})
    entries = Comparison([base, both]).strategy_returns(1)
    assert [e.strategy for e in entries] == ["content", "membership", None]   # the registry's order, then together
    assert all(e.roi is None and "see all together" in e.reason and e.gross_profit is None for e in entries[:2])
    assert entries[2].cost.mean == 2 and entries[2].roi.mean == 4 / 2


def test_a_difference_whose_interval_holds_zero_is_not_marked():
    # Differences 1, 2, 3: 2 -+ 2.484138 holds zero.
    comparison = Comparison([fake("a", [10, 20, 30]), fake("b", [11, 22, 33])])
    assert not comparison.difference(1, "orders").significant


def test_identical_scenarios_differ_by_exactly_zero():
    small = dict(horizon_days=30, market={"size": 30_000, "initial_shoppers": 3_000})
    comparison = compare([scenario(name="a", **small), scenario(name="b", seed=99, **small)], replications=2, jobs=1)
    # b's own seed is overridden by a's: same streams, same numbers.
    assert all(comparison.difference(1, kpi).interval.mean in (0.0,) or
               math.isnan(comparison.difference(1, kpi).interval.mean) for kpi in KPI_NAMES if kpi != "roi")


def test_more_agents_shorten_waits_significantly_and_roi_is_against_the_first():
    small = dict(horizon_days=60, market={"size": 50_000, "initial_shoppers": 5_000})
    desk = {"handle_minutes": 40, "tickets_per_order": 0.4}
    one = scenario(name="one", **small, strategies={"service_quality": {"agents": 1, **desk}})
    three = scenario(name="three", **small, strategies={"service_quality": {"agents": 3, **desk}})
    comparison = compare([one, three], replications=4, jobs=1)
    wait = comparison.difference(1, "service_wait_mean_min")
    assert wait.significant and wait.interval.mean < 0
    [roi] = comparison.strategy_returns(1)
    assert roi.strategy == "service_quality" and roi.roi.replications == 4 and np.isfinite(roi.roi.mean)


def test_roi_and_percentages_on_a_tiny_scenario_match_the_ledger_to_the_fen():
    """A loss-making tiny shop (its contribution is negative: no % for it) with and without
    membership: the strategy cost and incremental gross profit are the ledger's lines."""
    small = dict(horizon_days=20, market={"size": 20_000, "initial_shoppers": 2_000})
    base = scenario(name="base", **small)
    # A programme cost of its own, so that every replication books one: in 20 days a tiny
    # shop's shoppers may reach no tier and the tiers alone may cost nothing.
    plan = scenario(name="plan", **small, strategies={"membership": {"enabled": True, "programme_cost_per_day": 5.0}})
    comparison = compare([base, plan], replications=3, jobs=1)
    contribution = next(r for r in comparison.rows() if r["kpi"] == "contribution" and r["scenario"] == "plan")
    assert comparison.interval(0, "contribution").mean < 0
    assert contribution["diff_pct"] is None and contribution["diff_pct_reason"] == "baseline ≤ 0"
    [entry] = comparison.strategy_returns(1)
    pairs = list(zip(comparison.results[1].runs, comparison.results[0].runs))
    costs = [run.daily["cost_membership"].sum() - ref.daily["cost_membership"].sum() for run, ref in pairs]
    gains = [run.daily["contribution"].sum() - ref.daily["contribution"].sum() for run, ref in pairs]
    assert all(cost > 0 for cost in costs)
    assert round(entry.cost.mean, 2) == round(float(np.mean(costs)), 2)
    assert round(entry.gross_profit.mean, 2) == round(float(np.mean(gains)) + float(np.mean(costs)), 2)
    assert math.isclose(entry.roi.mean, np.mean([g / c for g, c in zip(gains, costs)]), rel_tol=1e-9)


def test_compare_command_writes_json_and_csv(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["compare", str(BASELINE), str(BASELINE), "--set", "horizon_days=30", "--set", "market.size=30000",
            "--set", "market.initial_shoppers=3000", "--replications", "2", "--jobs", "1", "--out", str(out)]
    assert main(args) == 0
    document = json.loads((out / "compare.json").read_text())
    assert document["names"] == ["baseline", "baseline"] and document["replications"] == 2
    assert document["currency"] == "CNY" and document["roi"] == []   # no strategy differs
    assert {s["column"] for s in document["series"]} == {"cumulative_shoppers", "active_shoppers", "revenue"}
    assert len(document["series"][0]["mean"]) == 30
    rows = read_csv(out / "compare.csv")
    assert len(rows) == len(document["rows"]) and {"kpi", "scenario", "diff_mean", "significant", "diff_pct",
                                                   "diff_pct_reason"} <= set(rows[0])
    printed = capsys.readouterr().out
    assert "paired replications" in printed and "gmv\t¥" in printed and "n/a (baseline ≤ 0)" in printed


def test_compare_json_has_the_roi_of_the_changed_strategy(capsys):
    args = ["compare", str(BASELINE), str(BASELINE.parent / "membership.yaml"), "--set", "horizon_days=30",
            "--set", "market.size=30000", "--set", "market.initial_shoppers=3000", "--replications", "2",
            "--jobs", "1", "--json"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert "series" not in document   # the curves stay in compare.json and the history
    assert [entry["strategy"] for entry in document["roi"]] == ["membership"]
    assert document["roi"][0]["cost_mean"] > 0 and {"roi_mean", "roi_ci_low", "roi_reason"} <= set(document["roi"][0])


def test_compare_needs_two_scenarios_and_checks_them_all_first(tmp_path, capsys):
    assert main(["compare", str(BASELINE)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon_days: -1\n")
    assert main(["compare", str(BASELINE), str(bad)]) == 2
    assert "bad.yaml:1:1: horizon_days" in capsys.readouterr().err
