"""Comparing scenarios: paired differences under common random numbers."""

import json
import math
from pathlib import Path

import numpy as np

from growthsim.cli import main
from simulation.experiments.compare import Comparison, compare
from simulation.kernel.engine import RunResult
from simulation.kernel.metrics import KPI_NAMES
from simulation.experiments.replicate import Replications
from simulation.storage.outputs import read_csv
from tests.conftest import scenario

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"


def fake(name: str, orders: list[float]) -> Replications:
    runs = [RunResult(k, {}, {kpi: (value if kpi == "orders" else 0.0) for kpi in KPI_NAMES}, {}, {})
            for k, value in enumerate(orders)]
    return Replications(scenario(name=name), runs)


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
    roi = comparison.roi(1)
    assert roi.replications == 4 and np.isfinite(roi.mean)


def test_compare_command_writes_json_and_csv(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["compare", str(BASELINE), str(BASELINE), "--set", "horizon_days=30", "--set", "market.size=30000",
            "--set", "market.initial_shoppers=3000", "--replications", "2", "--jobs", "1", "--out", str(out)]
    assert main(args) == 0
    document = json.loads((out / "compare.json").read_text())
    assert document["names"] == ["baseline", "baseline"] and document["replications"] == 2
    rows = read_csv(out / "compare.csv")
    assert len(rows) == len(document["rows"]) and {"kpi", "scenario", "diff_mean", "significant"} <= set(rows[0])
    assert "paired replications" in capsys.readouterr().out


def test_compare_needs_two_scenarios_and_checks_them_all_first(tmp_path, capsys):
    assert main(["compare", str(BASELINE)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon_days: -1\n")
    assert main(["compare", str(BASELINE), str(bad)]) == 2
    assert "bad.yaml:1:1: horizon_days" in capsys.readouterr().err
