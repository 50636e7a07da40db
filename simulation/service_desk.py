"""The service desk (docs/model.md §5): agents on duty around the clock answer
tickets first come, first served; the queue carries over midnight.

Under FCFS a ticket's wait is fixed the moment it arrives (the earliest time an
agent is free for it), so the desk keeps one number per agent, the time it next
falls free, in a heap. A ticket that would wait longer than its patience abandons
and takes no agent time: with exponential patience this is Erlang A, without it
Erlang C. The loop runs once per ticket, not per shopper.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from simulation.experiences import Experiences
from simulation.timed_events import DayBuckets
from simulation.scenario import Scenario

MINUTES_PER_DAY = 24 * 60


def first_come_first_served(arrivals: np.ndarray, handle: np.ndarray, patience: np.ndarray,
                            agent_free_at: list[float]) -> np.ndarray:
    """Waits of tickets arriving at sorted `arrivals`; NaN where the shopper gave up.

    `agent_free_at` is the heap of agents' next free times and is updated in place.
    """
    waits = np.full(len(arrivals), np.nan)
    if not agent_free_at:
        return waits
    for i, (arrival, handling, limit) in enumerate(zip(arrivals.tolist(), handle.tolist(), patience.tolist())):
        start = max(arrival, agent_free_at[0])
        if start - arrival > limit:
            continue
        heapq.heapreplace(agent_free_at, start + handling)
        waits[i] = start - arrival
    return waits


class ServiceDesk:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets, rng: np.random.Generator) -> None:
        self.config = scenario.strategies.service_quality
        self.satisfaction = scenario.satisfaction
        self.experiences = experiences
        self.tickets = tickets
        self.rng = rng
        self.agent_free_at = [0.0] * self.config.agents
        self.waits_all: list[np.ndarray] = []   # minutes, tickets answered by an agent

    def handle_days(self, count: int) -> np.ndarray:
        mean = self.config.handle_minutes / MINUTES_PER_DAY
        if self.config.handle_distribution == "exponential":
            return self.rng.standard_exponential(count) * mean
        if self.config.handle_distribution == "fixed":
            return np.full(count, mean)
        sigma2 = math.log(1.0 + self.config.handle_cv ** 2)
        return self.rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), count)

    def patience_days(self, count: int) -> np.ndarray:
        if self.config.patience_minutes is None:
            return np.full(count, np.inf)
        return self.rng.standard_exponential(count) * (self.config.patience_minutes / MINUTES_PER_DAY)

    def run_day(self, day: int, today: dict[str, float]) -> None:
        arrived = self.tickets.take(day)
        shopper, arrival = arrived["shopper"].astype(np.int64), arrived["time"]
        deflected = self.rng.random(len(shopper)) < self.config.chatbot_deflection
        to_agents = ~deflected
        count = int(to_agents.sum())
        waits = first_come_first_served(arrival[to_agents], self.handle_days(count), self.patience_days(count),
                                        self.agent_free_at) * MINUTES_PER_DAY
        answered = ~np.isnan(waits)
        sat = self.satisfaction
        change = np.where(answered, sat.ticket_resolved - sat.wait_per_hour * np.nan_to_num(waits) / 60.0,
                          -sat.ticket_abandoned)
        self.experiences.satisfaction_change(day, shopper[deflected], sat.ticket_resolved)
        self.experiences.satisfaction_change(day, shopper[to_agents], change)
        served_waits = waits[answered]
        self.waits_all.append(served_waits)
        today["tickets"] = len(shopper)
        today["tickets_deflected"] = int(deflected.sum())
        today["tickets_abandoned"] = int(count - answered.sum())
        today["service_wait_mean_min"] = float(served_waits.mean()) if served_waits.size else float("nan")
        today["service_wait_p90_min"] = float(np.percentile(served_waits, 90)) if served_waits.size else float("nan")
