"""Order fulfilment (docs/model.md §4): a first-in-first-out warehouse with a daily
capacity, then a carrier with random transit times; returns come back on delivery."""

from __future__ import annotations

import numpy as np

from simulation.experiences import Experiences
from simulation.ledger import Ledger
from simulation.scenario import Scenario
from simulation.timed_events import DayBuckets
from strategies.base import OrderBatch

LOGISTICS = "logistics"


class Fulfilment:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets, ledger: Ledger,
                 rng: np.random.Generator) -> None:
        self.scenario = scenario
        self.experiences = experiences
        self.tickets = tickets
        self.ledger = ledger
        self.rng = rng
        self.backlog = {name: np.empty(0) for name in ("shopper", "time", "refund", "return_probability")}
        self.deliveries = DayBuckets(("shopper", "delivery_days", "refund", "return_probability"))

    @property
    def logistics(self):
        return self.scenario.strategies.logistics   # read live: policies may change it

    def transit_days(self, count: int) -> np.ndarray:
        mean, sd = self.logistics.transit_days_mean, self.logistics.transit_days_sd
        if sd == 0:
            return np.full(count, mean)
        shape = (mean / sd) ** 2
        return self.rng.gamma(shape, mean / shape, count)

    def raise_order_tickets(self, orders: OrderBatch) -> None:
        service = self.scenario.strategies.service_quality
        asks = self.rng.random(len(orders)) < service.tickets_per_order
        delay = self.rng.standard_exponential(int(asks.sum())) * service.ticket_delay_days
        self.tickets.add(orders.time[asks] + delay, shopper=orders.shopper[asks])

    def run_day(self, day: int, orders: OrderBatch, today: dict[str, float]) -> None:
        self.raise_order_tickets(orders)
        self._ship(day, orders, today)
        self._deliver(day, today)

    def _ship(self, day: int, orders: OrderBatch, today: dict[str, float]) -> None:
        logistics = self.logistics
        queue = {"shopper": orders.shopper, "time": orders.time, "refund": orders.value - orders.discount,
                 "return_probability": orders.return_probability}
        queue = {name: np.concatenate([self.backlog[name], values]) for name, values in queue.items()}
        ships = min(logistics.capacity_per_day, len(queue["time"]))
        shipped = {name: values[:ships] for name, values in queue.items()}
        self.backlog = {name: values[ships:] for name, values in queue.items()}
        delivered = (day + 1.0) + self.transit_days(ships)
        self.deliveries.add(delivered, shopper=shipped["shopper"], delivery_days=delivered - shipped["time"],
                            refund=shipped["refund"], return_probability=shipped["return_probability"])
        # A late order's shopper may ask where it is: when it becomes late, or today
        # if it became late while waiting in the backlog.
        deadline = shipped["time"] + logistics.promised_days
        asks = (delivered > deadline) & (self.rng.random(ships) < logistics.late_ticket_probability)
        self.tickets.add(np.maximum(deadline[asks], float(day)), shopper=shipped["shopper"][asks])
        self.ledger.book_cost(LOGISTICS, "operations", logistics.capacity_per_day * logistics.cost_per_capacity_slot
                              + ships * logistics.shipping_cost_per_order)
        today["shipped"] = ships

    def _deliver(self, day: int, today: dict[str, float]) -> None:
        arrived = self.deliveries.take(day)
        shopper, delivery_days = arrived["shopper"].astype(np.int64), arrived["delivery_days"]
        logistics, sat = self.logistics, self.scenario.satisfaction
        on_time = delivery_days <= logistics.promised_days
        late_loss = np.minimum(sat.late_delivery_max, sat.late_delivery_per_day * (delivery_days - logistics.promised_days))
        self.experiences.satisfaction_change(day, shopper, np.where(on_time, sat.on_time_delivery, -late_loss))
        returned = self.rng.random(len(shopper)) < arrived["return_probability"]
        self.ledger.refunds += float(arrived["refund"][returned].sum())
        self.ledger.book_cost(LOGISTICS, "operations", int(returned.sum()) * logistics.cost_per_return)
        today["deliveries"] = len(shopper)
        today["on_time_deliveries"] = int(np.count_nonzero(on_time))
        today["on_time_rate"] = float(on_time.mean()) if len(shopper) else float("nan")
        today["delivery_days_mean"] = float(delivery_days.mean()) if len(shopper) else float("nan")
        today["returns"] = int(returned.sum())
        today["backlog"] = len(self.backlog["time"])
