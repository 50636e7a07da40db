"""Replications and sweeps across executors: one process, local processes, a Dask LocalCluster.

The executors are growthsim's own (simulation/experiments/sweep.py: InlineExecutor,
ProcessExecutor, DaskExecutor; a remote scheduler is the same DaskExecutor given an
address). Two workloads on the bundled baseline:

- a run of R replications: R tasks (scenario, replication k), each returning its KPIs,
  as `growthsim run` replications are (replication k always uses seed stream k);
- a sweep of P points: `Sweep.run` over a grid of P points (warehouse capacity × desk
  agents), one replication each, writing points/*.json and sweep.csv as
  `growthsim sweep` does.

Wall time covers the tasks from the first submit to the last result, worker start-up
included (a process pool starts its workers on first submit); a Dask cluster's own
start, before any submit, is reported apart. Speed-up = one process's time over the
executor's. Results must be bit-identical across executors: the replications' KPIs
(as JSON, NaN as null) and every file the sweep wrote (sweep.csv, points/*.json) are
compared byte for byte with one process's.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path

from simulation.experiments.sweep import DaskExecutor, InlineExecutor, ProcessExecutor, Sweep, replication_kpis, grid_points
from simulation.storage.loading import load_scenario
from simulation.storage.outputs import jsonable

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def make_executor(kind: str, jobs: int):
    if kind == "one process":
        return InlineExecutor()
    if kind == "processes":
        return ProcessExecutor(jobs)
    return DaskExecutor(None, jobs)   # a LocalCluster of `jobs` one-thread worker processes


def run_replications(executor, scenario, replications: int) -> str:
    futures = [executor.submit(replication_kpis, scenario, k) for k in range(replications)]
    list(executor.as_completed(futures))
    return json.dumps(jsonable([future.result() for future in futures]), sort_keys=True)


def sweep_files(folder: Path) -> str:
    """A digest of every file the sweep wrote but its manifest (which names the folder)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "sweep.json":
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def grid(points: int) -> list[list[str]]:
    side = int(round(points ** 0.5))
    assert side * side == points, "points: a square number (a side × side grid)"
    return grid_points({"strategies.logistics.capacity_per_day": [str(300 + 100 * i) for i in range(side)],
                        "strategies.service_quality.agents": [str(1 + i) for i in range(side)]})


def measure(overrides: list[str], replications: int = 32, points: int = 64, jobs: int = 2,
            kinds: tuple[str, ...] = ("one process", "processes", "dask")) -> dict:
    scenario = load_scenario(BASELINE, overrides)
    rows, reference = [], {}
    with tempfile.TemporaryDirectory(prefix="growthsim-bench-sweep-") as scratch:
        for kind in kinds:
            started = time.perf_counter()
            executor = make_executor(kind, jobs)
            startup = time.perf_counter() - started
            try:
                start = time.perf_counter()
                run_result = run_replications(executor, scenario, replications)
                run_seconds = time.perf_counter() - start
                out = Path(scratch) / kind.replace(" ", "-")
                sweep = Sweep(BASELINE, grid(points), overrides, 1, out)
                start = time.perf_counter()
                sweep.run(executor)
                sweep_seconds = time.perf_counter() - start
            finally:
                executor.close()
            outputs = {"run": hashlib.sha256(run_result.encode()).hexdigest(), "sweep": sweep_files(out)}
            reference = reference or outputs
            rows.append({"executor": kind, "jobs": 1 if kind == "one process" else jobs,
                         "startup_seconds": startup, "run_seconds": run_seconds, "sweep_seconds": sweep_seconds,
                         "identical_to_one_process": outputs == reference, "digests": outputs})
    for row in rows:
        row["run_speedup"] = rows[0]["run_seconds"] / row["run_seconds"]
        row["sweep_speedup"] = rows[0]["sweep_seconds"] / row["sweep_seconds"]
    return {"scenario": "baseline", "overrides": overrides, "replications": replications, "points": points,
            "executors": rows, "identical": all(row["identical_to_one_process"] for row in rows)}
