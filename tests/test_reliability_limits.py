"""Issue 7, item 5: a run that would not fit in memory is refused before it starts, with
how much it needs; extreme parameters (a market of 10^8, rates that make every shopper
buy daily, or visit without end) finish or are refused, never hang."""

from __future__ import annotations

import tracemalloc

import pytest

from growthsim.cli import main
from simulation.experiments import replicate
from simulation.experiments import resources as limits
from simulation.kernel.engine import simulate
from simulation.experiments.resources import LimitError, check_run, estimate, parse_bytes
from tests.conftest import finishes, scenario
from tests.test_cli import BASELINE

SMALL = ["--set", "horizon_days=20", "--replications", "1", "--jobs", "1"]


def run(*args: str) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def simulated(monkeypatch) -> list[int]:
    """The replications that started simulating (in this process: these tests use --jobs 1)."""
    started = []
    original = replicate._simulate   # where the runner starts each replication

    def counted(scenario, replication, *args, **kwargs):
        started.append(replication)
        return original(scenario, replication, *args, **kwargs)
    monkeypatch.setattr(replicate, "_simulate", counted)
    return started


# --- memory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["everyone-on-day-0", "joining-during-the-run", "strategies-and-transactions"])
def test_the_estimate_bounds_what_a_replication_really_takes(case):
    sections = {
        "everyone-on-day-0": dict(market={"size": 40_000, "initial_shoppers": 40_000}),
        "joining-during-the-run": dict(market={"size": 40_000, "initial_shoppers": 500},
                                       acquisition={"innovation": 0.05}),
        "strategies-and-transactions": dict(market={"size": 40_000, "initial_shoppers": 40_000},
                                            strategies={name: {"enabled": True} for name in
                                                        ("membership", "precision_marketing", "content",
                                                         "social_referral", "cross_channel")}),
    }[case]
    sc = scenario(horizon_days=40, **sections)
    transactions = case == "strategies-and-transactions"
    bound = estimate(sc, transactions=transactions).per_replication
    tracemalloc.start()
    try:
        simulate(sc, 0, transactions=transactions)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= bound <= 6 * peak, (peak, bound)


def test_a_run_that_does_not_fit_is_refused_with_what_it_needs(capsys, monkeypatch, tmp_path, simulated):
    monkeypatch.setenv(limits.MEMORY_VARIABLE, "4GiB")
    assert run("run", BASELINE, "--set", "market.size=100000000", *SMALL, "--out", tmp_path / "out") == 2
    assert simulated == []   # refused before it started
    error = capsys.readouterr().err
    assert "needs about" in error and "GiB" in error and "4.0 GiB is available (GROWTHSIM_MEMORY)" in error
    assert "market.size" in error and "Traceback" not in error and not (tmp_path / "out").exists()


def test_a_market_of_a_hundred_million_finishes_when_memory_allows(capsys, monkeypatch):
    monkeypatch.setenv(limits.MEMORY_VARIABLE, "off")
    assert finishes(run, "run", BASELINE, "--set", "market.size=100000000", *SMALL, "--json", timeout=600) == 0
    assert '"replications": 1' in capsys.readouterr().out


def test_fewer_processes_are_used_when_fewer_fit():
    sc = scenario(horizon_days=30, market={"size": 200_000, "initial_shoppers": 1000})
    found = estimate(sc)
    assert check_run(sc, 8, 4, memory=int(found.total(4, 8)) + 1) == 4
    assert check_run(sc, 8, 4, memory=int(found.total(2, 8)) + 1) == 2
    with pytest.raises(LimitError, match="needs about"):
        check_run(sc, 8, 4, memory=int(found.total(1, 8)) - 1)


def test_keeping_many_long_replications_counts_too():
    sc = scenario(horizon_days=3650, market={"size": 1000, "initial_shoppers": 10})
    with pytest.raises(LimitError, match="kept for each of 10,000 replications"):
        check_run(sc, 10_000, 1, memory=4 << 30)


def test_memory_setting(monkeypatch):
    assert parse_bytes("512MiB") == 512 << 20 and parse_bytes("8 GB") == 8 * 10**9 and parse_bytes("1.5g") == 1.5e9
    assert parse_bytes("lots") is None and parse_bytes("3 parsecs") is None
    monkeypatch.setenv(limits.MEMORY_VARIABLE, "off")
    assert limits.available_memory() is None
    monkeypatch.setenv(limits.MEMORY_VARIABLE, "plenty")
    with pytest.raises(LimitError, match="GROWTHSIM_MEMORY"):
        limits.available_memory()
    monkeypatch.delenv(limits.MEMORY_VARIABLE)
    found = limits.available_memory()
    assert found is None or found > 0


# --- rates that would never end --------------------------------------------------------------


@pytest.mark.parametrize("extreme", [
    "behavior.purchase_rate.rate=1e-6",          # a purchase every few seconds, for everyone
    "behavior.funnel.browse=1e-9",               # a billion visits for one order
    "feedback.strength=1000",                    # happy shoppers' rates multiplied by e^200
])
def test_rates_that_would_make_visits_without_end_are_refused_at_once(extreme, capsys, simulated):
    assert run("run", BASELINE, "--set", extreme, *SMALL) == 2
    error = capsys.readouterr().err
    assert "visits per shopper per day" in error and "Traceback" not in error
    assert simulated == []   # refused before it started


def test_a_calendar_sale_that_multiplies_traffic_a_millionfold_is_refused(tmp_path, capsys):
    sale = tmp_path / "sale.yaml"
    sale.write_text(f"extends: {BASELINE}\ncalendar:\n  - name: mad\n    kind: festival_sale\n"
                    "    start_day: 3\n    traffic: 1000000\n")
    assert run("run", sale, *SMALL) == 2
    assert "calendar traffic" in capsys.readouterr().err


def test_every_shopper_buying_daily_finishes():
    daily = scenario(horizon_days=30, market={"size": 5000, "initial_shoppers": 5000},
                     behavior={"purchase_rate": {"shape": 1000, "rate": 1000}, "dropout": {"enabled": False}},
                     feedback={"strength": 0})
    assert limits.work_problems(daily) == []
    result = finishes(simulate, daily, timeout=300)
    assert result.kpis["orders"] == pytest.approx(5000 * 30, rel=0.1)   # about one order a day each


def test_a_policy_that_drives_visits_without_end_is_stopped_while_running(tmp_path, capsys):
    """What no check before the run can see: a policy lowering the probability of the
    funnel's first stage a millionfold once orders come, so that each order takes a million
    visits. The day's visits are cut off with a message, not run for ever."""
    runaway = tmp_path / "runaway.yaml"
    runaway.write_text(f"extends: {BASELINE}\npolicies:\n  - name: runaway\n    metric: orders\n    above: 0\n"
                       "    set: behavior.funnel.browse\n    multiply_by: 0.000001\n    window_days: 1\n")
    assert finishes(run, "run", runaway, "--set", "market.size=2000", "--set", "market.initial_shoppers=2000", *SMALL,
                    timeout=300) == 2
    error = capsys.readouterr().err
    assert "still visiting" in error and "Traceback" not in error


def test_a_policy_that_sets_an_invalid_value_is_reported_not_a_crash(tmp_path, capsys):
    firing = tmp_path / "firing.yaml"
    firing.write_text(f"extends: {BASELINE}\npolicies:\n  - name: fire\n    metric: orders\n    above: 0\n"
                      "    set: strategies.service_quality.agents\n    add: -10\n    window_days: 1\n")
    assert run("run", firing, "--set", "market.size=2000", "--set", "market.initial_shoppers=200", *SMALL) == 2
    error = capsys.readouterr().err
    assert "agents" in error and "greater than or equal to 0" in error and "Traceback" not in error
