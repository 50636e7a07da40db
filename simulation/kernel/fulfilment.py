"""Order fulfilment (docs/model.md §4): a first-in-first-out warehouse with a daily
capacity, then a carrier with random transit times; returns come back on delivery.

With the logistics strategy on (strategies/logistics.py) orders may go with one of
a mix of carriers, real-time tracking makes late orders raise fewer tickets, and the
platform pays the label of free returns; with the service_quality strategy's
proactive notices, a shopper whose order will be late is told when it ships. An order
delivered sooner than the norm pleases more (simulation/kernel/delivery_speed.py).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from simulation.kernel.delivery_speed import speed_satisfaction_gain
from simulation.kernel.experiences import Experiences
from simulation.kernel.ledger import Ledger
from simulation.kernel.levers import Levers
from simulation.kernel.scenario import Scenario
from simulation.kernel.timed_events import DayBuckets
from simulation.kernel.orders import OrderBatch

LOGISTICS = "logistics"


class Fulfilment:
    def __init__(self, scenario: Scenario, experiences: Experiences, tickets: DayBuckets, ledger: Ledger,
                 rng: np.random.Generator, levers: Levers | None = None) -> None:
        self.scenario = scenario
        self.levers = levers if levers is not None else Levers()   # today's: a carriers' slowdown
        self.experiences = experiences
        self.tickets = tickets
        self.ledger = ledger
        self.rng = rng
        # Carriers draw from a stream of their own, so a carrier mix leaves the
        # warehouse's other draws (tickets, returns) as they were.
        self.carrier_rng = rng.spawn(1)[0]
        # Orders waiting to ship, oldest first: one chunk of columns per day's orders, so
        # that a day ships from the front without copying the whole (growing) backlog.
        self.backlog: deque[dict[str, np.ndarray]] = deque()
        self.backlog_size = 0
        self.deliveries = DayBuckets(("shopper", "delivery_days", "refund", "return_probability", "notified"))

    @property
    def logistics(self):
        return self.scenario.strategies.logistics   # read live: policies may change it

    @property
    def service(self):
        return self.scenario.strategies.service_quality

    def transit_days(self, count: int) -> np.ndarray:
        mean, sd = self.logistics.transit_days_mean, self.logistics.transit_days_sd
        if sd == 0:
            return np.full(count, mean)
        shape = (mean / sd) ** 2
        return self.rng.gamma(shape, mean / shape, count)

    def carry(self, count: int) -> tuple[np.ndarray, float]:
        """Transit times of `count` shipped orders and what the carriers charge for them."""
        logistics = self.logistics
        if not (logistics.enabled and logistics.carriers):
            return self.transit_days(count), count * logistics.shipping_cost_per_order
        carriers = logistics.carriers
        pick, position = self.carrier_rng.random((2, count))
        which = np.minimum(np.searchsorted(np.cumsum([c.share for c in carriers]), pick, side="right"),
                           len(carriers) - 1)
        transit, cost = np.empty(count), 0.0
        for k, carrier in enumerate(carriers):
            mine = which == k
            transit[mine] = carrier.transit_days(position[mine])
            cost += carrier.cost_per_order * np.count_nonzero(mine)
        return transit, cost

    def raise_order_tickets(self, orders: OrderBatch) -> None:
        service = self.service
        asks = self.rng.random(len(orders)) < service.tickets_per_order
        delay = self.rng.standard_exponential(int(asks.sum())) * service.ticket_delay_days
        self.tickets.add(orders.time[asks] + delay, shopper=orders.shopper[asks])

    def run_day(self, day: int, orders: OrderBatch, today: dict[str, float]) -> None:
        self.raise_order_tickets(orders)
        self._ship(day, orders, today)
        self._deliver(day, today)

    def _ship(self, day: int, orders: OrderBatch, today: dict[str, float]) -> None:
        logistics, service = self.logistics, self.service
        self._queue({"shopper": orders.shopper, "time": orders.time, "refund": orders.value - orders.discount,
                     "return_probability": orders.return_probability})
        capacity, slowdown = logistics.capacity_per_day, self.levers.carrier_capacity_multiplier
        if slowdown != 1.0:     # the carriers take fewer parcels (the warehouse's cost stays)
            capacity = int(capacity * slowdown)
        ships = min(capacity, self.backlog_size)
        shipped = self._take(ships)
        transit, carrier_cost = self.carry(ships)
        if self.levers.transit_days_added:
            transit = transit + self.levers.transit_days_added
        delivered = (day + 1.0) + transit
        deadline = shipped["time"] + logistics.promised_days
        late = delivered > deadline
        # Proactive notices: the warehouse knows at shipping which orders will be late.
        notified = late if service.enabled and service.proactive_notices else np.zeros(ships, dtype=bool)
        self.deliveries.add(delivered, shopper=shipped["shopper"], delivery_days=delivered - shipped["time"],
                            refund=shipped["refund"], return_probability=shipped["return_probability"],
                            notified=notified)
        # A late order's shopper may ask where it is: when it becomes late, or today
        # if it became late while waiting in the backlog. Tracking and a notice make it rarer.
        asking = logistics.late_ticket_probability * logistics.late_ticket_factor()
        asks = late & (self.rng.random(ships) < np.where(notified, asking * service.notice_ticket_factor, asking))
        self.tickets.add(np.maximum(deadline[asks], float(day)), shopper=shipped["shopper"][asks])
        tracking = ships * logistics.tracking_cost_per_order if logistics.enabled and logistics.tracking else 0.0
        self.ledger.book_cost(LOGISTICS, "operations", logistics.capacity_per_day * logistics.cost_per_capacity_slot
                              + carrier_cost + tracking)
        today["shipped"] = ships
        today["late_notices"] = int(np.count_nonzero(notified))

    def _queue(self, orders: dict[str, np.ndarray]) -> None:
        """Orders join the back of the backlog (as floats, shopper indices included)."""
        if len(orders["time"]):
            self.backlog.append({name: values.astype(np.float64) for name, values in orders.items()})
            self.backlog_size += len(orders["time"])

    def _take(self, count: int) -> dict[str, np.ndarray]:
        """The `count` oldest orders of the backlog, first in first out."""
        parts = []
        self.backlog_size -= count
        while count:
            chunk = self.backlog[0]
            size = len(chunk["time"])
            if size <= count:
                parts.append(self.backlog.popleft())
                count -= size
            else:
                parts.append({name: values[:count] for name, values in chunk.items()})
                self.backlog[0] = {name: values[count:] for name, values in chunk.items()}
                count = 0
        columns = ("shopper", "time", "refund", "return_probability")
        if len(parts) == 1:
            return parts[0]
        return {name: np.concatenate([np.empty(0), *(part[name] for part in parts)]) for name in columns}

    def _deliver(self, day: int, today: dict[str, float]) -> None:
        arrived = self.deliveries.take(day)
        shopper, delivery_days = arrived["shopper"].astype(np.int64), arrived["delivery_days"]
        logistics, sat = self.logistics, self.scenario.satisfaction
        on_time = delivery_days <= logistics.promised_days
        late_loss = np.minimum(sat.late_delivery_max, sat.late_delivery_per_day * (delivery_days - logistics.promised_days))
        late_loss = np.where(arrived["notified"] > 0, late_loss * self.service.notice_satisfaction_factor, late_loss)
        change = np.where(on_time, sat.on_time_delivery, -late_loss)
        change = change + speed_satisfaction_gain(delivery_days, on_time, logistics.delivery_speed)
        self.experiences.satisfaction_change(day, shopper, change)
        returned = self.rng.random(len(shopper)) < arrived["return_probability"]
        returns = int(returned.sum())
        self.ledger.refunds += float(arrived["refund"][returned].sum())
        label = logistics.return_shipping_cost if logistics.enabled and logistics.free_returns else 0.0
        self.ledger.book_cost(LOGISTICS, "operations", returns * (logistics.cost_per_return + label))
        today["deliveries"] = len(shopper)
        today["on_time_deliveries"] = int(np.count_nonzero(on_time))
        today["on_time_rate"] = float(on_time.mean()) if len(shopper) else float("nan")
        today["delivery_days_mean"] = float(delivery_days.mean()) if len(shopper) else float("nan")
        today["returns"] = returns
        today["backlog"] = self.backlog_size
