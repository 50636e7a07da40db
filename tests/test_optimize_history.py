"""`growthsim optimize` records the optimisation in the history: its best levers, objective
and folder, shown by `growthsim history`."""

from __future__ import annotations

from pathlib import Path

from growthsim.cli import main
from simulation.storage.history import History

BASELINE = str(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
AGENTS = "strategies.service_quality.agents"
TINY = ["horizon_days=15", "market.size=5000", "market.initial_shoppers=1000"]


def test_an_optimisation_is_recorded_and_shown(tmp_path, capsys):
    out = tmp_path / "opt"
    code = main(["optimize", BASELINE, *(f"--set={s}" for s in TINY), "--lever", f"{AGENTS}=1:3:int",
                 "--objective", "contribution:max", "--trials", "3", "--replications", "1", "--confirm", "2",
                 "--finalists", "1", "--jobs", "1", "--seed", "5", "--out", str(out)])
    assert code == 0
    [record] = History().list()
    assert record.kind == "optimize" and record.out_dir == str(out.resolve())
    best = record.results["best"]
    assert set(best["levers"]) == {AGENTS} and best["objective"]["kpi"] == "contribution"
    assert record.results["kpis"]["contribution"]["mean"] == best["objective"]["mean"]
    assert record.seed == 5 and record.replications == 1
    capsys.readouterr()
    assert main(["history"]) == 0
    assert "optimize" in capsys.readouterr().out
    assert main(["history", str(record.id)]) == 0
    shown = capsys.readouterr().out
    assert f"best: {AGENTS}={best['levers'][AGENTS]}" in shown
    assert "levers strategies.service_quality.agents=1:3:int; objective contribution:max" in shown
