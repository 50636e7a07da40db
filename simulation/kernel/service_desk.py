"""The service desk (docs/model.md §5): agents on duty around the clock answer
tickets; the queue carries over midnight. With the service_quality strategy on
(strategies/service_quality.py), shift agents come and go on the hour, the chatbot
may fail, and an answered ticket may be unresolved and come back; at night (the hours
`night_start_hour` to `night_end_hour`) a night chatbot may take tickets first. With
`tickets_by_hour` set, each day's tickets come at hours drawn from its profile.

`AgentQueue` plays arrivals, agents becoming free and staffing changes in time
order. Who goes next is the one decision it makes: the highest priority, then the
earliest arrival; with every priority equal that is first come, first served (M/M/c,
Erlang C). A ticket whose patience runs out before an agent takes it is abandoned
and takes no agent time (Erlang A). An agent going off duty finishes its ticket.
The loop runs once per ticket, never per shopper.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulation.kernel.experiences import Experiences
from simulation.kernel.limits import MAX_AGENTS_ON_DUTY, agents_out_of_bounds
from simulation.kernel.timed_events import DayBuckets
from simulation.kernel.scenario import Scenario
from simulation.kernel.operations import HOURS_PER_DAY
from simulation.kernel.strategy import Strategy

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
             priority: np.ndarray, until: float, staffing: Sequence[tuple[float, int]] = ()) -> list[tuple[int, float]]:
        """Add tickets (sorted by arrival, all before `until`) and play the desk up to `until`.
        `staffing`: (time, agents on duty from then), sorted, before `until`; a change
        goes before an arrival or a start at the same time.
        Returns (ticket, wait) for each ticket decided: wait NaN if it was abandoned."""
        decided: list[tuple[int, float]] = []
        pending = zip(ids.tolist(), arrivals.tolist(), handle.tolist(), patience.tolist(), priority.tolist())
        upcoming = next(pending, None)
        changes = iter(staffing)
        change = next(changes, None)
        now = -math.inf
        inf = math.inf
        # Locals: the loop runs once per ticket event, where attribute look-ups are a large share.
        tickets, waiting, deadlines, decide = self.tickets, self.waiting, self.deadlines, decided.append
        heappop, heappush, heapreplace = heapq.heappop, heapq.heappush, heapq.heapreplace
        agents = self.agent_free_at   # set_agents replaces the list: refetched after it
        while True:
            if tickets and agents:
                next_start = agents[0]
                if now > next_start:
                    next_start = now
            else:
                next_start = inf
            next_arrival = upcoming[1] if upcoming else inf
            next_change = change[0] if change else inf
            if next_start >= until and next_arrival >= until and next_change >= until:
                break
            if next_change <= next_start and next_change <= next_arrival:
                now = next_change
                if change[1] != len(agents):
                    self.set_agents(change[1], now)
                    agents = self.agent_free_at
                change = next(changes, None)
                continue
            if next_start <= next_arrival:
                now = next_start
                _, arrival, ticket = heappop(waiting)
                entry = tickets.pop(ticket, None)
                if entry is None:   # already abandoned
                    continue
                _, handling, deadline = entry
                if deadline < now:
                    decide((ticket, math.nan))
                    continue
                heapreplace(agents, now + handling)
                decide((ticket, now - arrival))
            else:
                ticket, now, handling, limit, rank = upcoming
                tickets[ticket] = (now, handling, now + limit)
                heappush(waiting, (-rank, now, ticket))
                if limit < inf:
                    heappush(deadlines, (now + limit, ticket))
                upcoming = next(pending, None)
        # Patience that ran out today, while still waiting (its waiting entry is dropped when popped).
        while self.deadlines and self.deadlines[0][0] < until:
            _, ticket = heapq.heappop(self.deadlines)
            if self.tickets.pop(ticket, None) is not None:
                decided.append((ticket, math.nan))
        return decided


def percentile_90(values: np.ndarray) -> float:
    """np.percentile(values, 90) (linear interpolation), NaN when empty: without its
    overhead, which costs more than the day's queue on a small desk."""
    if values.size == 0:
        return math.nan
    ordered = np.sort(values)
    position = 0.9 * (ordered.size - 1)
    low = int(position)
    high = min(low + 1, ordered.size - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def hour_of(times: np.ndarray) -> np.ndarray:
    """The hour of the day (0-23) of each time, in days."""
    return np.minimum((times % 1.0 * HOURS_PER_DAY).astype(np.int64), HOURS_PER_DAY - 1)


class ServiceDesk:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets,
                 strategies: list[Strategy], rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.satisfaction = scenario.satisfaction
        self.experiences = experiences
        self.tickets = tickets
        self.strategies = strategies
        self.rng = rng
        # The strategy's draws (chatbot failures, resolution) come from a stream of their
        # own, so switching them on leaves the desk's arrivals-to-handling draws as they were.
        self.strategy_rng = rng.spawn(1)[0]
        self.queue = AgentQueue([0.0] * self.config.agents)
        self.ticket_of: dict[int, tuple[int, float]] = {}   # queued ticket: (shopper, arrival time)
        self.next_ticket = 0
        self.waits_all: list[np.ndarray] = []   # minutes, tickets answered by an agent
        # Tickets answered by an agent and their total wait (minutes), by hour of arrival.
        self.answered_by_hour = np.zeros(HOURS_PER_DAY, dtype=np.int64)
        self.wait_minutes_by_hour = np.zeros(HOURS_PER_DAY)

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

    def staffing(self, day: int, on_duty: np.ndarray) -> list[tuple[float, int]]:
        """Today's staffing changes on the hour; with the same count all day, set it now."""
        if np.all(on_duty == on_duty[0]):
            if len(self.queue.agent_free_at) != on_duty[0]:
                self.queue.set_agents(int(on_duty[0]), float(day))
            return []
        return [(day + hour / HOURS_PER_DAY, int(count)) for hour, count in enumerate(on_duty)
                if hour == 0 or count != on_duty[hour - 1]]

    def chatbot_failures(self, deflected: np.ndarray) -> np.ndarray:
        c = self.config
        if not c.enabled or c.chatbot_failure_rate == 0 or not deflected.any():
            return np.zeros(deflected.shape, dtype=bool)
        return deflected & (self.strategy_rng.random(deflected.size) < c.chatbot_failure_rate)

    def unresolved(self, answered: np.ndarray) -> np.ndarray:
        c = self.config
        if not c.enabled or c.first_contact_resolution == 1 or not answered.any():
            return np.zeros(answered.shape, dtype=bool)
        return answered & (self.strategy_rng.random(answered.size) >= c.first_contact_resolution)

    def repeat_tickets(self, day: int, shopper: np.ndarray, answered_at: np.ndarray) -> None:
        """Unresolved: the shopper asks again, a day or more after the answer (so on a later day)."""
        extra = self.config.repeat_delay_days - 1.0
        delay = 1.0 + self.strategy_rng.standard_exponential(shopper.size) * extra
        self.tickets.add(np.maximum(answered_at + delay, day + 1.0), shopper=shopper)

    def run_day(self, day: int, today: dict[str, float]) -> None:
        c, sat = self.config, self.satisfaction
        on_duty = c.agents_by_hour()
        if on_duty.max(initial=0) > MAX_AGENTS_ON_DUTY:
            raise agents_out_of_bounds(day, int(on_duty.max()))
        staffing = self.staffing(day, on_duty)
        arrived = self.tickets.take(day)
        shopper, arrival = arrived["shopper"].astype(np.int64), self.hours_of_arrival(day, arrived["time"])
        at_night = c.night_hours()[hour_of(arrival)]
        deflection = c.chatbot_deflection
        if c.enabled and c.night_chatbot:
            deflection = np.where(at_night, c.night_chatbot_deflection, c.chatbot_deflection)
        deflected = self.rng.random(len(shopper)) < deflection
        failed = self.chatbot_failures(deflected)
        self.experiences.satisfaction_change(day, shopper[deflected & ~failed], sat.ticket_resolved)
        self.experiences.satisfaction_change(day, shopper[failed], -c.chatbot_failure_penalty)
        to_agents = ~deflected | failed
        queued, queued_at = shopper[to_agents], arrival[to_agents]
        ids = np.arange(self.next_ticket, self.next_ticket + len(queued))
        self.next_ticket += len(queued)
        self.ticket_of.update(zip(ids.tolist(), zip(queued.tolist(), queued_at.tolist())))
        decided = self.queue.play(ids, queued_at, self.handle_days(len(ids)), self.patience_days(len(ids)),
                                  self.priority(queued), until=day + 1.0, staffing=staffing)
        tickets = [self.ticket_of.pop(ticket) for ticket, _ in decided]
        who = np.array([shopper_id for shopper_id, _ in tickets], dtype=np.int64)
        arrived_at = np.array([time for _, time in tickets], dtype=float)
        waits = np.array([wait for _, wait in decided], dtype=float) * MINUTES_PER_DAY
        answered = ~np.isnan(waits)
        change = np.where(answered, sat.ticket_resolved - sat.wait_per_hour * np.nan_to_num(waits) / 60.0,
                          -sat.ticket_abandoned)
        unresolved = self.unresolved(answered)
        if unresolved.any():
            change = change - np.where(unresolved, c.unresolved_penalty, 0.0)
            self.repeat_tickets(day, who[unresolved], arrived_at[unresolved] + waits[unresolved] / MINUTES_PER_DAY)
        self.experiences.satisfaction_change(day, who, change)
        served_waits = waits[answered]
        self.waits_all.append(served_waits)
        self.record_by_hour(arrived_at[answered], served_waits)
        answered_at_night = c.night_hours()[hour_of(arrived_at[answered])]
        today["tickets"] = len(shopper)
        today["tickets_night"] = int(np.count_nonzero(at_night))
        today["tickets_night_answered"] = int(np.count_nonzero(answered_at_night))
        today["service_wait_night_minutes"] = float(served_waits[answered_at_night].sum())
        today["tickets_deflected"] = int(deflected.sum())
        today["tickets_answered"] = int(answered.sum())
        today["tickets_abandoned"] = int((~answered).sum())
        today["service_wait_mean_min"] = float(served_waits.mean()) if served_waits.size else float("nan")
        today["service_wait_p90_min"] = percentile_90(served_waits)
        today["agent_hours"] = int(on_duty.sum())
        today["chatbot_failures"] = int(failed.sum())
        today["tickets_unresolved"] = int(unresolved.sum())

    def hours_of_arrival(self, day: int, times: np.ndarray) -> np.ndarray:
        """Today's tickets' arrival times: as they came, or with `tickets_by_hour` set, at an
        hour of today drawn from its shares (uniform within the hour), in time order. Drawn
        from the strategy's stream, so the uniform desk's draws stay as they were."""
        shares = self.config.hour_shares()
        if shares is None or not times.size:
            return times
        draws = self.strategy_rng.random((2, times.size))
        hour = np.minimum(np.searchsorted(np.cumsum(shares), draws[0], side="right"), HOURS_PER_DAY - 1)
        return np.sort(day + (hour + draws[1]) / HOURS_PER_DAY)

    def record_by_hour(self, arrival: np.ndarray, waits_minutes: np.ndarray) -> None:
        hour = hour_of(arrival)
        self.answered_by_hour += np.bincount(hour, minlength=HOURS_PER_DAY)
        self.wait_minutes_by_hour += np.bincount(hour, weights=waits_minutes, minlength=HOURS_PER_DAY)

    def mean_wait_by_hour(self) -> np.ndarray:
        """Mean wait (minutes) of the tickets answered by an agent, by hour of arrival; NaN where none."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.wait_minutes_by_hour / self.answered_by_hour
