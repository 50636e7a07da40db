"""Sweeps: designs, point-by-point files, resume, failures, and executors that agree."""

import json
from pathlib import Path

import numpy as np
import pytest

import simulation.experiments.sweep as sweep_module
from growthsim.cli import main
from simulation.storage.outputs import jsonable, read_csv
from simulation.experiments.sweep import DaskExecutor, InlineExecutor, ProcessExecutor, Sweep, grid_points, latin_hypercube_points

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SMALL = ["horizon_days=30", "market.size=20000", "market.initial_shoppers=2000"]
AGENTS = "strategies.service_quality.agents"


def test_a_grid_is_the_full_factorial():
    points = grid_points({"a": ["1", "2"], "b": ["x", "y", "z"]})
    assert len(points) == 6 and ["a=2", "b=z"] in points and len({tuple(p) for p in points}) == 6


def test_a_latin_hypercube_puts_one_point_in_each_stratum_of_each_lever():
    points = latin_hypercube_points({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 8, seed=3)
    a = np.array([float(p[0].split("=")[1]) for p in points])
    b = np.array([float(p[1].split("=")[1]) for p in points])
    assert sorted(np.floor(a * 8).astype(int)) == list(range(8))
    assert sorted(np.floor((b - 10) / 10 * 8).astype(int)) == list(range(8))


def same_numbers(a, b) -> bool:
    """Bit for bit, NaN equal to NaN."""
    as_json = lambda points: json.dumps(jsonable([p.kpis for p in points]))  # noqa: E731
    return as_json(a) == as_json(b)


def make(tmp_path, design, replications=2) -> Sweep:
    return Sweep(BASELINE, design, SMALL, replications, tmp_path / "sweep")


def test_points_are_written_one_by_one_and_resume_runs_only_what_is_missing(tmp_path):
    design = grid_points({AGENTS: ["1", "2", "3"]})
    sweep = make(tmp_path, design)
    first = sweep.run(InlineExecutor())
    files = sorted((tmp_path / "sweep" / "points").iterdir())
    assert [f.name for f in files] == ["point-0000.json", "point-0001.json", "point-0002.json"]
    kept = files[0].read_text()
    files[1].unlink()                     # as if the sweep had been killed before point 1 was written
    tasks = []
    again = make(tmp_path, design).run(InlineExecutor(), resume=True, on_task=lambda: tasks.append(1))
    assert len(tasks) == 2                # one point, two replications
    assert files[0].read_text() == kept
    assert same_numbers(again, first)
    assert len(read_csv(tmp_path / "sweep" / "sweep.csv")) == 3


def test_a_failing_point_is_reported_and_the_others_are_kept(tmp_path, monkeypatch):
    real = sweep_module.replication_kpis

    def flaky(scenario, replication):
        if scenario.strategies.service_quality.agents == 2:
            raise RuntimeError("worker lost")
        return real(scenario, replication)

    monkeypatch.setattr(sweep_module, "replication_kpis", flaky)
    points = make(tmp_path, grid_points({AGENTS: ["1", "2", "3"]})).run(InlineExecutor())
    assert [p.error is not None for p in points] == [False, True, False]
    names = sorted(f.name for f in (tmp_path / "sweep" / "points").iterdir())
    assert names == ["point-0000.json", "point-0001.error.json", "point-0002.json"]
    assert "worker lost" in json.loads((tmp_path / "sweep" / "points" / names[1]).read_text())["error"]


@pytest.mark.serial   # a pool of processes, then a local Dask cluster of two workers
def test_processes_and_a_local_dask_cluster_give_the_same_numbers(tmp_path):
    design = grid_points({AGENTS: ["1", "2"]})
    inline = Sweep(BASELINE, design, SMALL, 2, tmp_path / "inline").run(InlineExecutor())
    pool = ProcessExecutor(2)
    try:
        processes = Sweep(BASELINE, design, SMALL, 2, tmp_path / "processes").run(pool)
    finally:
        pool.close()
    dask = DaskExecutor(jobs=2)
    try:
        distributed = Sweep(BASELINE, design, SMALL, 2, tmp_path / "dask").run(dask)
    finally:
        dask.close()
    assert same_numbers(inline, processes) and same_numbers(inline, distributed)


def test_sweep_command_validates_every_point_before_running(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["sweep", str(BASELINE), *sum((["--set", s] for s in SMALL), []), "--replications", "2", "--jobs", "1",
            "--out", str(out)]
    assert main([*args, "--grid", f"{AGENTS}=1,-1"]) == 2
    assert "--set: strategies.service_quality.agents" in capsys.readouterr().err and not out.exists()
    assert main([*args, "--grid", f"{AGENTS}=1,2"]) == 0
    assert main([*args, "--grid", f"{AGENTS}=1,2"]) == 2          # the same sweep exists: --resume or another --out
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--grid", f"{AGENTS}=1,2", "--resume"]) == 0
    assert main([*args, "--grid", f"{AGENTS}=1,3"]) == 2          # another sweep in that folder
    assert main([*args, "--lhs", f"{AGENTS}=3:1"]) == 2


def test_sweep_command_runs_a_latin_hypercube(tmp_path, capsys):
    out = tmp_path / "lhs"
    assert main(["sweep", str(BASELINE), *sum((["--set", s] for s in SMALL), []), "--replications", "2",
                 "--jobs", "1", "--out", str(out), "--lhs", f"{AGENTS}=1:4", "--lhs",
                 "strategies.service_quality.handle_minutes=5:30", "--points", "4"]) == 0
    manifest = json.loads((out / "sweep.json").read_text())
    agents = sorted(int(p[0].split("=")[1]) for p in manifest["points"])
    assert len(agents) == 4 and all(1 <= a <= 4 for a in agents)


def test_a_design_too_big_to_hold_is_refused_before_it_is_made(monkeypatch, capsys):
    """Issue 15, item 2: `--points 10000000` grew memory without bound; now the size is
    checked against the memory limit first (exit 2, the size and the limit)."""
    from growthsim.cli import main
    monkeypatch.setenv("GROWTHSIM_MEMORY", "1GiB")   # room for 13,107 points of 64 KiB (x 1.25)
    for design in (["--lhs", "seed=1:100", "--points", "13108"],
                   ["--grid", "seed=" + ",".join(map(str, range(200))), "--grid", "horizon_days=" + ",".join(map(str, range(1, 101)))]):
        assert main(["sweep", "baseline", *design]) == 2
        err = capsys.readouterr().err
        assert "points" in err and "at most 13,107 points fit" in err


@pytest.mark.parametrize("design, message", [
    (["--grid", "seed=1,2", "--grid", "seed=3"], "seed is given twice"),
    (["--lhs", "seed=nan:inf"], "finite numbers"),
    (["--lhs", "seed=5:1"], "LOW < HIGH"),
])
def test_a_design_that_means_nothing_is_bad_input(design, message, capsys):
    from growthsim.cli import main
    assert main(["sweep", "baseline", *design]) == 2
    assert message in capsys.readouterr().err
