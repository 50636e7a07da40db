"""growthsim optimize: the known optimum of a service desk, honest noise, its files, its
report, and bad input (docs/optimize.md)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from growthsim.cli import main
from simulation.experiments.optimize_spec import Constraint, Lever, Objective, SpecError
from simulation.experiments.sweep import InlineExecutor, Sweep, grid_points
from simulation.kernel.engine import simulate
from simulation.kernel.published import erlang_c_probability_of_wait
from simulation.storage.loading import load_scenario
from simulation.storage.outputs import read_csv

BASELINE = str(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
AGENTS = "strategies.service_quality.agents"
# The service desk with satisfaction feedback off: waiting changes no shopper's buying,
# so contribution falls by an agent's pay (¥1,008 a day) with each agent and the best plan
# is the fewest agents that keep the p90 wait under the cap. ~137 tickets a day of
# 45 minutes: an offered load of ~4.3 agents.
DESK = ["horizon_days=30", "market.size=30000", "market.initial_shoppers=20000", "feedback.strength=0",
        "strategies.service_quality.handle_minutes=45", "strategies.service_quality.tickets_per_order=1"]
CAP_MINUTES = 20.0
MOST_AGENTS = 60
REPLICATIONS = 3
TINY = ["horizon_days=20", "market.size=8000", "market.initial_shoppers=2000"]


def desk_args(out: Path, *extra: str) -> list[str]:
    return ["optimize", BASELINE, *(f"--set={s}" for s in DESK), "--lever", f"{AGENTS}=1:{MOST_AGENTS}:int",
            "--objective", "contribution:max", "--constraint", f"service_wait_p90_min<={CAP_MINUTES:g}",
            "--trials", "24", "--replications", str(REPLICATIONS), "--confirm", "5", "--jobs", "1",
            "--seed", "7", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    out = tmp_path_factory.mktemp("desk") / "opt"
    code = main(desk_args(out))
    return code, out, json.loads((out / "optimize.json").read_text())


@pytest.fixture(scope="module")
def brute_force(tmp_path_factory):
    """The reference: every agent count from 1 to MOST_AGENTS, the same seed and replications."""
    sweep = Sweep(BASELINE, grid_points({AGENTS: [str(c) for c in range(1, MOST_AGENTS + 1)]}),
                  [*DESK, "seed=7"], REPLICATIONS, tmp_path_factory.mktemp("sweep") / "sweep")
    sweep.run(InlineExecutor())
    rows = sweep.rows()
    feasible = [r for r in rows if r["service_wait_p90_min_mean"] <= CAP_MINUTES]
    best = max(feasible, key=lambda r: r["contribution_mean"])
    return best, len(rows) * REPLICATIONS


def erlang_c_fewest_agents() -> int:
    """The fewest agents whose M/M/c p90 wait is within the cap: P(W > t) = C exp(-(c - a) t / h)."""
    run = simulate(load_scenario(BASELINE, [*DESK, f"{AGENTS}=7"]), 0)
    handle, per_day = 45.0, float(run.daily["tickets"].mean())
    load = per_day * handle / 1440
    for agents in range(1, MOST_AGENTS + 1):
        if load < agents:
            waiting = erlang_c_probability_of_wait(agents, load)
            p90 = 0.0 if waiting <= 0.1 else handle / (agents - load) * math.log(10 * waiting)
            if p90 <= CAP_MINUTES:
                return agents
    raise AssertionError("no staffing meets the cap")


def test_the_brute_force_optimum_is_the_one_erlang_c_predicts(brute_force):
    best, _ = brute_force
    assert int(best[AGENTS]) == erlang_c_fewest_agents() == 7


def test_the_optimiser_finds_the_sweeps_optimum_in_far_fewer_runs(desk, brute_force):
    code, out, result = desk
    reference, sweep_runs = brute_force
    assert code == 0
    best = result["best"]
    found = best["levers"][AGENTS] == int(reference[AGENTS])
    within = reference["contribution_ci_low"] <= best["objective"]["mean"] <= reference["contribution_ci_high"]
    assert found or within, (best["levers"], best["objective"], reference)
    runs = result["search"]["runs"] + result["confirmation"]["runs"]
    assert runs <= sweep_runs / 2, (runs, sweep_runs)


def test_constraints_hold_on_the_confirmed_winner(desk):
    _, _, result = desk
    best = result["best"]
    assert best["feasible"]
    (p90,) = best["constraints"]
    assert p90["constraint"] == "service_wait_p90_min<=20" and p90["mean"] <= CAP_MINUTES
    assert p90["verdict"] in ("holds", "holds only within noise")
    assert best["kpis"]["service_wait_p90_min"]["mean"] == p90["mean"]


def test_the_winner_is_confirmed_on_fresh_seeds_with_an_interval_and_a_paired_difference(desk):
    _, out, result = desk
    best, given = result["best"], result["scenario_as_given"]["objective"]
    objective = best["objective"]
    assert objective["ci_low"] < objective["mean"] < objective["ci_high"]
    # Fresh seeds: the confirmed mean is not the search's (replications 0..2 vs 1,000,000..).
    assert objective["mean"] != best["search_mean"]
    assert result["confirmation"] == {"replications": 5, "first_replication": 1_000_000,
                                      "finalists": len(result["finalists"]), "runs": 5 * (len(result["finalists"]) + 1)}
    # Paired on the same seeds, with feedback off the two plans differ only by the agents'
    # pay: the difference is exact, its interval of zero width (independent runs would not be).
    desk_as_given = load_scenario(BASELINE, DESK).strategies.service_quality
    extra_pay = (best["levers"][AGENTS] - desk_as_given.agents) * desk_as_given.agent_cost_per_day * 30
    vs = best["vs_scenario"]
    assert vs["difference"] == pytest.approx(objective["mean"] - given["mean"])
    assert vs["difference"] == pytest.approx(-extra_pay)
    assert vs["ci_high"] - vs["ci_low"] == pytest.approx(0, abs=1e-6)


def test_every_trial_runs_on_the_same_seeds(desk):
    _, out, _ = desk
    rows = read_csv(out / "trials.csv")
    assert len(rows) == 24 and {r["state"] for r in rows} == {"complete"}
    row = next(r for r in rows if r["reused"] == "False")
    scenario = load_scenario(BASELINE, [*DESK, f"{AGENTS}={row[AGENTS]}", "seed=7"])
    again = sum(simulate(scenario, k).kpis["contribution"] for k in range(REPLICATIONS)) / REPLICATIONS
    assert float(row["contribution"]) == pytest.approx(again, rel=1e-12)
    reused = [r for r in rows if r["reused"] == "True"]   # the same levers: the same numbers, not run again
    for r in reused:
        first = next(f for f in rows if f[AGENTS] == r[AGENTS] and f["reused"] == "False")
        assert r["contribution"] == first["contribution"]


def test_best_yaml_is_the_scenario_with_the_best_levers(desk):
    _, out, result = desk
    best = load_scenario(out / "best.yaml")
    assert best.strategies.service_quality.agents == result["best"]["levers"][AGENTS]
    assert best.feedback.strength == 0 and best.horizon_days == 30
    assert main(["validate", str(out / "best.yaml")]) == 0


def test_the_report_draws_history_importance_and_slices(desk, tmp_path):
    _, out, _ = desk
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    for title in ("Best plan, confirmed on fresh seeds", "Optimisation history", "Parameter importance",
                  "Slices", "holds"):
        assert title in page
    assert page.count("<svg") == 2   # history and the slice (one lever: importance is a sentence)


def test_several_objectives_give_a_pareto_front_and_best_is_the_picked_member(tmp_path):
    out = tmp_path / "front"
    code = main(["optimize", BASELINE, *(f"--set={s}" for s in TINY), "--lever", f"{AGENTS}=0:6:int",
                 "--lever", "strategies.service_quality.chatbot_deflection=0:0.8", "--objective", "contribution:max",
                 "--objective", "nps:max", "--pick", "nps", "--trials", "8", "--replications", "2", "--confirm", "2",
                 "--jobs", "1", "--out", str(out)])
    assert code == 0
    result = json.loads((out / "optimize.json").read_text())
    front = result["front"]
    assert front and all(set(m["objectives"]) == {"contribution", "nps"} for m in front)
    best = result["best"]
    assert best["objective"]["kpi"] == "nps" and best["trial"] in {m["trial"] for m in front}
    assert result["settings"]["sampler"] == "NSGA-II"
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Pareto front" in page and "Parameter importance" in page


# --- bad input: exit 2 with the place ---------------------------------------------------

def tiny(tmp_path, *options: str) -> list[str]:
    return ["optimize", BASELINE, *(f"--set={s}" for s in TINY), "--trials", "3", "--replications", "1",
            "--confirm", "2", "--jobs", "1", "--out", str(tmp_path / "opt"), *options]


@pytest.mark.parametrize("options, place", [
    (["--lever", f"{AGENTS}=one:five", "--objective", "contribution:max"], "LOW and HIGH must be numbers"),
    (["--lever", "name=1:3", "--objective", "contribution:max"], "name is not a number"),
    (["--lever", f"{AGENTS}=5:2:int", "--objective", "contribution:max"], "LOW (5) must be below HIGH (2)"),
    (["--lever", f"{AGENTS}=3:3:int", "--objective", "contribution:max"], "must be below"),
    (["--lever", "strategies.service_quality.handle_minutes=0:10:log", "--objective", "contribution:max"],
     "a :log range must lie above 0"),
    (["--lever", f"{AGENTS}=1:4", "--objective", "contribution:max"], "add :int"),
    (["--lever", "strategies.service_quality.nothing=1:4", "--objective", "contribution:max"],
     "strategies.service_quality.nothing"),
    (["--lever", "strategies.service_quality.chatbot_deflection=0:2", "--objective", "contribution:max"],
     "--lever 'strategies.service_quality.chatbot_deflection=0:2': strategies.service_quality.chatbot_deflection=2.0"),
    (["--lever", f"{AGENTS}=4", "--objective", "contribution:max"], "not a single value"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "profit:max"], "unknown KPI 'profit'"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:up"], "expected KPI:max or KPI:min"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:max", "--constraint", "wait<=5"],
     "unknown KPI 'wait'"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:max", "--constraint", "service_wait_p90_min=5"],
     "--constraint 'service_wait_p90_min=5': expected KPI<=VALUE"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:max", "--constraint", "nps>=high"],
     "the limit 'high' is not a number"),
    (["--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:max", "--pick", "nps"], "--pick nps"),
    (["--objective", "contribution:max"], "--lever"),
    (["--lever", f"{AGENTS}=1:3:int"], "--objective"),
])
def test_bad_input_is_exit_2_naming_the_place(tmp_path, capsys, options, place):
    assert main(tiny(tmp_path, *options)) == 2
    err = capsys.readouterr().err
    assert place in " ".join(err.split()), err
    assert "Traceback" not in err and not (tmp_path / "opt").exists()


def test_an_objective_the_levers_do_not_move_is_exit_2(tmp_path, capsys):
    # No membership programme in the baseline: its fee revenue is 0 whatever the agents.
    code = main(tiny(tmp_path, "--lever", f"{AGENTS}=1:3:int", "--objective", "membership_fee_revenue:max"))
    assert code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--objective membership_fee_revenue:max" in err and "the levers do not move it" in err
    assert len(read_csv(tmp_path / "opt" / "trials.csv")) == 3   # what ran is kept


def test_a_folder_of_other_files_is_refused_unless_forced(tmp_path, capsys):
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "notes.txt").write_text("mine")
    options = ("--lever", f"{AGENTS}=1:3:int", "--objective", "contribution:max")
    assert main(tiny(tmp_path, *options)) == 2
    assert "holds files that are not an optimisation (notes.txt)" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "opt" / "best.yaml").write_text("mine too")
    assert main(tiny(tmp_path, *options, "--force")) == 2   # --force adds beside, never replaces
    assert "already holds best.yaml" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "opt" / "best.yaml").unlink()
    assert main(tiny(tmp_path, *options, "--force")) == 0
    assert (tmp_path / "opt" / "notes.txt").read_text() == "mine"
    assert main(tiny(tmp_path, *options)) == 2   # the same again needs --resume
    assert "add --resume" in " ".join(capsys.readouterr().err.split())
    other = tiny(tmp_path, "--lever", f"{AGENTS}=1:4:int", "--objective", "contribution:max", "--resume")
    assert main(other) == 2
    assert "holds another optimisation" in " ".join(capsys.readouterr().err.split())


def test_the_text_forms_parse():
    assert Lever.parse("a.b=1:5:int") == Lever(key="a.b", kind="int", low=1, high=5)
    assert Lever.parse("a.b=0.1:10:log").kind == "log"
    assert Lever.parse("a.b=x, y,z").choices == ("x", "y", "z")
    assert Lever.parse("a.b=1:2").override(1.5) == "a.b=1.5"
    assert Objective.parse("nps:min") == Objective(kpi="nps", direction="min")
    limit = Constraint.parse(" marketing_cost >= 1e5 ")
    assert (limit.operator, limit.limit) == (">=", 1e5)
    assert limit.violation(2e5) < 0 < limit.violation(5e4) and limit.violation(math.nan) > 0
    with pytest.raises(SpecError, match="choices must be two or more different values"):
        Lever.parse("a=x,x")


def test_a_constraint_met_only_by_its_mean_is_said_to_hold_only_within_noise():
    from simulation.experiments.optimize_confirm import verdict
    from simulation.experiments.replicate import Interval
    cap = Constraint.parse("service_wait_p90_min<=5")
    floor = Constraint.parse("nps>=40")
    assert verdict(cap, Interval(4.0, 3.5, 4.5, 10)) == "holds"
    assert verdict(cap, Interval(4.8, 4.2, 5.4, 10)) == "holds only within noise"
    assert verdict(cap, Interval(5.2, 4.6, 5.8, 10)) == "violated"
    assert verdict(floor, Interval(41.0, 39.0, 43.0, 10)) == "holds only within noise"
    assert verdict(floor, Interval(math.nan, math.nan, math.nan, 0)) == "undefined"


def test_run_keys_are_not_levers_and_whole_numbers_take_a_log_scale(tmp_path, capsys):
    assert main(tiny(tmp_path, "--lever", "seed=1:5:int", "--objective", "contribution:max")) == 2
    assert "seed is the runs' seed" in " ".join(capsys.readouterr().err.split())
    lever = Lever.parse("market.size=1000:2000000:int:log")
    assert lever.kind == "int_log" and lever.override(1234.0) == "market.size=1234"
