"""How fast `growthsim calibrate` reads and fits a large shop, and how fast its twin runs.

    python benchmarks/bench_calibration.py [--new-per-day 1500] [--days 540] [--export /tmp/big.csv] [--json]

1. A synthetic Taobao-style export with known truth (simulation/storage/synthetic_export.py):
   --new-per-day customers a day over --days days plus --customers on the first day, buying
   more often than CDNOW's shoppers so that a million customers place about six million
   orders. Written once to --export and reused (its making is not timed).
2. In a fresh child process: read the export and fit it (both repeat-buying models, Gamma-
   Gamma, acquisition, standard errors, the closed-form holdout figures and the customers'
   scores), the holdout being the last --holdout-days: wall time by step and the peak
   resident set size of the process (getrusage ru_maxrss; interpreter and imports included).
3. The twin over the holdout (--replications, on --jobs processes), reported apart.
4. The twin run for 365 days against the baseline at the same size (market.initial_shoppers =
   the twin's customers, the warehouse and desk scaled alike), one replication each in a
   fresh child process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_export(path: Path, customers: int, new_per_day: float, days: int) -> None:
    sys.path.insert(0, str(ROOT))
    from simulation.storage.synthetic_export import ShopTruth, simulate_orders, write_shop_export
    truth = ShopTruth(r=0.5, alpha=10.0, a=1.3, b=6.0, new_customers_per_day=new_per_day)
    orders = simulate_orders(customers, days, truth, seed=1)
    write_shop_export(orders, path, bom=True)


def child_fit(export: str, holdout_days: int, replications: int, jobs: int, twin_out: str) -> None:
    sys.path.insert(0, str(ROOT))
    import datetime

    from growthsim.bundled import scenario_file
    from simulation.experiments.calibration.calibrate import (CalibrationOptions, calibrate, simulate_holdout,
                                                              write_calibration)
    from simulation.storage.loading import load_scenario
    from simulation.storage.order_export import ReadOptions, read_orders

    base = load_scenario(scenario_file(Path("baseline")))
    figures: dict[str, float] = {}
    start = time.perf_counter()
    log = read_orders(export, ReadOptions(keep_status=("交易成功",)))
    figures["read_s"] = time.perf_counter() - start
    end = log.orders["day"].max() - datetime.timedelta(days=holdout_days - 1)
    marks = {}
    calibration = calibrate(log, base, CalibrationOptions(calibration_end=end),
                            step=lambda what: marks.setdefault(what, time.perf_counter()))
    figures["fit_s"] = time.perf_counter() - start - figures["read_s"]
    figures["read_and_fit_s"] = time.perf_counter() - start
    figures["read_and_fit_peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    steps = list(marks.items())
    figures["steps_s"] = {what: round(next_at - at, 2) for (what, at), (_, next_at) in zip(steps, steps[1:])}
    figures["rows"], figures["customers"] = log.report.rows, int(calibration.summary.x.size)
    figures["orders_kept"] = log.orders.height
    start = time.perf_counter()
    simulate_holdout(calibration, replications=replications, jobs=jobs)
    figures["holdout_simulation_s"] = time.perf_counter() - start
    figures["holdout_replications"], figures["holdout_days"] = replications, calibration.summary.holdout_days
    chosen = calibration.tracking[calibration.model]
    figures["holdout_actual"] = chosen["actual_repeat_transactions"]
    figures["holdout_model"] = round(chosen["expected_repeat_transactions"], 1)
    figures["holdout_twin"] = round(calibration.simulated["total"]["mean"], 1)
    write_calibration(calibration, Path(twin_out))
    print(json.dumps(figures))


def child_run(scenario_path: str, twin: bool) -> None:
    """One replication of 365 days: the twin, or the baseline with as many shoppers on day 0."""
    sys.path.insert(0, str(ROOT))
    from simulation.kernel.engine import simulate
    from simulation.storage.loading import load_scenario
    from growthsim.bundled import scenario_file

    scenario = load_scenario(scenario_path).model_copy(update={"horizon_days": 365})
    if not twin:
        like = scenario
        base = load_scenario(scenario_file(Path("baseline")))
        n = like.market.initial_shoppers
        scenario = base.model_copy(update={
            "horizon_days": 365,
            "market": base.market.model_copy(update={"size": like.market.size, "initial_shoppers": n}),
            "strategies": like.strategies})   # the twin's operations, scaled to its orders a day
    start = time.perf_counter()
    result = simulate(scenario)
    print(json.dumps({"seconds": time.perf_counter() - start, "orders": float(result.kpis["orders"]),
                      "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20}))


def in_child(*arguments: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *arguments], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000, help="customers buying on the first day")
    parser.add_argument("--new-per-day", type=float, default=1_700.0)
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--holdout-days", type=int, default=91)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--export", type=Path, default=Path("/tmp/growthsim-bench-orders.csv"))
    parser.add_argument("--twin", type=Path, default=Path("/tmp/growthsim-bench-twin"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("fit", "twin", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "fit":
        return child_fit(str(args.export), args.holdout_days, args.replications, args.jobs, str(args.twin))
    if args.child in ("twin", "baseline"):
        return child_run(str(args.twin / "scenario.yaml"), args.child == "twin")
    if not args.export.exists():
        print(f"writing {args.export} (not timed) ...", file=sys.stderr)
        make_export(args.export, args.customers, args.new_per_day, args.days)
    common = ["--export", str(args.export), "--twin", str(args.twin), "--holdout-days", str(args.holdout_days),
              "--replications", str(args.replications), "--jobs", str(args.jobs)]
    figures = in_child("--child", "fit", *common)
    figures["export_mib"] = round(args.export.stat().st_size / 2 ** 20, 1)
    figures["twin_365_days"] = in_child("--child", "twin", *common)
    figures["baseline_365_days_same_size"] = in_child("--child", "baseline", *common)
    figures["twin_over_baseline"] = round(figures["twin_365_days"]["seconds"]
                                          / figures["baseline_365_days_same_size"]["seconds"], 2)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:32} {value if not isinstance(value, float) else round(value, 2)}")


if __name__ == "__main__":
    main()
