"""Order fulfilment (docs/model.md §4): a first-in-first-out warehouse with a daily
capacity, then a carrier with random transit times."""

from __future__ import annotations

import numpy as np

from simulation.experiences import Experiences
from simulation.shopper_step import DayOrders
from simulation.timed_events import DayBuckets
from simulation.scenario import Scenario


class Fulfilment:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets, rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.logistics = scenario.strategies.logistics
        self.experiences = experiences
        self.tickets = tickets
        self.rng = rng
        self.backlog_shopper = np.empty(0, dtype=np.int64)
        self.backlog_time = np.empty(0, dtype=np.float64)
        self.deliveries = DayBuckets(("shopper", "delivery_days"))
        self.delivery_days_all: list[np.ndarray] = []

    def transit_days(self, count: int) -> np.ndarray:
        mean, sd = self.logistics.transit_days_mean, self.logistics.transit_days_sd
        if sd == 0:
            return np.full(count, mean)
        shape = (mean / sd) ** 2
        return self.rng.gamma(shape, mean / shape, count)

    def raise_order_tickets(self, orders: DayOrders) -> None:
        service = self.scenario.strategies.service_quality
        asks = self.rng.random(len(orders.shopper)) < service.tickets_per_order
        delay = self.rng.standard_exponential(int(asks.sum())) * service.ticket_delay_days
        self.tickets.add(orders.time[asks] + delay, shopper=orders.shopper[asks])

    def run_day(self, day: int, orders: DayOrders, today: dict[str, float]) -> None:
        self.raise_order_tickets(orders)
        self._ship(day, orders)
        self._deliver(day, today)

    def _ship(self, day: int, orders: DayOrders) -> None:
        queue_shopper = np.concatenate([self.backlog_shopper, orders.shopper])
        queue_time = np.concatenate([self.backlog_time, orders.time])
        ships = min(self.logistics.capacity_per_day, len(queue_time))
        shopper, order_time = queue_shopper[:ships], queue_time[:ships]
        self.backlog_shopper, self.backlog_time = queue_shopper[ships:], queue_time[ships:]
        delivered = (day + 1.0) + self.transit_days(ships)
        self.deliveries.add(delivered, shopper=shopper, delivery_days=delivered - order_time)
        # A late order's shopper may ask where it is: when it becomes late, or today
        # if it became late while waiting in the backlog.
        deadline = order_time + self.logistics.promised_days
        late = delivered > deadline
        asks = late & (self.rng.random(ships) < self.logistics.late_ticket_probability)
        self.tickets.add(np.maximum(deadline[asks], float(day)), shopper=shopper[asks])

    def _deliver(self, day: int, today: dict[str, float]) -> None:
        arrived = self.deliveries.take(day)
        shopper, delivery_days = arrived["shopper"].astype(np.int64), arrived["delivery_days"]
        promised, sat = self.logistics.promised_days, self.scenario.satisfaction
        on_time = delivery_days <= promised
        late_loss = np.minimum(sat.late_delivery_max, sat.late_delivery_per_day * (delivery_days - promised))
        self.experiences.satisfaction_change(day, shopper, np.where(on_time, sat.on_time_delivery, -late_loss))
        self.delivery_days_all.append(delivery_days)
        today["deliveries"] = len(shopper)
        today["on_time_deliveries"] = int(np.count_nonzero(on_time))
        today["on_time_rate"] = float(on_time.mean()) if len(shopper) else float("nan")
        today["delivery_days_mean"] = float(delivery_days.mean()) if len(shopper) else float("nan")
        today["backlog"] = len(self.backlog_time)
