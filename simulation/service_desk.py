"""The service desk (docs/model.md §5): agents on duty around the clock answer
tickets; the queue carries over midnight.

`AgentQueue` plays arrivals and agents becoming free in time order. Who goes next
is the one decision it makes: the highest priority, then the earliest arrival; with
every priority equal that is first come, first served (M/M/c, Erlang C). A ticket
whose patience runs out before an agent takes it is abandoned and takes no agent
time (Erlang A). The loop runs once per ticket, never per shopper.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from simulation.experiences import Experiences
from simulation.timed_events import DayBuckets
from simulation.scenario import Scenario
from strategies.base import Strategy

MINUTES_PER_DAY = 24 * 60


@dataclass
class AgentQueue:
    agent_free_at: list[float]                                     # heap: when each agent is next free
    waiting: list[tuple[float, float, int]] = field(default_factory=list)   # heap: (-priority, arrival, ticket)
    tickets: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # waiting: (arrival, handle, deadline)
    deadlines: list[tuple[float, int]] = field(default_factory=list)      # heap: (deadline, ticket) of finite patience

    def set_agents(self, count: int, now: float) -> None:
        """Change staffing: new agents are free now; leaving agents finish their ticket first."""
        agents = sorted(self.agent_free_at)
        agents = agents[:count] + [now] * max(0, count - len(agents))
        heapq.heapify(agents)
        self.agent_free_at = agents

    def play(self, ids: np.ndarray, arrivals: np.ndarray, handle: np.ndarray, patience: np.ndarray,
             priority: np.ndarray, until: float) -> list[tuple[int, float]]:
        """Add tickets (sorted by arrival, all before `until`) and play the desk up to `until`.
        Returns (ticket, wait) for each ticket decided: wait NaN if it was abandoned."""
        decided: list[tuple[int, float]] = []
        pending = zip(ids.tolist(), arrivals.tolist(), handle.tolist(), patience.tolist(), priority.tolist())
        upcoming = next(pending, None)
        now = -math.inf
        while True:
            next_start = max(self.agent_free_at[0], now) if self.tickets and self.agent_free_at else math.inf
            next_arrival = upcoming[1] if upcoming else math.inf
            if min(next_start, next_arrival) >= until:
                break
            if next_start <= next_arrival:
                now = next_start
                _, arrival, ticket = heapq.heappop(self.waiting)
                if ticket not in self.tickets:   # already abandoned
                    continue
                _, handling, deadline = self.tickets.pop(ticket)
                if deadline < now:
                    decided.append((ticket, math.nan))
                    continue
                heapq.heapreplace(self.agent_free_at, now + handling)
                decided.append((ticket, now - arrival))
            else:
                ticket, now, handling, limit, rank = upcoming
                self.tickets[ticket] = (now, handling, now + limit)
                heapq.heappush(self.waiting, (-rank, now, ticket))
                if limit < math.inf:
                    heapq.heappush(self.deadlines, (now + limit, ticket))
                upcoming = next(pending, None)
        # Patience that ran out today, while still waiting (its waiting entry is dropped when popped).
        while self.deadlines and self.deadlines[0][0] < until:
            _, ticket = heapq.heappop(self.deadlines)
            if self.tickets.pop(ticket, None) is not None:
                decided.append((ticket, math.nan))
        return decided


class ServiceDesk:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets,
                 strategies: list[Strategy], rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.satisfaction = scenario.satisfaction
        self.experiences = experiences
        self.tickets = tickets
        self.strategies = strategies
        self.rng = rng
        self.queue = AgentQueue([0.0] * self.config.agents)
        self.shopper_of: dict[int, int] = {}
        self.next_ticket = 0
        self.waits_all: list[np.ndarray] = []   # minutes, tickets answered by an agent

    @property
    def config(self):
        return self.scenario.strategies.service_quality   # read live: policies may change it

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

    def priority(self, shopper: np.ndarray) -> np.ndarray:
        rank = np.zeros(len(shopper))
        for strategy in self.strategies:
            rank = rank + strategy.ticket_priority(shopper)
        return rank

    def run_day(self, day: int, today: dict[str, float]) -> None:
        if len(self.queue.agent_free_at) != self.config.agents:
            self.queue.set_agents(self.config.agents, float(day))
        arrived = self.tickets.take(day)
        shopper, arrival = arrived["shopper"].astype(np.int64), arrived["time"]
        deflected = self.rng.random(len(shopper)) < self.config.chatbot_deflection
        self.experiences.satisfaction_change(day, shopper[deflected], self.satisfaction.ticket_resolved)
        to_agents = shopper[~deflected]
        ids = np.arange(self.next_ticket, self.next_ticket + len(to_agents))
        self.next_ticket += len(to_agents)
        self.shopper_of.update(zip(ids.tolist(), to_agents.tolist()))
        decided = self.queue.play(ids, arrival[~deflected], self.handle_days(len(ids)), self.patience_days(len(ids)),
                                  self.priority(to_agents), until=day + 1.0)
        who = np.array([self.shopper_of.pop(ticket) for ticket, _ in decided], dtype=np.int64)
        waits = np.array([wait for _, wait in decided], dtype=float) * MINUTES_PER_DAY
        answered = ~np.isnan(waits)
        sat = self.satisfaction
        change = np.where(answered, sat.ticket_resolved - sat.wait_per_hour * np.nan_to_num(waits) / 60.0,
                          -sat.ticket_abandoned)
        self.experiences.satisfaction_change(day, who, change)
        served_waits = waits[answered]
        self.waits_all.append(served_waits)
        today["tickets"] = len(shopper)
        today["tickets_deflected"] = int(deflected.sum())
        today["tickets_answered"] = int(answered.sum())
        today["tickets_abandoned"] = int((~answered).sum())
        today["service_wait_mean_min"] = float(served_waits.mean()) if served_waits.size else float("nan")
        today["service_wait_p90_min"] = float(np.percentile(served_waits, 90)) if served_waits.size else float("nan")
