"""How fast the vectorised engine simulates shoppers, and how much faster than the reference.

    python benchmarks/bench_engine.py [--sizes 10000,100000,1000000] [--days 365] [--repeat 3] [--json]
    python benchmarks/bench_engine.py --scenario scenarios/combined.yaml --sizes 1000000

Each size runs the baseline scenario (Scenario() defaults), or the scenario file given
with --scenario, with market.size = N and market.initial_shoppers = N, so N shoppers
are simulated from day 0, one replication (a strategy's set-up, such as a social graph
over the market, counts in the wall time). The defaults size the warehouse and the desk for the baseline's 20,000
shoppers: far above that they are overloaded, the backlog grows, satisfaction
collapses and shoppers visit less, so the engine has less to do per shopper-day
(see the visits column). --scale-operations scales warehouse capacity and agents by
N / 20,000 to keep the platform as healthy as the baseline. Every run happens in a fresh child process (this script with --child),
so that its peak memory is its own: the child reports getrusage(RUSAGE_SELF).ru_maxrss,
the peak resident set size of the whole process (interpreter and imports included;
"baseline" is the same figure before the run). Wall time covers the simulation
only, not imports or building the scenario. Each size runs --repeat times, interleaved
with the reference, and the best time is reported with the median beside it: this
machine is shared and its speed varies by a third between spells.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_METHOD = "peak RSS of a fresh child process (getrusage RUSAGE_SELF ru_maxrss)"


def child(implementation: str, shoppers: int, days: int, scale_operations: bool, scenario_file: str | None) -> None:
    """Run one replication and print its figures as one JSON line."""
    sys.path.insert(0, str(ROOT))
    from simulation.storage.loading import load_scenario
    from simulation.kernel.scenario import Scenario
    if implementation == "engine":
        from simulation.kernel.engine import simulate
        run = lambda scenario: simulate(scenario, replication=0).daily  # noqa: E731
    else:
        from simulation.kernel.reference import simulate_reference
        run = lambda scenario: simulate_reference(scenario, replication=0)  # noqa: E731
    size = {"horizon_days": days, "replications": 1, "market": {"size": shoppers, "initial_shoppers": shoppers}}
    if scenario_file:
        scenario = load_scenario(scenario_file, [f"horizon_days={days}", "replications=1", f"market.size={shoppers}",
                                                 f"market.initial_shoppers={shoppers}"])
    else:
        scenario = Scenario.model_validate(size)
    if scale_operations:
        scale = shoppers / Scenario().market.initial_shoppers
        ops = scenario.strategies
        ops.logistics.capacity_per_day = max(1, round(ops.logistics.capacity_per_day * scale))
        ops.service_quality.agents = max(1, round(ops.service_quality.agents * scale))
    baseline_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB
    start, cpu_start = time.perf_counter(), time.process_time()
    daily = run(scenario)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({
        "implementation": implementation, "shoppers": shoppers, "days": days, "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "shopper_days_per_second": shoppers * days / seconds, "visits": int(daily["visits"].sum()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "baseline_rss_mib": baseline_mib,
    }))


def measure(implementation: str, shoppers: int, days: int, scale_operations: bool, scenario_file: str | None) -> dict:
    flags = ["--scale-operations"] if scale_operations else []
    flags += ["--scenario", scenario_file] if scenario_file else []
    out = subprocess.run([sys.executable, __file__, "--child", implementation, str(shoppers), str(days), *flags],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(runs: list[dict]) -> dict:
    """The fastest of repeated runs, as timeit reports (slower ones measure the machine's
    other load), with the median and every wall time beside it; memory is the largest."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["seconds_median"] = statistics.median(run["seconds"] for run in runs)
    best["seconds_all"] = [run["seconds"] for run in runs]
    best["peak_rss_mib"] = max(run["peak_rss_mib"] for run in runs)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="shoppers per run, comma-separated")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reference-shoppers", type=int, default=2000)
    parser.add_argument("--reference-days", type=int, default=365)
    parser.add_argument("--scale-operations", action="store_true",
                        help="scale warehouse capacity and agents with N (default: Scenario() defaults)")
    parser.add_argument("--scenario", help="a scenario file to measure instead of the baseline defaults")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference (one SimPy process per shopper)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each size, each in a fresh process, interleaved with the reference's (default 3)")
    parser.add_argument("--json", action="store_true", help="print machine-readable figures")
    parser.add_argument("--child", nargs=3, metavar=("IMPL", "N", "DAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), args.scale_operations, args.scenario)
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    engine_runs: dict[int, list[dict]] = {size: [] for size in sizes}
    reference_runs: list[dict] = []
    for _ in range(args.repeat):   # interleaved, so that a slow spell of the machine slows both
        for size in sizes:
            engine_runs[size].append(measure("engine", size, args.days, args.scale_operations, args.scenario))
        if not args.no_reference:   # the reference knows the baseline rules only
            reference_runs.append(measure("reference", args.reference_shoppers, args.reference_days,
                                          args.scale_operations, None))
    engine = [best_of(engine_runs[size]) for size in sizes]
    reference = best_of(reference_runs) if reference_runs else None
    if reference:
        for run in engine:
            run["speedup_vs_reference"] = run["shopper_days_per_second"] / reference["shopper_days_per_second"]

    if args.json:
        print(json.dumps({"memory": MEMORY_METHOD, "scale_operations": args.scale_operations,
                          "scenario": args.scenario or "baseline defaults", "engine": engine, "reference": reference},
                         indent=2))
        return
    print(f"scenario: {args.scenario or 'baseline defaults (Scenario())'}")
    print(f"memory: {MEMORY_METHOD}")
    print(f"operations: {'scaled with N' if args.scale_operations else 'Scenario() defaults'}")
    header = (f"{'run':>10} {'shoppers':>10} {'days':>5} {'wall s':>9} {'median':>7} {'cpu s':>7} {'shopper-days/s':>15} {'visits/shopper-day':>19}"
              f" {'peak RSS MiB':>13} {'(baseline)':>10} {'x reference':>12}")
    print(header)
    print("-" * len(header))
    for run in [reference, *engine] if reference else engine:
        speedup = (f"{run['speedup_vs_reference']:.0f}" if "speedup_vs_reference" in run
                   else "1" if run is reference else "-")
        print(f"{run['implementation']:>10} {run['shoppers']:>10,} {run['days']:>5} {run['seconds']:>9.2f} "
              f"{run['seconds_median']:>7.2f} "
              f"{run['cpu_seconds']:>7.2f} "
              f"{run['shopper_days_per_second']:>15,.0f} {run['visits'] / (run['shoppers'] * run['days']):>19.3f} {run['peak_rss_mib']:>13.0f} {run['baseline_rss_mib']:>10.0f} {speedup:>12}")
    print("x reference: engine shopper-days per second over the reference's (one SimPy process per shopper).")
    print(f"wall s: the best of {args.repeat} runs (as timeit reports), median beside it; cpu s: that run's own")
    print("processor time; peak RSS: the largest of the runs.")


if __name__ == "__main__":
    main()
