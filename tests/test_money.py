"""The money: contribution, costs by strategy summing to the total, ROI against a baseline."""

import math

import numpy as np
import pytest

from simulation.kernel.engine import RunResult, simulate
from simulation.kernel.ledger import Ledger
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.experiments.replicate import return_on_investment
from tests.conftest import scenario


def test_contribution_by_hand():
    ledger = Ledger(gross_margin=0.3)
    ledger.gmv, ledger.discounts, ledger.refunds = 1000.0, 50.0, 100.0
    ledger.book_cost("content", "acquisition", 40.0)
    ledger.book_cost("membership", "retention", 10.0)
    ledger.book_cost("logistics", "operations", 60.0)
    row = ledger.day_row()
    assert row["revenue"] == 850.0
    assert row["marketing_cost"] == 50.0 and row["acquisition_cost"] == 40.0 and row["operations_cost"] == 60.0
    # margin on what was kept (0.3 x 900), less the discount, less the costs
    assert math.isclose(row["contribution"], 270.0 - 50.0 - 50.0 - 60.0)


def test_costs_by_strategy_sum_to_the_totals_every_day():
    sale = {"name": "sale", "kind": "festival_sale", "start_day": 5, "days": 2, "marketing_cost_per_day": 300.0}
    run = simulate(scenario(horizon_days=30, market={"size": 50_000, "initial_shoppers": 5_000}, calendar=[sale]), 0)
    by_strategy = sum(run.daily[c] for c in run.daily if c.startswith("cost_"))
    assert np.allclose(by_strategy, run.daily["marketing_cost"] + run.daily["operations_cost"])
    assert run.daily["operations_cost"].min() > 0          # the warehouse and the desk always cost
    assert run.kpis["marketing_cost"] == 600.0


def fake_run(contribution: float, marketing: float, operations: float, discounts: float) -> RunResult:
    kpis = {"contribution": contribution, "marketing_cost": marketing, "operations_cost": operations}
    return RunResult(0, {"discounts": np.array([discounts])}, kpis, {}, {})


def test_roi_is_incremental_contribution_over_incremental_cost_pair_by_pair():
    plan = [fake_run(1500.0, 300.0, 1000.0, 100.0), fake_run(900.0, 300.0, 1000.0, 100.0)]
    base = [fake_run(1000.0, 0.0, 1000.0, 0.0), fake_run(1000.0, 0.0, 1000.0, 0.0)]
    # replication 0: +500 for +400 spent; replication 1: -100 for +400 spent
    assert return_on_investment(plan, base).tolist() == [1.25, -0.25]
    assert math.isnan(return_on_investment([base[0]], [base[1]])[0])   # nothing spent: undefined


def test_the_baseline_file_is_found_relative_to_the_scenario(tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "base.yaml").write_text("name: base\n")
    plan = tmp_path / "plans" / "plan.yaml"
    plan.write_text("baseline: ../base.yaml\n")
    assert load_scenario(plan).baseline == str(tmp_path / "base.yaml")
    plan.write_text("baseline: ../nowhere.yaml\n")
    with pytest.raises(ScenarioError, match=r"plan.yaml:1:1: baseline: file not found"):
        load_scenario(plan)


def test_roi_is_reported_against_the_baseline(tmp_path):
    (tmp_path / "base.yaml").write_text("horizon_days: 30\nmarket: {size: 50000, initial_shoppers: 5000}\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("extends: base.yaml\nbaseline: base.yaml\nstrategies: {service_quality: {agents: 3}}\n")
    from simulation.experiments.replicate import run_replications
    result = run_replications(load_scenario(plan), replications=2, jobs=1)
    roi = result.kpis()["roi"]
    # Two extra agents on an idle desk: the cost is the whole difference, the gain ~0.
    assert roi.replications == 2 and -1.1 < roi.mean < -0.9
