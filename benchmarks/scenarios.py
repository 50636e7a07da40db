"""Every bundled scenario at N shoppers × D days: from the command line, and in-process with
operations scaled to the market. Each run is a fresh child process, so that its peak
resident set size is its own (started through benchmarks/peak.py, a small launcher: Linux counts a
child's peak from its parent's).

- "cli": `growthsim run S --set market.size=N --set market.initial_shoppers=N
  --set horizon_days=D --replications 1 --jobs 1`, the scenario's own operations; wall
  time of the whole command (start-up, imports, writing its outputs and, for a scenario
  that names a `baseline:`, the baseline's replication too: what a user waits for).
- "scaled": in a child, `simulate(scenario)` of the scenario alone, the warehouse, the
  desk and the budgets × N / the scenario's own initial shoppers (SCALED_KEYS), so that the
  platform stays as healthy as at its own size; wall time of the simulation only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Operations sized for a scenario's own shoppers: scaled with the market in "scaled" runs.
SCALED_KEYS = ("capacity_per_day", "agents", "budget_per_day", "reference_budget", "spend_per_day")


def bundled_scenarios() -> list[str]:
    return sorted(path.stem for path in (ROOT / "scenarios").glob("*.yaml"))


def scale_operations(value, factor: float):
    """The strategies' settings with every SCALED_KEYS number × factor (nested ones too)."""
    if isinstance(value, dict):
        return {key: (max(1, round(item * factor)) if isinstance(item, int) and not isinstance(item, bool)
                      else item * factor) if key in SCALED_KEYS and isinstance(item, (int, float))
                and not isinstance(item, bool) else scale_operations(item, factor)
                for key, item in value.items()}
    if isinstance(value, list):
        return [scale_operations(item, factor) for item in value]
    return value


def child_scaled(name: str, shoppers: int, days: int) -> None:
    """Run in the child: one replication of a bundled scenario, operations scaled; JSON out."""
    sys.path.insert(0, str(ROOT))
    from simulation.kernel.engine import simulate
    from simulation.kernel.scenario import Scenario
    from simulation.storage.loading import load_scenario

    own = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    factor = shoppers / own.market.initial_shoppers
    document = own.model_dump()
    document.update(horizon_days=days, replications=1, baseline=None,
                    market={**document["market"], "size": shoppers, "initial_shoppers": shoppers},
                    strategies=scale_operations(document["strategies"], factor))
    scenario = Scenario.model_validate(document)
    start = time.perf_counter()
    result = simulate(scenario, replication=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "orders": float(result.kpis["orders"]), "nps": float(result.kpis["nps"])}))


def run_child(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in GiB of that child alone (started through benchmarks/peak.py,
    so that this process's own peak is not counted as the child's), and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory(prefix="growthsim-peak-") as scratch:
        peak = Path(scratch) / "peak"
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("peak.py")), str(peak), *command],
                                   cwd=cwd, env=env, stdout=out, stderr=err)
        process.wait()
        seconds = time.perf_counter() - start
        out.seek(0), err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {err.read()[-2000:]}")
        return seconds, int(peak.read_text()) / 2 ** 20, out.read()   # Linux: ru_maxrss in KiB


def measure(names: list[str], shoppers: int, days: int, modes: tuple[str, ...] = ("cli", "scaled")) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="growthsim-bench-") as scratch:
        env = {**os.environ, "GROWTHSIM_HISTORY": str(Path(scratch) / "history.sqlite")}   # not the user's history
        growthsim = [sys.executable, "-c", "import growthsim; growthsim.main()"]
        for name in names:
            row = {"scenario": name, "shoppers": shoppers, "days": days}
            if "cli" in modes:
                seconds, rss, _ = run_child([*growthsim, "run", name, "--set", f"market.size={shoppers}",
                                             "--set", f"market.initial_shoppers={shoppers}",
                                             "--set", f"horizon_days={days}", "--replications", "1", "--jobs", "1",
                                             "--out", str(Path(scratch) / name)], Path(scratch), env)
                row.update(cli_seconds=seconds, cli_peak_rss_gib=rss)
            if "scaled" in modes:
                seconds, rss, out = run_child([sys.executable, __file__, name, str(shoppers), str(days)], ROOT)
                figures = json.loads(out.strip().splitlines()[-1])
                row.update(scaled_seconds=figures["seconds"], scaled_peak_rss_gib=rss, scaled_orders=figures["orders"])
            rows.append(row)
    return rows


if __name__ == "__main__":
    child_scaled(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
