"""The money of one day: sales, what was given back, fees, cost of goods, and what each
strategy and operation cost (docs/metrics.md, "Money: the books").

    revenue      = gmv - discounts - refunds + shipping_fees + membership_fees + forfeited_deposits
    cogs         = (1 - economics.gross_margin) x (gmv - refunds)      cost of goods sold
    contribution = revenue - cogs - (marketing_cost + operations_cost)

A discount comes wholly out of the margin; a returned order gives back what was paid for
it (value less discount) and its goods return to stock (no cost of goods); fees (shipping,
membership) and forfeited deposits have no cost of goods. Every cost is booked under the strategy (or
operation) that incurred it, as acquisition, retention (together: marketing) or
operations, so the costs by account (`cost_<account>`) sum to the total.

One owner per line: exactly one place in the code books each.

| line | booked by |
|---|---|
| `gmv`, `discounts` | `ShopperStep._record_orders` (simulation/kernel/shopper_step.py), the day's orders after every strategy's `orders_placed` |
| `shipping_fees` (and `free_shipping_orders`, `shipping_fees_waived`) | `ShopperStep._record_orders` through `Ledger.book_shipping`: the shopper pays `strategies.logistics.shipping_fee` on each order that does not ship free (`OrderBatch.ships_free`: a free-shipping calendar event, or a strategy granting it in `orders_placed`) |
| `refunds` | `Fulfilment._deliver` (simulation/kernel/fulfilment.py), when a delivered order is returned |
| `membership_fees` | `Strategy.book_fee` (the membership plugin's `end_day`: each member's fee, ratably over its term) |
| `forfeited_deposits` | `Strategy.book_forfeited_deposits` (the pre-sale plugin's `end_day`: deposits whose balance was never paid, on the day the final-payment window closes). A deposit held is not revenue; forfeited, it is income with no goods, on a line of its own so that membership fee revenue is only fees |
| `cogs` | `Ledger.day_row`, from `economics.gross_margin` |
| `cost_logistics` | `Fulfilment` (warehouse capacity, the carrier's parcel cost on every shipped order, tracking, return handling and labels); the logistics plugin books nothing else |
| `cost_service_quality` | one account for the desk, two owners of distinct costs: `Replication.steer` books the round-the-clock agents (the operation every platform runs); the service-quality plugin (`Strategy.book`) books its extras (shift agents, the chatbot, notices) |
| `cost_calendar` | `apply_calendar` (simulation/kernel/calendar_events.py): promotion spend |
| `cost_<strategy>` | that strategy, through `Strategy.book` |

Free shipping books no cost of its own: the carrier's parcel cost is booked on every
shipped order, free or not, and what free shipping costs the platform is the fee it does
not charge (`shipping_fees` is lower by `shipping_fees_waived`, a memo line that is not
added anywhere). So a waived fee is counted once, whoever granted the free shipping.
"""

from __future__ import annotations

from collections import defaultdict


class Ledger:
    def __init__(self, gross_margin: float) -> None:
        self.gross_margin = gross_margin
        self.start_day()

    def start_day(self) -> None:
        self.gmv = 0.0
        self.discounts = 0.0
        self.refunds = 0.0
        self.shipping_fees = 0.0          # shipping fees shoppers paid on today's orders (income)
        self.shipping_fees_waived = 0.0   # memo: fees not charged on orders that shipped free
        self.free_shipping_orders = 0
        self.membership_fees = 0.0        # membership fees recognised today (income, not a negative cost)
        self.forfeited_deposits = 0.0     # pre-sale deposits forfeited today (income with no goods)
        self.costs: dict[str, float] = defaultdict(float)            # by account (strategy)
        self.category_costs: dict[str, float] = defaultdict(float)   # by category: one account may book in several

    def book_cost(self, account: str, category: str, amount: float) -> None:
        self.costs[account] += amount
        self.category_costs[category] += amount

    def book_shipping(self, orders: int, ships_free: int, fee: float) -> None:
        """Of `orders` placed, `ships_free` ship free: the others pay `fee` each."""
        self.shipping_fees += fee * (orders - ships_free)
        self.shipping_fees_waived += fee * ships_free
        self.free_shipping_orders += ships_free

    def category_total(self, category: str) -> float:
        return self.category_costs[category]

    def day_row(self) -> dict[str, float]:
        revenue = (self.gmv - self.discounts - self.refunds + self.shipping_fees + self.membership_fees
                   + self.forfeited_deposits)
        cogs = (1.0 - self.gross_margin) * (self.gmv - self.refunds)
        acquisition, retention = self.category_total("acquisition"), self.category_total("retention")
        marketing, operations = acquisition + retention, self.category_total("operations")
        row = {"gmv": self.gmv, "discounts": self.discounts, "refunds": self.refunds,
               "shipping_fees": self.shipping_fees, "membership_fees": self.membership_fees,
               "forfeited_deposits": self.forfeited_deposits, "revenue": revenue,
               "cogs": cogs, "acquisition_cost": acquisition, "marketing_cost": marketing,
               "operations_cost": operations, "contribution": revenue - cogs - marketing - operations,
               "free_shipping_orders": self.free_shipping_orders, "shipping_fees_waived": self.shipping_fees_waived}
        row.update({f"cost_{account}": amount for account, amount in self.costs.items()})
        return row
