"""growthsim beside its peers on the same rules: the Mesa 3 model (mesa_shoppers.py) and the
one-SimPy-process-per-shopper reference (simulation/kernel/reference.py).

The baseline's rules (Scenario() defaults, no strategy), N shoppers on the platform from
day 0 (market.size = N, so nobody else joins), the warehouse and the desk scaled by
N / 20,000 (the defaults' shoppers) so the platform is as healthy as at its own size.
Each implementation runs `replications` replications, interleaved (growthsim, Mesa,
SimPy, then the next replication) in this process, so a slow spell of the machine
slows all three; a run's speed is its shopper-days (N × its days) over its wall time.
The peers may run fewer days than growthsim (they take minutes at 100 k shoppers).

Agreement: the KPIs of the first D days (D = the fewest days any of them ran; growthsim's
daily series are cut there, which is what its run had done by day D), per replication —
orders per shopper-day, conversion (orders / visits) and NPS at day D (the buyers'
satisfaction, docs/model.md §7). A pair agrees on a KPI when the difference of means over
its standard error (Welch: each side's replication variance over its replications) is
within the Student t quantile that makes the chance of any false alarm in the whole run
1 % (Bonferroni over every KPI, peer and size compared; Welch-Satterthwaite degrees of
freedom). The SimPy reference is not reproducible draw for draw from run to run (it walks
a set of shoppers, whose order follows their addresses), so its figures vary a little
between runs of the same seed.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from benchmarks.peers.mesa_shoppers import simulate_mesa
from simulation.kernel.engine import simulate
from simulation.kernel.reference import simulate_reference
from simulation.kernel.scenario import Scenario

IMPLEMENTATIONS = {
    "growthsim": lambda scenario, k: simulate(scenario, replication=k).daily,
    "mesa": simulate_mesa,
    "simpy": simulate_reference,
}
KPIS = ("orders_per_shopper_day", "conversion", "nps")
DEFAULT_SHOPPERS = 20_000   # the shoppers the default warehouse and desk are sized for
FAMILY_ALPHA = 0.01   # chance that any comparison of a run fails when the rules agree


def scenario_for(shoppers: int, days: int, seed: int) -> Scenario:
    scenario = Scenario.model_validate({"horizon_days": days, "replications": 1, "seed": seed,
                                        "market": {"size": shoppers, "initial_shoppers": shoppers}})
    scale = shoppers / DEFAULT_SHOPPERS
    ops = scenario.strategies
    ops.logistics.capacity_per_day = max(1, round(ops.logistics.capacity_per_day * scale))
    ops.service_quality.agents = max(1, round(ops.service_quality.agents * scale))
    return scenario


def kpis(daily, shoppers: int, days: int) -> dict[str, float]:
    orders = float(np.sum(np.asarray(daily["orders"], dtype=float)[:days]))
    visits = float(np.sum(np.asarray(daily["visits"], dtype=float)[:days]))
    return {"orders_per_shopper_day": orders / (shoppers * days), "conversion": orders / visits if visits else math.nan,
            "nps": float(np.asarray(daily["nps"], dtype=float)[days - 1])}


def agreement(a: np.ndarray, b: np.ndarray, comparisons: int) -> dict:
    """Welch's t of the difference of means, against the Bonferroni-corrected quantile."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    difference = float(a.mean() - b.mean())
    if se == 0:
        return {"difference": difference, "se": 0.0, "z": 0.0 if difference == 0 else math.inf,
                "limit": math.nan, "agrees": difference == 0}
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    limit = float(stats.t.ppf(1 - FAMILY_ALPHA / (2 * comparisons), df))
    z = difference / se
    return {"difference": difference, "se": se, "z": z, "limit": limit, "agrees": bool(abs(z) <= limit)}


def compare(shoppers: int, days: dict[str, int], replications: int, seed: int = 1, sizes_compared: int = 1) -> dict:
    """One size: every implementation's runs, speeds and KPIs, and each peer's agreement
    with growthsim. `days` maps an implementation to the days it runs; `sizes_compared`:
    how many sizes the run compares, for the Bonferroni correction."""
    runs: dict[str, list[dict]] = {name: [] for name in IMPLEMENTATIONS}
    # Different seeds per implementation: the agreement assumes independent replications.
    for k in range(replications):
        for offset, (name, run) in enumerate(IMPLEMENTATIONS.items()):
            scenario = scenario_for(shoppers, days[name], seed + offset)
            start = time.perf_counter()
            daily = run(scenario, k)
            runs[name].append({"seconds": time.perf_counter() - start, "daily": daily})
    common = min(days.values())
    result = {"shoppers": shoppers, "days": days, "kpi_days": common, "replications": replications,
              "implementations": {}, "agreement": {}}
    for name, done in runs.items():
        seconds = np.array([run["seconds"] for run in done])
        values = [kpis(run["daily"], shoppers, common) for run in done]
        result["implementations"][name] = {
            "seconds_best": float(seconds.min()), "seconds_median": float(np.median(seconds)),
            "shopper_days_per_second": shoppers * days[name] / float(seconds.min()),
            "kpis": {kpi: {"mean": float(np.mean([v[kpi] for v in values])),
                           "se": float(np.std([v[kpi] for v in values], ddof=1) / math.sqrt(len(values)))
                           if len(values) > 1 else math.nan,
                           "values": [v[kpi] for v in values]} for kpi in KPIS}}
    ours = result["implementations"]["growthsim"]
    for peer in ("mesa", "simpy"):
        theirs = result["implementations"][peer]
        comparisons = len(KPIS) * 2 * sizes_compared
        result["agreement"][peer] = {kpi: agreement(np.array(ours["kpis"][kpi]["values"]),
                                                    np.array(theirs["kpis"][kpi]["values"]), comparisons)
                                     for kpi in KPIS}
        result[f"growthsim_over_{peer}"] = ours["shopper_days_per_second"] / theirs["shopper_days_per_second"]
    result["all_agree"] = all(check["agrees"] for peer in result["agreement"].values() for check in peer.values())
    return result
