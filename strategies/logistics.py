"""Order fulfilment: a warehouse with a daily capacity, then a carrier.

Mechanism, in a strategist's words: orders join the warehouse queue in the order
they were placed; each day the warehouse ships at most `capacity_per_day` of them
(the rest wait: a backlog). A shipped order spends a random transit time with the
carrier. An order delivered within `promised_days` of being placed is on time; a
late one disappoints the shopper (more the later it is) and may raise a "where is my
order?" ticket for the service desk.

Where the default numbers come from:
- `capacity_per_day` 2000 orders: well above the baseline platform's demand, so the
  baseline has no backlog; set it below demand to see one form.
- `transit_days_mean` 2.5 and `transit_days_sd` 1.0: typical domestic parcel
  ground services deliver in 1–5 business days.
- `promised_days` 5: the delivery promise shown at checkout for standard shipping.
- `return_rate` 0.10: share of delivered orders sent back for a refund; general
  merchandise online returns are commonly put at 10-20 % of orders, apparel higher.
- costs: `shipping_cost_per_order` 6 (a domestic parcel), `cost_per_capacity_slot`
  0.5 a day (warehouse space and staff per order of daily capacity, paid whether
  used or not), `cost_per_return` 5 (return label and handling). Assumptions to
  replace with the platform's own figures.
- `late_ticket_probability` 0.3: share of late orders whose shopper asks where it is
  (an assumption to calibrate with the platform's own data).
"""

from __future__ import annotations

from pydantic import Field

from strategies.base import Config


class Logistics(Config):
    capacity_per_day: int = Field(2000, ge=1, description="Orders the warehouse can ship per day.")
    transit_days_mean: float = Field(2.5, gt=0, description="Mean carrier transit time, days (gamma distributed).")
    transit_days_sd: float = Field(1.0, ge=0, description="Standard deviation of carrier transit time, days.")
    promised_days: float = Field(5.0, gt=0, description="Delivery promise from order to door, days.")
    return_rate: float = Field(0.10, ge=0, le=1, description="Probability that a delivered order is returned for a refund.")
    shipping_cost_per_order: float = Field(6.0, ge=0, description="Carrier cost per shipped order.")
    cost_per_capacity_slot: float = Field(0.5, ge=0, description="Daily warehouse cost per order of capacity.")
    cost_per_return: float = Field(5.0, ge=0, description="Handling cost per returned order.")
    late_ticket_probability: float = Field(
        0.3, ge=0, le=1, description="Probability that a late order raises a 'where is my order?' ticket."
    )


CONFIG = Logistics
