"""The money: the books of a day (simulation/kernel/ledger.py) by hand, the identities
that hold every day on every bundled scenario, costs by strategy summing to the total,
ROI against a baseline."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from simulation.kernel.calendar_events import CalendarEvent
from simulation.kernel.engine import Replication, RunResult, simulate
from simulation.kernel.ledger import Ledger
from simulation.kernel.orders import OrderBatch
from simulation.storage.loading import ScenarioError, load_scenario
from simulation.experiments.replicate import return_on_investment
from tests.conftest import scenario


def test_contribution_by_hand():
    ledger = Ledger(gross_margin=0.3)
    ledger.gmv, ledger.discounts, ledger.refunds = 1000.0, 50.0, 100.0
    ledger.book_shipping(orders=30, ships_free=10, fee=6.0)      # 20 orders pay 6
    ledger.membership_fees = 7.0
    ledger.forfeited_deposits = 3.0                              # a pre-sale deposit kept: income, no goods
    ledger.book_cost("content", "acquisition", 40.0)
    ledger.book_cost("membership", "retention", 10.0)
    ledger.book_cost("logistics", "operations", 60.0)
    row = ledger.day_row()
    assert row["shipping_fees"] == 120.0 and row["shipping_fees_waived"] == 60.0 and row["free_shipping_orders"] == 10
    assert row["membership_fees"] == 7.0 and row["forfeited_deposits"] == 3.0    # each on its own line
    assert row["revenue"] == 1000.0 - 50.0 - 100.0 + 120.0 + 7.0 + 3.0
    assert math.isclose(row["cogs"], 0.7 * 900.0)                   # goods kept: sold less returned
    assert row["marketing_cost"] == 50.0 and row["acquisition_cost"] == 40.0 and row["operations_cost"] == 60.0
    # margin on what was kept (0.3 x 900), less the discount, plus the fees, less the costs
    assert math.isclose(row["contribution"], 270.0 - 50.0 + 120.0 + 7.0 + 3.0 - 50.0 - 60.0)


FEN = 0.005   # half a fen: every line below is right to 0.01


def test_a_tiny_platform_booked_by_hand_to_the_fen():
    """Four shoppers over four days, their orders scripted, every other draw made
    irrelevant to money (no acquisition; transit exactly 1 day; returns certain or
    impossible): each line of the books, day by day, as an accountant would write it.

    Settings: margin 30 %; shipping fee 6 unless the order ships free; free over 50
    (logistics); a paid membership at 36.50 a year (0.10 a member-day), taken by every
    buyer after its first order, shipping members' orders free; a sale on day 2: 10 %
    off, free shipping, 100 of promotion. The warehouse: capacity 10 at 0.50 a slot (5 a
    day), 4 a parcel, 5 to handle a return; one agent at 480 a day."""
    sc = scenario(
        horizon_days=4, market={"size": 4, "initial_shoppers": 4}, economics={"gross_margin": 0.3},
        strategies={
            "logistics": {"enabled": True, "capacity_per_day": 10, "cost_per_capacity_slot": 0.5,
                          "shipping_cost_per_order": 4.0, "transit_days_mean": 1.0, "transit_days_sd": 0.0,
                          "cost_per_return": 5.0, "shipping_fee": 6.0, "free_shipping_threshold": 50.0,
                          "top_up_probability": 0.0, "return_rate": 0.0},
            "service_quality": {"agents": 1, "agent_cost_per_day": 480.0},
            "membership": {"enabled": True, "tiers": [], "points": {"per_currency": 0.0},
                           "paid": {"enabled": True, "fee": 36.5, "term_days": 365, "uptake_probability": 1.0,
                                    "fee_elasticity": 0.0, "free_shipping": True, "discount": 0.0}}},
        calendar=[{"name": "sale", "kind": "festival_sale", "start_day": 2, "days": 1, "discount": 0.1,
                   "free_shipping": True, "marketing_cost_per_day": 100.0}])
    # day -> (shopper, value, returned?)
    script = {0: [(0, 40.0, False), (1, 60.0, False)],
              1: [(0, 30.0, True), (2, 20.0, False)],
              2: [(3, 45.0, False)]}
    rep = Replication(sc, 0)

    def scripted_day(day, today):
        rows = script.get(day, [])
        if not rows:
            return OrderBatch.empty()
        buyers = np.array([r[0] for r in rows])
        orders = rep.step.place_orders(day, buyers, day + np.linspace(0.1, 0.9, len(rows)),
                                       np.array([r[1] for r in rows]))
        orders.return_probability[:] = [1.0 if r[2] else 0.0 for r in rows]
        rep.step._record_orders(day, orders, today)
        return orders

    rep.step.play_day = scripted_day
    d = rep.run().daily
    # Day 0: s0 pays 40 + 6 shipping; s1's 60 ships free (threshold). Both join: 2 members.
    # Day 1: s0, a member, ships free (its 30 comes back on day 3); s2 pays 20 + 6 and joins.
    # Day 2: the sale: s3's 45 less 4.50 off, shipped free; s3 joins. Day 3: s0's 30 refunded.
    expected = {
        "gmv":             [100.0, 50.0, 45.0, 0.0],
        "discounts":       [0.0, 0.0, 4.5, 0.0],
        "refunds":         [0.0, 0.0, 0.0, 30.0],
        "shipping_fees":   [6.0, 6.0, 0.0, 0.0],
        "shipping_fees_waived": [6.0, 6.0, 6.0, 0.0],
        "free_shipping_orders": [1, 1, 1, 0],
        "membership_fees": [0.2, 0.3, 0.4, 0.4],
        "forfeited_deposits": [0.0] * 4,                              # no pre-sale
        "revenue":         [106.2, 56.3, 40.9, -29.6],
        "cogs":            [70.0, 35.0, 31.5, -21.0],                 # 0.7 x (gmv - refunds)
        "cost_logistics":  [13.0, 13.0, 9.0, 10.0],                   # 5 a day + 4 a parcel + 5 a return
        "cost_service_quality": [480.0] * 4,
        "cost_calendar":   [0.0, 0.0, 100.0, 0.0],
        "cost_membership": [0.0] * 4,                                 # free shipping books no cost
        "acquisition_cost": [0.0, 0.0, 100.0, 0.0],
        "marketing_cost":  [0.0, 0.0, 100.0, 0.0],
        "operations_cost": [493.0, 493.0, 489.0, 490.0],
        "contribution":    [-456.8, -471.7, -579.6, -498.6],          # revenue - cogs - costs
    }
    for line, values in expected.items():
        assert np.allclose(d[line], values, rtol=0, atol=FEN), (line, d[line].tolist(), values)


def money_identities(daily: dict[str, np.ndarray], cost_columns) -> None:
    """The identities every day of every run holds (to a thousandth of a fen)."""
    tol = dict(rtol=1e-12, atol=1e-5)
    d = daily
    assert np.allclose(d["gmv"] - d["discounts"] - d["refunds"] + d["shipping_fees"] + d["membership_fees"]
                       + d["forfeited_deposits"], d["revenue"], **tol)
    costs = sum(d[c] for c in cost_columns)
    assert np.allclose(costs, d["marketing_cost"] + d["operations_cost"], **tol)
    assert np.allclose(d["revenue"] - d["cogs"] - costs, d["contribution"], **tol)


BUNDLED = sorted(Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_the_books_balance_every_day_on_every_bundled_scenario(path):
    from simulation.kernel.registry import registry
    run = simulate(load_scenario(path), 0)
    money_identities(run.daily, registry().cost_columns)
    k, d = run.kpis, run.daily
    assert math.isclose(k["gross_profit"], d["revenue"].sum() - d["cogs"].sum(), rel_tol=1e-12)
    assert math.isclose(k["contribution_margin"], d["contribution"].sum() / d["revenue"].sum(), rel_tol=1e-12)
    assert math.isclose(k["shipping_fee_revenue"], d["shipping_fees"].sum(), rel_tol=1e-12)
    assert math.isclose(k["aov"], d["gmv"].sum() / d["orders"].sum(), rel_tol=1e-12)
    fee = load_scenario(path).strategies.logistics.shipping_fee
    assert np.allclose(d["shipping_fees"] + d["shipping_fees_waived"], fee * d["orders"])   # each order: paid or waived


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


def test_an_order_gets_one_free_shipping_effect_however_many_grant_it():
    """A paid member whose basket also reaches the threshold converts as any free-shipping
    order does (x 1.15), not x 1.15 x 1.15; a shopper only the threshold might ship free
    converts x (1 + 0.15 x its chance)."""
    sc = scenario(horizon_days=5, market={"size": 2000, "initial_shoppers": 1000},
                  strategies={"logistics": {"enabled": True, "free_shipping_threshold": 30.0},
                              "membership": {"enabled": True, "tiers": [], "points": {"per_currency": 0.0},
                                             "paid": {"enabled": True, "free_shipping": True}}})
    rep = Replication(sc, 0)
    rep.steer(0)
    rep.acquire(0)
    membership = next(s for s in rep.strategies if s.name == "membership")
    logistics = next(s for s in rep.strategies if s.name == "logistics")
    who = np.arange(1000)
    membership.paid[who[:500]] = True
    membership.paid_count = 500
    chance = logistics.free_chance[who].astype(float)
    assert 0.05 < chance.mean() < 0.95                       # the threshold is within reach, not certain
    free = rep.step.free_shipping_chance(who, np.zeros(1000))
    assert np.allclose(free[:500], 1.0) and np.allclose(free[500:], chance[500:])
    thresholds = rep.step.stage_thresholds(who, np.zeros(1000))
    funnel = sc.behavior.funnel
    order_stage = thresholds[-1] / thresholds[-2]
    assert np.allclose(order_stage[:500], funnel.order * 1.15)
    assert np.allclose(order_stage[500:], funnel.order * (1 + 0.15 * chance[500:]))


def test_a_free_shipping_sale_ships_every_order_free_and_converts_once():
    base = scenario(horizon_days=20, market={"size": 50_000, "initial_shoppers": 5_000})
    sale = {"name": "sale", "kind": "festival_sale", "start_day": 10, "days": 3, "free_shipping": True}
    run = simulate(base.model_copy(update={"calendar": [CalendarEvent.model_validate(sale)]}), 0)
    d, on = run.daily, np.arange(20) >= 10
    on &= np.arange(20) < 13
    assert np.array_equal(d["free_shipping_orders"][on], d["orders"][on]) and d["shipping_fees"][on].sum() == 0
    assert d["free_shipping_orders"][~on].sum() == 0
    assert np.array_equal(d["shipping_fees"][~on], 6.0 * d["orders"][~on])
    rep = Replication(base.model_copy(update={"calendar": [CalendarEvent.model_validate(sale)]}), 0)
    rep.steer(10)
    thresholds = rep.step.stage_thresholds(np.arange(3), np.zeros(3))
    assert np.allclose(thresholds[-1] / thresholds[-2], base.behavior.funnel.order * 1.15)
    with pytest.raises(ValueError, match="only a festival_sale or a member_day ships free"):
        CalendarEvent.model_validate({**sale, "kind": "price_change"})


# --- currency ---------------------------------------------------------------------------

@pytest.mark.parametrize("amount, currency, text", [
    (1234567, "CNY", "¥1,234,567"), (1234567.89, "CNY", "¥1,234,568"), (-88716.4, "CNY", "-¥88,716"),
    (35.1, "CNY", "¥35.10"), (0.004, "CNY", "¥0.00"), (-0.004, "CNY", "¥0.00"), (999.999, "USD", "$1,000.00"),
    (1500, "EUR", "€1,500"), (12.5, "GBP", "£12.50"), (12.5, "JPY", "¥12"), (1234, "CHF", "CHF 1,234"),
    (float("nan"), "CNY", "-"), (None, "CNY", "-"),
])
def test_money_reads_with_its_currency(amount, currency, text):
    from simulation.kernel.currency import format_money
    assert format_money(amount, currency) == text


def test_money_compact_and_signed():
    from simulation.kernel.currency import format_money
    assert format_money(2_304_062, "CNY", compact=True) == "¥2.30 M"
    assert format_money(489.21, "CNY", compact=True) == "¥489" and format_money(33.9, "CNY", compact=True) == "¥33.90"
    assert format_money(1234, "USD", signed=True) == "+$1,234" and format_money(-1234, "USD", signed=True) == "-$1,234"


def test_a_scenario_names_its_currency_by_iso_code(tmp_path):
    from simulation.kernel.scenario import Scenario
    assert Scenario().currency == "CNY"
    assert Scenario.model_validate({"currency": "USD"}).currency == "USD"
    for bad in ("usd", "US", "USDX", "¥"):
        with pytest.raises(ValueError, match="currency"):
            Scenario.model_validate({"currency": bad})
    path = tmp_path / "dollars.yaml"
    path.write_text("currency: usd\n")
    with pytest.raises(ScenarioError, match=r"dollars.yaml:1:\d+: currency"):
        load_scenario(path)


def test_people_read_the_currency_machines_read_plain_numbers(tmp_path, capsys):
    from growthsim.cli import main
    from simulation.storage.outputs import read_csv
    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"
    out = tmp_path / "run"
    small = ["--set", "horizon_days=40", "--set", "market.size=20000", "--set", "market.initial_shoppers=2000",
             "--replications", "2", "--jobs", "1"]
    assert main(["run", str(baseline), *small, "--set", "currency=USD", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    rows = {line.split("\t")[0]: line for line in table.splitlines() if line.count("\t") == 2}   # piped: TSV
    for money in ("gmv", "revenue", "shipping_fee_revenue", "gross_profit", "contribution", "aov", "operations_cost"):
        assert "$" in rows[money], rows[money]
    for other in ("orders", "shoppers_total", "retention_d30", "contribution_margin"):
        assert "$" not in rows[other], rows[other]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["currency"] == "USD" and isinstance(summary["kpis"]["contribution"]["mean"], float)
    header = list(read_csv(out / "timeseries.csv")[0])
    assert {"shipping_fees", "membership_fees", "forfeited_deposits", "cogs", "shipping_fees_waived"} <= set(header) and "fees" not in header
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "money in USD" in page and re.search(r"<td>contribution</td><td>-?\$[\d,]+", page)


def test_check_messages_show_money_in_the_scenarios_currency():
    from simulation.experiments.check import judge_golden
    from simulation.experiments.golden import KpiRecord
    old = KpiRecord(-88716.45, -91919.38, -85513.51, 1415.876, 10)
    new = KpiRecord(305703.2, 299865.6, 311540.7, 2580.504, 10)
    moved = judge_golden("contribution", old, new, "CNY").message
    assert moved.startswith("contribution moved from -¥88,716 (95 % CI -¥91,919 .. -¥85,514) to ¥305,703"), moved
    assert "+¥394,420" in moved
    counted = judge_golden("orders", old, new, "CNY").message
    assert "¥" not in counted and "-88,716" in counted


def test_forfeited_deposits_are_income_on_their_own_line_not_membership_fees():
    """A pre-sale's forfeited deposits reach revenue through `forfeited_deposits`; the
    membership fee line and its KPI hold only fees, and the Money tab lists the deposits
    only where some were booked."""
    from tui.results import money_lines
    presale = {"enabled": True, "deposit_start_day": 2, "deposit_days": 5, "final_payment_day": 10,
               "deposit_probability": 0.5, "forfeit_probability": 0.5}
    run = simulate(scenario(horizon_days=15, market={"size": 20_000, "initial_shoppers": 5_000},
                            strategies={"presale": presale}), 0)
    d = run.daily
    assert d["forfeited_deposits"][12] > 0 and d["forfeited_deposits"].sum() == d["forfeited_deposits"][12]
    assert d["membership_fees"].sum() == 0 and run.kpis["membership_fee_revenue"] == 0
    assert np.allclose(d["revenue"], d["gmv"] - d["discounts"] - d["refunds"] + d["shipping_fees"]
                       + d["forfeited_deposits"], rtol=1e-12, atol=1e-5)
    lines = {name: (sign, total.mean) for sign, name, total in money_lines([run], [])}
    assert lines["forfeited deposits"] == ("+", d["forfeited_deposits"].sum())
    without = simulate(scenario(horizon_days=15, market={"size": 20_000, "initial_shoppers": 5_000}), 0)
    assert "forfeited deposits" not in {name for _, name, _ in money_lines([without], [])}
