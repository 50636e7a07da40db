"""Every growthsim benchmark in one command, printed as one table (benchmarks/README.md).

    python -m benchmarks [--quick] [--json] [--only floor,scenarios,memory,peers,executors,calibration]

Sections: the floor (benchmarks/floor.py, the yardstick every simulation time is divided
by, measured in this run at each size it is used at); every bundled scenario from the
command line and in-process with operations scaled (scenarios.py); the peak memory of the
baseline at 50 M shoppers and the combined plan at 10 M (memory.py); growthsim beside a
Mesa 3 model and a one-SimPy-process-per-shopper model of the same rules, with their
KPIs' agreement (peers/); a run of replications and a sweep on one process, local
processes and a Dask LocalCluster, results compared byte for byte (executors.py);
`calibrate` and its twin at about a million customers (bench_calibration.py).
`--quick` runs every section at tiny sizes in seconds (tests/test_benchmarks.py), not to
be read as figures. Exit 1 when a check fails (peers disagree, executors differ).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:   # `python benchmarks/run_all.py` as well as `python -m benchmarks`
    sys.path.insert(0, str(ROOT))

from benchmarks import executors, memory, scenarios  # noqa: E402
from benchmarks.floor import kernel as floor_kernel  # noqa: E402
from benchmarks.peers import compare as peers  # noqa: E402
from simulation.storage.outputs import jsonable  # noqa: E402

SECTIONS = ("floor", "scenarios", "memory", "peers", "executors", "calibration")
FULL = {
    "floor_repeat": 3,
    "scenarios": {"names": None, "shoppers": 1_000_000, "days": 365},
    "memory": memory.FULL_RUNS,
    # Peers: growthsim runs 365 days at both sizes; Mesa and SimPy 365 at 10 k, 60 at 100 k.
    "peers": {"replications": 5, "sizes": [(10_000, {"growthsim": 365, "mesa": 365, "simpy": 365}),
                                           (100_000, {"growthsim": 365, "mesa": 60, "simpy": 60})]},
    "executors": {"overrides": ["horizon_days=90"], "replications": 32, "points": 64, "jobs": 2},
    "calibration": [],   # bench_calibration.py's defaults: ~1 M customers
}
QUICK = {
    "floor_repeat": 1,
    "scenarios": {"names": ["baseline", "combined"], "shoppers": 2_000, "days": 20},
    "memory": memory.QUICK_RUNS,
    "peers": {"replications": 8, "sizes": [(1_000, {"growthsim": 30, "mesa": 30, "simpy": 30}),
                                           (2_000, {"growthsim": 30, "mesa": 20, "simpy": 20})]},
    "executors": {"overrides": ["market.size=2000", "market.initial_shoppers=1000", "horizon_days=20"],
                  "replications": 8, "points": 16, "jobs": 2},
    "calibration": ["--customers", "1500", "--new-per-day", "15", "--days", "240", "--holdout-days", "60",
                    "--replications", "1", "--jobs", "1"],
}


class Floor:
    """The floor's seconds at N shoppers × D days, measured once per size in this run
    (the best of `repeat`, as timeit reports: slower ones measure the machine's other load)."""

    def __init__(self, repeat: int) -> None:
        self.repeat, self.seconds = repeat, {}

    def __call__(self, shoppers: int, days: int) -> float:
        if (shoppers, days) not in self.seconds:
            self.seconds[shoppers, days] = min(floor_kernel(shoppers, days) for _ in range(self.repeat))
        return self.seconds[shoppers, days]


def calibration(arguments: list[str], scratch: Path) -> dict:
    # Its export is reused between runs of the same size (making it is not timed).
    tag = "-".join(arguments[1::2][:3]) or "default"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_calibration.py"), "--json", *arguments,
               "--export", str(Path(tempfile.gettempdir()) / f"growthsim-bench-orders-{tag}.csv"),
               "--twin", str(scratch / "twin")]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout)


def collect(settings: dict, only: tuple[str, ...], log) -> dict:
    floor = Floor(settings["floor_repeat"])
    results: dict = {"floor": floor.seconds}
    if "scenarios" in only:
        s = settings["scenarios"]
        log(f"scenarios at {s['shoppers']:,} × {s['days']} days ...")
        results["scenarios"] = scenarios.measure(s["names"] or scenarios.bundled_scenarios(), s["shoppers"], s["days"])
        for row in results["scenarios"]:
            base = floor(row["shoppers"], row["days"])
            row["floor_seconds"] = base
            row["cli_x_floor"], row["scaled_x_floor"] = row["cli_seconds"] / base, row["scaled_seconds"] / base
    if "memory" in only:
        log("memory: " + ", ".join(f"{name} at {n:,}" for name, n, _, _ in settings["memory"]) + " ...")
        results["memory"] = memory.measure(settings["memory"])
    if "peers" in only:
        p = settings["peers"]
        results["peers"] = []
        for shoppers, days in p["sizes"]:
            log(f"peers at {shoppers:,} shoppers ...")
            found = peers.compare(shoppers, days, p["replications"], sizes_compared=len(p["sizes"]))
            for name, figures in found["implementations"].items():
                figures["x_floor"] = figures["seconds_best"] / floor(shoppers, days[name])
            results["peers"].append(found)
    if "executors" in only:
        e = settings["executors"]
        log(f"executors: {e['replications']} replications and {e['points']} sweep points ...")
        results["executors"] = executors.measure(e["overrides"], e["replications"], e["points"], e["jobs"])
    if "calibration" in only:
        log("calibration ...")
        with tempfile.TemporaryDirectory(prefix="growthsim-bench-twin-") as scratch:
            results["calibration"] = calibration(settings["calibration"], Path(scratch))
    if "floor" in only and not floor.seconds:
        floor(1_000_000 if settings is FULL else 20_000, 365 if settings is FULL else 30)
    results["floor"] = [{"shoppers": n, "days": d, "seconds": s} for (n, d), s in floor.seconds.items()]
    results["checks"] = {}   # only of the sections run: a check not made is not a check passed
    if "peers" in results:
        results["checks"]["peers_agree"] = all(found["all_agree"] for found in results["peers"])
    if "executors" in results:
        results["checks"]["executors_identical"] = results["executors"]["identical"]
    return results


def rows(results: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(section, case, size, seconds, × floor, figures) for every measurement."""
    table = []
    size = lambda n, d: f"{n:,} × {d} d"   # noqa: E731
    for f in results["floor"]:
        table.append(("floor", "numpy daily step (floor.py)", size(f["shoppers"], f["days"]), f"{f['seconds']:.2f}", "1.0", ""))
    for r in results.get("scenarios", []):
        table.append(("scenario cli", r["scenario"], size(r["shoppers"], r["days"]), f"{r['cli_seconds']:.1f}",
                      f"{r['cli_x_floor']:.1f}", f"peak RSS {r['cli_peak_rss_gib']:.2f} GiB"))
        table.append(("scenario scaled", r["scenario"], size(r["shoppers"], r["days"]), f"{r['scaled_seconds']:.1f}",
                      f"{r['scaled_x_floor']:.1f}", f"peak RSS {r['scaled_peak_rss_gib']:.2f} GiB"))
    for r in results.get("memory", []):
        table.append(("memory", r["scenario"], size(r["shoppers"], r["days"]), f"{r['seconds']:.0f}", "",
                      f"peak RSS {r['peak_rss_gib']:.2f} GiB, {r['bytes_per_shopper']:.0f} bytes a shopper"
                      f" (goal {r['goal_gib']:g} GiB)"))
    for found in results.get("peers", []):
        n = found["shoppers"]
        for name, figures in found["implementations"].items():
            ratio = "" if name == "growthsim" else f"; growthsim ×{found[f'growthsim_over_{name}']:.0f}"
            table.append(("peers", name, size(n, found["days"][name]), f"{figures['seconds_best']:.2f}",
                          f"{figures['x_floor']:.1f}", f"{figures['shopper_days_per_second']:,.0f} shopper-days/s{ratio}"))
        for peer, checks in found["agreement"].items():
            text = ", ".join(f"{kpi} t={check['z']:+.1f}" for kpi, check in checks.items())
            limit = min((check["limit"] for check in checks.values() if check["limit"] is not None), default=math.nan)
            verdict = "agree" if all(c["agrees"] for c in checks.values()) else "DISAGREE"
            table.append(("peers KPIs", f"growthsim vs {peer}", f"{n:,}, first {found['kpi_days']} d", "", "",
                          f"{verdict} (|t| ≤ {limit:.1f}, {found['replications']} reps): {text}"))
    if "executors" in results:
        e = results["executors"]
        for row in e["executors"]:
            same = "identical" if row["identical_to_one_process"] else "DIFFERENT"
            start = f", cluster start {row['startup_seconds']:.1f} s" if row["executor"] == "dask" else ""
            table.append(("executors", f"run, {e['replications']} replications", f"{row['executor']} ({row['jobs']})",
                          f"{row['run_seconds']:.1f}", "", f"speed-up {row['run_speedup']:.2f}; {same}{start}"))
            table.append(("executors", f"sweep, {e['points']} points", f"{row['executor']} ({row['jobs']})",
                          f"{row['sweep_seconds']:.1f}", "", f"speed-up {row['sweep_speedup']:.2f}; {same}"))
    if "calibration" in results:
        c = results["calibration"]
        table.append(("calibration", "read + fit", f"{c['customers']:,} customers", f"{c['read_and_fit_s']:.1f}", "",
                      f"{c['orders_kept']:,} orders; peak RSS {c['read_and_fit_peak_rss_gib']:.2f} GiB"))
        table.append(("calibration", f"twin over holdout ({c['holdout_replications']} reps)", f"{c['holdout_days']} d",
                      f"{c['holdout_simulation_s']:.1f}", "",
                      f"repeat orders: actual {c['holdout_actual']}, model {c['holdout_model']}, twin {c['holdout_twin']}"))
        for key, label in (("twin_365_days", "twin"), ("baseline_365_days_same_size", "baseline, same size")):
            run = c[key]
            table.append(("calibration", f"{label}, 365 d", f"{c['customers']:,} customers", f"{run['seconds']:.1f}", "",
                          f"peak RSS {run['peak_rss_gib']:.2f} GiB"))
    return table


def print_table(results: dict, quick: bool) -> None:
    header = ("section", "case", "size", "seconds", "× floor", "figures")
    body = rows(results)
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    line = lambda row: "  ".join(str(v).rjust(w) if i in (3, 4) else str(v).ljust(w)   # noqa: E731
                                 for i, (v, w) in enumerate(zip(row, widths))).rstrip()
    print(line(header))
    print("-" * len(line(header)))
    for row in body:
        print(line(row))
    checks = results["checks"]
    said = {True: "yes", False: "NO", None: "not run"}
    print(f"checks: peers agree: {said[checks.get('peers_agree')]}; "
          f"executors bit-identical: {said[checks.get('executors_identical')]}")
    if quick:
        print("--quick: tiny sizes, to keep the benchmarks working; not figures to read.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds: checks the benchmarks still work")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run, of {','.join(SECTIONS)}")
    args = parser.parse_args(argv)
    only = tuple(part.strip() for part in args.only.split(",") if part.strip())
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    log = lambda text: print(f"[{time.perf_counter() - started:6.0f} s] {text}", file=sys.stderr, flush=True)  # noqa: E731
    results = collect(QUICK if args.quick else FULL, only, log)
    results["quick"], results["wall_seconds"] = args.quick, time.perf_counter() - started
    if args.json:
        print(json.dumps(jsonable(results), indent=2))
    else:
        print_table(results, args.quick)
    return 0 if all(results["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
