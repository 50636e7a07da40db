"""The benchmarks keep working: `python -m benchmarks --quick` runs every section at tiny
sizes, prints its one table, and its checks hold. No timing is asserted (this machine is
shared; the figures are read from a full run, benchmarks/README.md).

The peers' check: growthsim, the Mesa 3 model and the SimPy reference on the baseline's
rules, 8 replications each at 1,000 and 2,000 shoppers, agree on orders per shopper-day,
conversion and NPS by Welch's t within the Student t quantile that makes any false alarm
among the 12 comparisons a 1 % chance (Bonferroni; benchmarks/peers/compare.py). Seeds are
fixed; the SimPy reference walks a set of shoppers, so its draws still vary a little from
run to run, which that 1 % covers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.peers.compare import compare
from benchmarks.peers.mesa_shoppers import simulate_mesa
from benchmarks.scenarios import scale_operations
from simulation.kernel.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]


def quick(*flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks", "--quick", *flags], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


# serial: starts process pools and a Dask cluster beside its own runs
@pytest.mark.serial
@pytest.mark.slow
def test_quick_benchmark_prints_one_table_and_its_checks_hold():
    done = quick()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["section", "case", "size", "seconds", "×", "floor", "figures"]
    sections = {line.split()[0] for line in lines[2:] if line and not line.startswith(("checks", "--quick"))}
    assert {"floor", "scenario", "memory", "peers", "executors", "calibration"} <= sections
    assert "checks: peers agree: yes; executors bit-identical: yes" in done.stdout
    for scenario in ("baseline", "combined"):
        assert any(line.startswith("scenario cli") and scenario in line for line in lines)


@pytest.mark.slow
def test_quick_json_holds_every_section():
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", "--only", "floor,peers"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["quick"] and results["floor"] and results["checks"]["peers_agree"]
    for found in results["peers"]:
        assert set(found["implementations"]) == {"growthsim", "mesa", "simpy"}
        assert found["growthsim_over_mesa"] > 0 and found["growthsim_over_simpy"] > 0


def test_peers_agreement_catches_different_rules():
    """The check could fail: a Mesa model whose shoppers buy at a fifth of the rate is caught."""
    found = compare(1_000, {"growthsim": 20, "mesa": 20, "simpy": 20}, replications=4)
    assert found["agreement"]["mesa"]["orders_per_shopper_day"]["agrees"]
    slower = {"growthsim": 20, "mesa": 20, "simpy": 20}
    from benchmarks.peers import compare as module
    original = module.IMPLEMENTATIONS["mesa"]
    module.IMPLEMENTATIONS["mesa"] = lambda scenario, k: simulate_mesa(
        scenario.model_copy(update={"behavior": scenario.behavior.model_copy(update={
            "purchase_rate": scenario.behavior.purchase_rate.model_copy(
                update={"rate": scenario.behavior.purchase_rate.rate * 5})})}), k)
    try:
        found = compare(1_000, slower, replications=4)
    finally:
        module.IMPLEMENTATIONS["mesa"] = original
    assert not found["agreement"]["mesa"]["orders_per_shopper_day"]["agrees"]


def test_mesa_model_is_reproducible_and_counts_its_funnel():
    scenario = Scenario.model_validate({"horizon_days": 10, "market": {"size": 500, "initial_shoppers": 500}})
    first, again = simulate_mesa(scenario, 0), simulate_mesa(scenario, 0)
    assert first == again
    visits, orders = np.array(first["visits"]), np.array(first["orders"])
    assert len(visits) == 10 and np.all(np.array(first["browse"]) <= visits) and np.all(orders <= np.array(first["checkout"]))
    assert orders.sum() > 0


def test_scaling_operations_scales_the_named_keys_only():
    scaled = scale_operations({"logistics": {"capacity_per_day": 2000, "promised_days": 5.0},
                               "service_quality": {"agents": 2, "enabled": True},
                               "cross_channel": {"channels": [{"spend_per_day": 10.0, "cac": 10.0}]}}, 50)
    assert scaled == {"logistics": {"capacity_per_day": 100_000, "promised_days": 5.0},
                      "service_quality": {"agents": 100, "enabled": True},
                      "cross_channel": {"channels": [{"spend_per_day": 500.0, "cac": 10.0}]}}
