"""Order fulfilment: a warehouse with a daily capacity, then a carrier; and what
a platform can do with its delivery promise, shipping and returns.

Mechanism, in a strategist's words: orders join the warehouse queue in the order
they were placed; each day the warehouse ships at most `capacity_per_day` of them
(the rest wait: a backlog). A shipped order spends a random transit time with the
carrier. An order delivered within `promised_days` of being placed is on time; a
late one disappoints the shopper (more the later it is) and may raise a "where is my
order?" ticket for the service desk. That much is the operation every platform has,
and runs whether or not the strategy is switched on.

Switched on (`enabled`), the platform can also:

* **Mix carriers.** `carriers` lists carriers `{name, share, transit_days_mean,
  transit_days_sd, cost_per_order}`; each shipped order goes with one of them, by
  share. Faster carriers deliver on time more often, so fewer shoppers are
  disappointed and fewer ask where their order is; they usually cost more. Without a
  list, the single carrier of `transit_days_mean`, `transit_days_sd` and
  `shipping_cost_per_order` ships everything.
* **Ship free over a threshold.** Orders worth at least `free_shipping_threshold`
  ship free. Shipping fees are the top reason shoppers give for abandoning a
  checkout, so a shopper whose basket would qualify completes checkout more often:
  the checkout -> order probability is multiplied by `1 + free_shipping_conversion_uplift
  x (the chance the order ships free)`, the chance taken from the shopper's own
  spending (its Gamma-Gamma order values). The engine applies that uplift once per
  visit, whoever grants the free shipping (a paid membership, this threshold, a
  sale), so grants do not stack. And shoppers top up: an order within `top_up_band` of
  the threshold (as a share of it) is raised to the threshold with probability
  `top_up_probability`.
* **Offer real-time tracking.** Shoppers who can see where their order is ask less:
  a late order raises a ticket with probability `late_ticket_probability x
  tracking_ticket_factor`. Tracking costs `tracking_cost_per_order` per shipped order.
* **Make returns free.** A free returns policy lowers the risk of buying: checkout
  -> order is multiplied by `1 + free_returns_conversion_uplift`; more is sent back:
  the return probability is multiplied by `free_returns_return_multiplier`; and the
  platform pays the return label, `return_shipping_cost` per return.

Money (simulation/kernel/ledger.py says who books each line). Every order that does
not ship free pays the `shipping_fee` (revenue: `shipping_fees`), the strategy on or off;
an order that ships free pays none, and that forgone fee is all free shipping costs: the
carrier's parcel cost (`shipping_cost_per_order`, or each carrier's `cost_per_order`) is
booked by the warehouse on every shipped order, free or not, so no fee is booked twice.
Costs are operations, under `cost_logistics`, all booked by the warehouse
(simulation/kernel/fulfilment.py).

Where the default numbers come from:
- `capacity_per_day` 2000 orders: well above the baseline platform's demand, so the
  baseline has no backlog; set it below demand to see one form.
- `transit_days_mean` 2.5 and `transit_days_sd` 1.0: typical domestic parcel
  ground services deliver in 1–5 business days. Carriers in `carriers` have gamma
  transit times like the single carrier's.
- `promised_days` 5: the delivery promise shown at checkout for standard shipping.
- `return_rate` 0.10: share of delivered orders sent back for a refund; general
  merchandise online returns are commonly put at 10-20 % of orders, apparel higher.
- costs: `shipping_cost_per_order` 8 (China's average express parcel: the State Post
  Bureau's statistical bulletin for 2024 gives about 175 billion parcels and about CNY
  1.4 trillion of express revenue, about CNY 8 a parcel; 2023: 132 billion parcels,
  CNY 1.2 trillion, about 9; docs/evidence.md), `cost_per_capacity_slot`
  0.5 a day (warehouse space and staff per order of daily capacity, paid whether
  used or not), `cost_per_return` 5 (receiving, inspecting and restocking a return;
  the return label is the shopper's unless returns are free). Assumptions to
  replace with the platform's own figures.
- `late_ticket_probability` 0.3: share of late orders whose shopper asks where it is
  (an assumption to calibrate with the platform's own data).
- Free shipping: in Baymard Institute's checkout-abandonment surveys "extra costs too
  high (shipping, tax, fees)" is the most cited reason, given by about half of those
  who abandon; with 40 % of checkouts abandoned at the order stage here, removing
  the shipping fee for half of them is about 10 points: `free_shipping_conversion_uplift`
  0.15 (0.60 -> 0.69), an assumption from that reading. In the UPS / comScore "Pulse
  of the Online Shopper" survey (2014, 5,800 US shoppers), adding items to the cart
  is the most common action taken to qualify for free shipping, by 58 % of shoppers
  (Pitney Bowes' 2015 holiday survey: three in five); that is "ever", so per order
  it is an upper bound: `top_up_probability` 0.5 within a `top_up_band` of 0.25 of
  the threshold (a shopper 25 % short adds an item; further off, it does not) are
  assumptions. `shipping_fee` 6: JD's base freight on a self-operated order below its
  free-shipping threshold (to be checked); less than the parcel costs: Chinese
  platforms subsidise shipping.
- Tracking: vendors of tracking software report 40–80 % fewer "where is my order?"
  contacts (self-reported case studies): `tracking_ticket_factor` 0.5 is a cautious
  reading. `tracking_cost_per_order` 0.10: a tracking-page and notification service
  per shipment, an assumption.
- Free returns: Baymard's surveys find about one abandoner in ten citing an
  unsatisfactory returns policy; fixing it for a third of them is
  `free_returns_conversion_uplift` 0.03 (an assumption from that reading). A
  meta-analysis of return-policy leniency (Janakiraman, Syrdal & Freling 2016,
  Journal of Retailing) finds leniency raises purchases and, less strongly, returns:
  `free_returns_return_multiplier` 1.2 is an assumption in that direction.
  `return_shipping_cost` 8: a prepaid return label, priced as an outbound parcel
  (`shipping_cost_per_order`).

Simplified: a carrier is drawn per order by share, not chosen by order or promise;
the free-shipping threshold applies to the order's value before discounts; a
shopper's chance of qualifying (for the checkout uplift) is taken from its usual
order values, without today's basket-size levers; top-ups raise an order exactly to
the threshold.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field
from scipy import special

from simulation.kernel.api import OrderBatch, Strategy, StrategyPlugin, Warehouse


class Logistics(Warehouse):
    """The warehouse (simulation/kernel/operations.py) and what the strategy adds at checkout."""

    free_shipping_threshold: float | None = Field(
        None, gt=0, description="Orders worth at least this ship free; null: no free shipping."
    )
    top_up_band: float = Field(
        0.25, ge=0, le=1, description="Orders this close below the threshold (share of it) may be topped up to it."
    )
    top_up_probability: float = Field(
        0.5, ge=0, le=1, description="Probability an order within the band is topped up to the threshold."
    )
    free_returns_conversion_uplift: float = Field(
        0.03, ge=0, description="Checkout -> order multiplier is 1 + this, with free returns."
    )
    free_returns_return_multiplier: float = Field(
        1.2, ge=0, description="Multiplies the return probability, with free returns."
    )

    def free_shipping_chance(self, spend_p: float, spend_rate: np.ndarray) -> np.ndarray:
        """Chance that an order of a shopper with Gamma-Gamma rate `spend_rate` ships free,
        top-ups included: P(value >= T) + top_up x P(T (1 - band) <= value < T)."""
        threshold = self.free_shipping_threshold
        rate = spend_rate.astype(np.float64)
        above = special.gammaincc(spend_p, threshold * rate)
        if self.top_up_probability == 0 or self.top_up_band == 0:
            return above
        near = special.gammaincc(spend_p, threshold * (1.0 - self.top_up_band) * rate) - above
        return above + self.top_up_probability * near


class LogisticsStrategy(Strategy):
    """Free shipping and free returns at checkout and on orders; carriers, tracking and
    return labels are played by the warehouse (simulation/kernel/fulfilment.py)."""

    name: ClassVar[str] = "logistics"
    cost_category: ClassVar[str] = "operations"

    def __init__(self, config: Logistics, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        platform.shoppers.register_column("free_shipping_chance", np.float32, 0.0)
        self.chance_for = self._settings()   # the settings free_chance is computed with

    @property
    def free_chance(self) -> np.ndarray:
        """Each shopper's chance that an order ships free (the column is reallocated as shoppers join)."""
        return self.platform.shoppers.free_shipping_chance

    def _settings(self) -> tuple:
        c = self.config
        return c.free_shipping_threshold, c.top_up_band, c.top_up_probability

    def _update_chances(self, who: np.ndarray) -> None:
        c = self.config
        if c.free_shipping_threshold is not None:
            spend_p = self.platform.scenario.behavior.spend.p
            self.free_chance[who] = c.free_shipping_chance(spend_p, self.platform.shoppers.spend_rate[who])

    def start_day(self, day: int) -> None:
        if self._settings() != self.chance_for:   # a policy moved the threshold
            self.chance_for = self._settings()
            self._update_chances(np.arange(self.platform.shoppers.n))

    def joined(self, day: int, new: np.ndarray) -> None:
        self._update_chances(new)

    def funnel_varies_within_day(self) -> bool:
        return False   # free returns and the free-shipping threshold hold all day

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        c = self.config
        if c.free_returns and c.free_returns_conversion_uplift:
            return {"order": 1.0 + c.free_returns_conversion_uplift}
        return {}

    def free_shipping_chance(self, who: np.ndarray, at: np.ndarray):
        """The chance the shopper's basket reaches the threshold (top-ups included); the
        engine turns it into the one free-shipping uplift at checkout."""
        if self.config.free_shipping_threshold is None:
            return 0.0
        return self.free_chance[who].astype(np.float64)

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        c = self.config
        if len(orders) == 0:
            return
        threshold = c.free_shipping_threshold
        if threshold is not None:
            value = orders.value
            near = (value < threshold) & (value >= threshold * (1.0 - c.top_up_band))
            topped = near & (self.rng.random(len(orders)) < c.top_up_probability)
            orders.discount[topped] *= threshold / value[topped]   # a discount as a share of the order grows with it
            orders.value[topped] = threshold
            orders.ships_free |= orders.value >= threshold
        if c.free_returns and c.free_returns_return_multiplier != 1.0:
            orders.return_probability[:] = np.minimum(1.0, orders.return_probability * c.free_returns_return_multiplier)


PLUGIN = StrategyPlugin(
    name="logistics",
    config=Logistics,
    strategy=LogisticsStrategy,
    order=50,
    levers=("capacity_per_day", "promised_days", "free_shipping_threshold", "tracking", "free_returns"),
)
