"""Resources: refuse, before it starts, a run that would not fit in memory or would never end.

A scenario can be valid and still impossible on this machine: a market of 10^9
prospects, or a purchase rate that sends every shopper to the shop a million times a
day. `check_run` looks at the scenario before any process starts and either returns
how many processes to use or raises `LimitError` with a message that says what it
needs and what to change (docs/reliability.md, "Limits").

Memory. A replication holds every shopper it acquires in a struct of arrays
(simulation/kernel/population.py) whose capacity grows by doubling, so with `M` prospects in
the market it may hold up to `2 M` rows. The estimate is an upper bound, on purpose:
it assumes the whole market may join (strategies buy shoppers outright, feedback
amplifies word of mouth, so no tighter bound holds in general), at the bytes per row
of the shopper columns *and* the columns strategies register, plus what strategies
allocate per prospect of the market (measured by building two small replications),
a social graph's build by igraph before anyone joins (beyond the run's own peak: it is gone
by then), the per-day counts of the churn window, the service agents, the orders a replication
can place (kept in full with `--transactions`, and in the warehouse backlog when
capacity is short) and the results the main process keeps per replication. It is
compared with the memory available: `GROWTHSIM_MEMORY` if set (bytes, or with a unit:
`512MiB`, `8GiB`; `off` skips the check), else the smaller of the kernel's
MemAvailable and the cgroup's room (containers). If the run does not fit with the
processes asked for, fewer are used (the numbers do not depend on it); if it does not
fit in one, it is refused.

Work. The shopper step plays every visit of a day, the busiest shopper's in blocks of
visits drawn ahead; visits come at the purchase rate divided by the funnel's
conversion. A scenario whose busiest shopper (the top one in `M`, from the Gamma
purchase rate, at the highest satisfaction feedback and calendar traffic) would visit
more than `MAX_VISITS_PER_SHOPPER_DAY` times a day is refused. Changes a scenario
makes while it runs (policies, strategies' visit factors) are caught as they happen:
a day where a shopper may have played more than `MAX_VISIT_DEPTH_PER_DAY` visits, or beyond
`MAX_VISITS_PER_DAY_PER_SHOPPER` visits per shopper in all, stops with `visits_out_of_bounds`.
A churn window longer than `MAX_CHURN_WINDOW_DAYS` is refused too: the engine keeps
one count per day of it and walks them every day.
"""

from __future__ import annotations

import gc
import math
import os
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from pydantic import ByteSize, TypeAdapter, ValidationError

from simulation.kernel.calendar_events import busiest_traffic
from simulation.kernel.limits import MAX_VISITS_PER_SHOPPER_DAY, LimitError
from simulation.kernel.scenario import Scenario

MEMORY_VARIABLE = "GROWTHSIM_MEMORY"

MAX_CHURN_WINDOW_DAYS = 36_500   # a hundred years

PROCESS_BYTES = 160 << 20        # Python, numpy, scipy, pydantic and the engine, per process (measured ~145 MiB)
TRANSIENT_BYTES_PER_SHOPPER = 64 # a day's and the final metrics' temporaries, per row (measured, see tests)
BYTES_PER_ORDER_KEPT = 104       # --transactions: the day's batches, their concatenation and its pickle
BYTES_PER_ORDER_RESULT = 32      # --transactions: shopper, time, value, discount, in the main process
BYTES_PER_ORDER_BACKLOG = 64     # an order waiting in the warehouse (four columns, and a copy per day)
BYTES_PER_SHOPPER_ROW = 112      # --transactions: a row of shoppers.csv's table (13 columns)
BYTES_PER_AGENT = 24             # the agents' heap of free times, and its sorted copy on staffing changes
# A social graph (strategies.social_referral.graph) is built by igraph over the whole market
# before anyone joins: igraph's Barabasi peaks at 304 bytes a node (10 neighbours a node,
# int64 edges and their indexes) and the int32 CSR taken from it at 322 (measured at 1-2 M
# nodes, ru_maxrss): about 30 bytes per friend of a node and 48 per node (the node indexes,
# the attachment tree). Shopper columns that start at zero take no memory yet then.
GRAPH_BUILD_BYTES_PER_NODE = 48
GRAPH_BUILD_BYTES_PER_FRIEND = 30
SAFETY = 1.25


@dataclass(frozen=True)
class Estimate:
    """Upper bounds for one scenario, in bytes, by what takes them."""

    shoppers: int                      # rows a replication may allocate (capacity grows by doubling)
    bytes_per_shopper: int             # shopper columns, strategies' included, and transient work
    replication_parts: dict[str, float]   # one replication at its peak, in its process
    result_parts: dict[str, float]        # what the main process keeps of each finished replication

    @property
    def per_replication(self) -> float:
        return SAFETY * sum(self.replication_parts.values())

    @property
    def per_result(self) -> float:
        return SAFETY * sum(self.result_parts.values())

    def total(self, jobs: int, replications: int) -> float:
        processes = jobs + 1 if jobs > 1 else 1   # workers and the main process; or all in one
        return processes * PROCESS_BYTES + jobs * self.per_replication + replications * self.per_result


def estimate(scenario: Scenario, *, transactions: bool = False) -> Estimate:
    from simulation.kernel.registry import registry   # late: the registry builds the scenario schema

    size, initial, horizon = scenario.market.size, scenario.market.initial_shoppers, scenario.horizon_days
    first_capacity = min(size, max(1024, 2 * initial))
    rows = size if first_capacity >= size else 2 * size
    column_bytes, per_prospect = _strategy_footprint(scenario)
    per_shopper = column_bytes + TRANSIENT_BYTES_PER_SHOPPER
    orders = order_bound(scenario)
    window = scenario.behavior.churn_window_days
    daily = 8 * horizon * len(registry().daily_columns)
    running = rows * per_shopper + size * per_prospect
    replication = {
        f"{rows:,} shopper rows (market.size {size:,}; arrays grow by doubling) at {per_shopper} bytes": rows * per_shopper,
        "what strategies keep per prospect of the market": size * per_prospect,
        # Before anyone joins and gone after: only what it takes beyond the run's own peak.
        "building the social graph (strategies.social_referral.graph)": max(0.0, size * _graph_build_bytes(scenario) - running),
        "orders waiting in the warehouse (strategies.logistics.capacity_per_day)":
            BYTES_PER_ORDER_BACKLOG * max(0.0, orders - _capacity(scenario) * horizon),
        "daily counts of the churn window (behavior.churn_window_days)": 3 * 8 * (window + horizon + 1),
        "service agents (strategies.service_quality.agents)": BYTES_PER_AGENT * scenario.strategies.service_quality.agents,
        "the time series": 2 * daily,
    }
    result = {"the time series and cohorts": daily + 64 * (horizon // 30 + 1) ** 2}
    if transactions:
        replication[f"--transactions: up to {_number(orders)} orders and a table of the shoppers"] = (
            BYTES_PER_ORDER_KEPT * orders + 2 * BYTES_PER_SHOPPER_ROW * size)
        result["--transactions: orders and shoppers"] = BYTES_PER_ORDER_RESULT * orders + BYTES_PER_SHOPPER_ROW * size
    return Estimate(rows, per_shopper, replication, result)


def order_bound(scenario: Scenario) -> float:
    """Orders one replication can expect at most: every prospect a shopper from day 0,
    buying at the highest feedback and traffic, dropping out at the lowest feedback."""
    return scenario.market.size * orders_per_shopper(scenario)


def orders_per_shopper(scenario: Scenario) -> float:
    """E[min(X, Y)]: X ~ lambda H m purchases in the horizon (Gamma), Y ~ 1/(p m_p) purchases
    before dropping out (p ~ Beta(a, b)), as the integral of P(X > t) P(Y > t)."""
    import numpy as np
    from scipy import stats

    behavior, fb = scenario.behavior, scenario.feedback
    scale = scenario.horizon_days * _visit_multiplier(scenario) / behavior.purchase_rate.rate
    shape = behavior.purchase_rate.shape
    mean = shape * scale
    if not behavior.dropout.enabled or not math.isfinite(mean):
        return mean
    least_dropout = math.exp(-fb.strength * fb.dropout_sensitivity * (1.0 - fb.reference_satisfaction))
    top = float(stats.gamma.isf(1e-9, shape, scale=scale))
    if not top > 0:
        return mean
    t = np.geomspace(top * 1e-9, top, 2000)
    survives = stats.gamma.sf(t, shape, scale=scale) * stats.beta.cdf(
        np.minimum(1.0, 1.0 / (t * max(least_dropout, 1e-300))), behavior.dropout.a, behavior.dropout.b)
    return min(mean, float(t[0] + np.trapezoid(survives, t)))


def _graph_build_bytes(scenario: Scenario) -> int:
    social = getattr(scenario.strategies, "social_referral", None)
    on_graph = social is not None and social.enabled and getattr(social, "graph", "well_mixed") != "well_mixed"
    return GRAPH_BUILD_BYTES_PER_NODE + GRAPH_BUILD_BYTES_PER_FRIEND * social.mean_degree if on_graph else 0


def _capacity(scenario: Scenario) -> int:
    logistics = getattr(scenario.strategies, "logistics", None)
    return getattr(logistics, "capacity_per_day", 0) or 0


def _visit_multiplier(scenario: Scenario) -> float:
    """The largest factor satisfaction feedback and calendar sales apply to a visit rate."""
    fb = scenario.feedback
    exponent = fb.strength * fb.purchase_rate_sensitivity * (1.0 - fb.reference_satisfaction)
    traffic = busiest_traffic(scenario.calendar, scenario.start_date, scenario.horizon_days)
    try:
        return math.exp(exponent) * traffic
    except OverflowError:
        return math.inf


def busiest_visits_per_day(scenario: Scenario) -> float:
    """Visits a day of the busiest of the market's shoppers: the top purchase rate in
    `market.size` draws of the Gamma, at the highest multipliers, over the conversion."""
    from scipy import stats

    rate = scenario.behavior.purchase_rate
    top = stats.gamma.isf(1.0 / max(2, scenario.market.size), rate.shape, scale=1.0 / rate.rate)
    return float(top) * _visit_multiplier(scenario) / scenario.behavior.funnel.conversion()


def work_problems(scenario: Scenario) -> list[str]:
    problems = []
    busiest = busiest_visits_per_day(scenario)
    if not busiest <= MAX_VISITS_PER_SHOPPER_DAY:
        rate, funnel = scenario.behavior.purchase_rate, scenario.behavior.funnel
        multiplier = _visit_multiplier(scenario)
        problems.append(
            f"behavior.purchase_rate: the busiest of {scenario.market.size:,} shoppers would visit about "
            f"{_number(busiest)} times a day (purchase rate ~ Gamma(shape {rate.shape:g}, rate {rate.rate:g} days)"
            f", divided by the funnel's conversion {funnel.conversion():.3g}"
            + (f", times up to {_number(multiplier)} from feedback and calendar traffic" if multiplier > 1.0001 else "")
            + f"); growthsim refuses more than {MAX_VISITS_PER_SHOPPER_DAY:,} visits per shopper per day. "
              "Raise behavior.purchase_rate.rate (a mean gap between purchases in days), lower its shape, "
              "raise the funnel's stage probabilities, or lower feedback.strength or calendar traffic.")
    window = scenario.behavior.churn_window_days
    if window > MAX_CHURN_WINDOW_DAYS:
        problems.append(f"behavior.churn_window_days: {window:,} days is more than {MAX_CHURN_WINDOW_DAYS:,} "
                        "(a hundred years); the engine keeps and walks one count per day of the window")
    return problems


# --- the check -----------------------------------------------------------------------


def check_run(scenario: Scenario, replications: int, jobs: int, *, transactions: bool = False,
              memory: int | None = None) -> int:
    """The number of processes (at most `jobs`) this run fits in; LimitError if none."""
    problems = work_problems(scenario)
    if problems:
        raise LimitError("\n".join(f"{scenario.name}: {p}" for p in problems))
    available = available_memory() if memory is None else memory
    if available is None:
        return jobs
    found = estimate(scenario, transactions=transactions)
    for fitting in range(jobs, 0, -1):
        if found.total(fitting, replications) <= available:
            return fitting
    raise LimitError(memory_message(scenario, found, replications, available, transactions))


def memory_message(scenario: Scenario, found: Estimate, replications: int, available: int, transactions: bool) -> str:
    needed = found.total(1, replications)
    override = f" ({MEMORY_VARIABLE})" if os.environ.get(MEMORY_VARIABLE) else ""
    lines = [f"{scenario.name}: this run needs about {_bytes(needed)} of memory, even in one process, "
             f"and {_bytes(available)} is available{override}. The most it may take:"]
    parts = {**{f"{name}, per replication running": SAFETY * size for name, size in found.replication_parts.items()},
             **{f"{name}, kept for each of {replications:,} replications": SAFETY * size * replications
                for name, size in found.result_parts.items()}}
    for name, size in sorted(parts.items(), key=lambda item: -item[1]):
        if size >= 0.05 * needed:
            lines.append(f"  {_bytes(size)}: {name}")
    advice = ["lower market.size"]
    if transactions:
        advice.append("drop --transactions")
    if replications * found.per_result >= 0.05 * needed:
        advice.append("run fewer replications or a shorter horizon_days")
    lines.append(f"To run it: {', or '.join(advice)}. If you know it fits, set {MEMORY_VARIABLE} to the memory "
                 "it may use (e.g. 64GiB), or to off.")
    return "\n".join(lines)


BYTES_PER_SWEEP_POINT = 64 << 10   # a point's loaded scenario (measured ~25 KiB) and its replications' KPIs


def check_design(points: int) -> None:
    """A sweep's design must fit in memory before anything is generated or run: each point
    keeps its scenario and its KPIs (LimitError with the size and the limit)."""
    available = available_memory()
    if available is None:
        return
    limit = int(available // (SAFETY * BYTES_PER_SWEEP_POINT))
    if points > limit:
        override = f" ({MEMORY_VARIABLE})" if os.environ.get(MEMORY_VARIABLE) else ""
        raise LimitError(f"a design of {points:,} points needs about {_bytes(points * SAFETY * BYTES_PER_SWEEP_POINT)} "
                         f"to hold, and {_bytes(available)} is available{override}: at most {limit:,} points fit; "
                         "give fewer values or --points")


def available_memory() -> int | None:
    """Bytes a run may use: GROWTHSIM_MEMORY, else the kernel's and the cgroup's room; None if unknown."""
    setting = os.environ.get(MEMORY_VARIABLE, "").strip()
    if setting:
        if setting.lower() in ("off", "none", "unlimited"):
            return None
        parsed = parse_bytes(setting)
        if parsed is None:
            raise LimitError(f"{MEMORY_VARIABLE}={setting!r}: expected bytes, e.g. 8GiB or 512MiB, or 'off'")
        return parsed
    found = [value for value in (_meminfo_available(), _cgroup_room(), _sysconf_available()) if value is not None]
    return min(found) if found else None


_BYTE_SIZE = TypeAdapter(ByteSize)


def parse_bytes(text: str) -> int | None:
    """Bytes of `text` such as 8GiB, 512MiB, 1.5 GB or 4096 (pydantic's ByteSize); None if it is none."""
    try:
        return int(_BYTE_SIZE.validate_python(text))
    except ValidationError:
        return None


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """cgroup v2: memory.max less memory.current of this process's group (a container's limit)."""
    try:
        group = Path("/proc/self/cgroup").read_text().strip().splitlines()[0].split(":", 2)[2]
        folder = Path("/sys/fs/cgroup") / group.lstrip("/")
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((folder / "memory.current").read_text().strip()))
    except (OSError, ValueError, IndexError):
        return None


def _sysconf_available() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


# --- what strategies allocate ----------------------------------------------------------

_PROBE_SIZES = (4096, 8192)


def _strategy_footprint(scenario: Scenario) -> tuple[int, float]:
    """(bytes per shopper row of every column, strategies' registered ones included;
    bytes strategies allocate per prospect of the market), from building a replication
    of the scenario at two small market sizes."""
    key = scenario.model_dump_json(exclude={"market", "name", "title", "description", "seed", "replications"})
    if key not in _FOOTPRINTS:   # a sweep's points mostly share their strategies
        _FOOTPRINTS[key] = _measure_footprint(scenario)
    return _FOOTPRINTS[key]


_FOOTPRINTS: dict[str, tuple[int, float]] = {}


def _measure_footprint(scenario: Scenario) -> tuple[int, float]:
    from simulation.kernel.engine import Replication
    from simulation.kernel.population import Shoppers

    def build(size: int):
        small = scenario.model_copy(deep=True)
        small.market.initial_shoppers = 0
        small.market.size = size
        return Replication(small)

    def row_bytes(shoppers: Shoppers) -> int:
        import numpy as np
        return (sum(np.dtype(dtype).itemsize for dtype, _ in shoppers.columns.values())
                + shoppers.period_row_bytes())

    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        # A first build pays once for what every later one shares (igraph's import, caches
        # of the schema): untimed, or the growth between the two sizes comes out negative.
        build(_PROBE_SIZES[0])
        sizes = []
        for size in _PROBE_SIZES:
            gc.collect()   # a replication is a cycle (strategies hold the platform): gone before we count
            before = tracemalloc.get_traced_memory()[0]
            replication = build(size)
            sizes.append(tracemalloc.get_traced_memory()[0] - before)
            columns = row_bytes(replication.shoppers)
            del replication
        # The shopper arrays start at 1024 rows at both sizes: the growth is the strategies'.
        per_prospect = max(0.0, (sizes[1] - sizes[0]) / (_PROBE_SIZES[1] - _PROBE_SIZES[0]))
        return columns, per_prospect
    except Exception:   # a scenario that cannot even be built fails when it runs, with its own message
        return row_bytes(Shoppers(scenario.horizon_days, 1)), 0.0
    finally:
        if started:
            tracemalloc.stop()


# --- formatting ------------------------------------------------------------------------


def _bytes(count: float) -> str:
    if not math.isfinite(count):
        return "unboundedly much"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count / 2**10:.0f} KiB"


def _number(x: float) -> str:
    if not math.isfinite(x):
        return "infinitely many"
    return f"{x:,.0f}" if x < 1e7 else f"{x:.2g}"
