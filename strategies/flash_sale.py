"""Flash sales (秒杀): a limited stock at a deep discount, released at a fixed hour on set days.

Mechanism, in a strategist's words:

* **When.** A sale runs on each of `days` and, with `every_days` > 0, every
  `every_days` days from `first_day`. It opens at `hour` and closes `duration_hours`
  later or when the stock is gone, whichever comes first.
* **Traffic spike.** The announced hour pulls shoppers in: each alive shopper comes
  for it with `visit_share`, an extra visit `arrival_minutes` after the opening on
  average (exponential: most arrive in the first minutes, a rush), within the window
  (by memorylessness, its natural visits go on as before).
* **Conversion lift.** A visit in the window while the stock lasts sees the deal: its
  browse -> add-to-cart probability is x `conversion_lift`.
* **Stock, first come first served.** Each order placed in the window takes one unit
  of the `stock_units` released, in time order, while units remain: it gets
  `discount_share` of its value off (booked as discounts). Orders after the stock ran
  out get no deal and pay full price (they came for the deal and bought at the shop's
  prices: the sale's item is a traffic driver, 引流款). The allocation is vectorised:
  the window's orders sorted by time, the first `units left` served.
* **Subsidy.** Optionally the platform pays `subsidy_per_unit` for each unit sold (a
  platform subsidy to the merchant, as in 百亿补贴 programmes), retention marketing.

Where the default numbers come from: all are assumptions to replace with the
platform's own sale data. `hour` 20 (an evening sale; 整点秒杀 on the hour, at 10:00 or
20:00, is the common format), `duration_hours` 1, `stock_units` 50 a sale (sized so
that it sells out within the hour on the baseline platform's traffic, about 6,000 visits
a day: about 60 orders come in the window), `discount_share` 0.5 (秒杀 prices are typically advertised at half price or
less), `visit_share` 0.05, `arrival_minutes` 10, `conversion_lift` 2.0, a weekly sale
from day 1; `subsidy_per_unit` 0 (no subsidy).

Simplified: the engine decides a day's orders in rounds (a shopper's first order of the
day, then the orders of those who come back the same day), and the stock is allocated in
time order within each round, the earlier rounds first: a shopper's second order of the
day can be served after another's later first order (rare: few shoppers order twice in a
day). Within the round in which the stock runs out, visits after that moment still see
the lift (the engine decides the round's orders together); from the next round on they
do not. One unit per order, and no limit per shopper (限购) beyond that. On a day when a
calendar event changes the visit-rate lever, the engine redraws every pending visit after
the strategies' morning, and the spike's extra visits of that day are lost.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import HOURS_PER_DAY, Kpi, OrderBatch, Strategy, StrategyConfig, StrategyPlugin, factor_where

MINUTES_PER_DAY = HOURS_PER_DAY * 60


class FlashSale(StrategyConfig):
    every_days: int = Field(7, ge=0, description="A sale every this many days from first_day (0: only the listed days).")
    first_day: int = Field(1, ge=0, json_schema_extra={"unit": "day"}, description="Day of the first periodic sale.")
    days: list[Annotated[int, Field(ge=0)]] = Field([], description="Days with a sale, besides the periodic ones.")
    hour: float = Field(20.0, ge=0, lt=24, json_schema_extra={"unit": "hour of day"},
                        description="Hour of the day the sale opens.")
    duration_hours: float = Field(1.0, gt=0, le=24, json_schema_extra={"unit": "hours"},
                                  description="Hours the sale stays open at most (it ends by midnight).")
    stock_units: int = Field(50, ge=0, description="Units released per sale; one per order, first come first served.")
    discount_share: float = Field(0.5, ge=0, le=1, description="Share of an order's value off when it gets a unit (a discount).")
    visit_share: float = Field(0.05, ge=0, le=1, description="Chance an alive shopper comes for the sale (an extra visit).")
    arrival_minutes: float = Field(10.0, gt=0, description="Mean minutes from the opening to such a visit (exponential).")
    conversion_lift: float = Field(
        2.0, gt=0, description="Browse -> add-to-cart multiplier on visits in the window while stock lasts.")
    subsidy_per_unit: float = Field(0.0, ge=0, description="Platform subsidy per unit sold, currency (retention marketing).")


class FlashSaleStrategy(Strategy):
    name: ClassVar[str] = "flash_sale"
    cost_category: ClassVar[str] = "retention"

    def __init__(self, config: FlashSale, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        self.sale_days = set(config.days)
        self.sale_today = False
        self.start = self.end = 0.0
        self.units_left = 0
        self.sold_out_at = np.inf
        self._reset_counts()

    def _reset_counts(self) -> None:
        self.counts = dict.fromkeys(("flash_sale_held", "flash_sale_stock", "flash_sale_visitors",
                                     "flash_sale_units_sold", "flash_sale_sold_out", "flash_sale_discounts",
                                     "flash_sale_missed"), 0.0)

    # --- the model, in functions a reader (and a test) can call -------------------------

    def is_sale_day(self, day: int) -> bool:
        c = self.config
        periodic = c.every_days > 0 and day >= c.first_day and (day - c.first_day) % c.every_days == 0
        return periodic or day in self.sale_days

    def in_window(self, at: np.ndarray) -> np.ndarray:
        return (at >= self.start) & (at < self.end)

    @staticmethod
    def allocate(times: np.ndarray, units: int) -> np.ndarray:
        """First come first served: which of these orders (in any order) get one of `units`,
        the earliest first (ties: the earlier listed). A boolean mask over `times`."""
        served = np.zeros(times.size, dtype=bool)
        if units > 0 and times.size:
            served[np.argsort(times, kind="stable")[:units]] = True
        return served

    # --- touchpoints ---------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        c = self.config
        self.sale_today = self.is_sale_day(day)
        if not self.sale_today:
            return
        self.start = day + c.hour / HOURS_PER_DAY
        self.end = min(self.start + c.duration_hours / HOURS_PER_DAY, day + 1.0)
        self.units_left = c.stock_units
        self.sold_out_at = np.inf if c.stock_units > 0 else self.start
        self.counts["flash_sale_held"] = 1
        self.counts["flash_sale_stock"] = c.stock_units
        if c.visit_share <= 0:
            return
        s = self.platform.shoppers
        alive = np.flatnonzero(s.alive[: s.n])
        come = alive[self.rng.random(alive.size) < c.visit_share]
        delay = self.rng.exponential(c.arrival_minutes / MINUTES_PER_DAY, come.size)
        when = self.start + np.minimum(delay, (self.end - self.start) * (1 - 1e-9))
        s.next_visit[come] = np.minimum(s.next_visit[come], when)
        self.counts["flash_sale_visitors"] = come.size

    def funnel_varies_within_day(self) -> bool:
        return self.sale_today and self.config.conversion_lift != 1.0   # the sale's window, until sold out

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if not self.sale_today or self.config.conversion_lift == 1.0 or who.size == 0:
            return {}
        return {"cart": factor_where(self.in_window(at) & (at < self.sold_out_at), self.config.conversion_lift)}

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        if not self.sale_today or len(orders) == 0:
            return
        window = np.flatnonzero(self.in_window(orders.time))
        if window.size == 0:
            return
        served = window[self.allocate(orders.time[window], self.units_left)]
        if served.size:
            c = self.config
            off = c.discount_share * (orders.value[served] - orders.discount[served])
            orders.discount[served] += off
            self.units_left -= served.size
            if self.units_left == 0:
                self.sold_out_at = float(orders.time[served].max())
                self.counts["flash_sale_sold_out"] = 1
            if c.subsidy_per_unit:
                self.book(c.subsidy_per_unit * served.size)
            self.counts["flash_sale_units_sold"] += served.size
            self.counts["flash_sale_discounts"] += float(off.sum())
        self.counts["flash_sale_missed"] += window.size - served.size

    def end_day(self, day: int) -> None:
        self.platform.today.update(self.counts)
        self._reset_counts()


def _sell_through(daily) -> float:
    stock = daily["flash_sale_stock"].sum()
    return float(daily["flash_sale_units_sold"].sum() / stock) if stock else float("nan")


PLUGIN = StrategyPlugin(
    name="flash_sale",
    config=FlashSale,
    strategy=FlashSaleStrategy,
    order=90,
    daily_columns={
        "flash_sale_held": "A flash sale ran today (0/1).",
        "flash_sale_stock": "Units released for today's sale.",
        "flash_sale_visitors": "Shoppers who came for the sale (extra visits in the window).",
        "flash_sale_units_sold": "Units sold at the sale's price (orders in the window that got the deal).",
        "flash_sale_sold_out": "The stock ran out before the window closed (0/1).",
        "flash_sale_discounts": "Discounts given on the sale's units, currency (part of discounts).",
        "flash_sale_missed": "Orders placed in the window after the stock ran out (full price).",
    },
    levers=("every_days", "stock_units", "discount_share", "visit_share", "conversion_lift", "subsidy_per_unit"),
    kpis={
        "flash_sale_sell_through": Kpi("Units sold / units released over the run's sales (NaN with none).",
                                       _sell_through, unit="share"),
        "flash_sale_units": Kpi("Units sold at the sale's price over the run.",
                                lambda daily: float(daily["flash_sale_units_sold"].sum()), unit="count"),
        "flash_sale_discounts": Kpi("Discounts given on the sale's units over the run, currency.",
                                    lambda daily: float(daily["flash_sale_discounts"].sum()), unit="money"),
    },
)
