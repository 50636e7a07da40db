"""The money of one day: sales, what was given back, and what each strategy cost.

Revenue (net sales) = GMV - discounts - refunds + fees. Contribution = gross margin x
(GMV - refunds) - discounts + fees - costs: a discount comes wholly out of the margin, a
returned order loses the margin of its sale; fees (paid membership) have no cost of goods.
Every cost is booked under the strategy (or operation) that incurred it and is
either marketing or operations, so the costs by strategy sum to the total.
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
        self.fees = 0.0      # membership fees recognised today (income, not a negative cost)
        self.costs: dict[str, float] = defaultdict(float)            # by account (strategy)
        self.category_costs: dict[str, float] = defaultdict(float)   # by category: one account may book in several

    def book_cost(self, account: str, category: str, amount: float) -> None:
        self.costs[account] += amount
        self.category_costs[category] += amount

    def category_total(self, category: str) -> float:
        return self.category_costs[category]

    def day_row(self) -> dict[str, float]:
        revenue = self.gmv - self.discounts - self.refunds + self.fees
        acquisition, retention = self.category_total("acquisition"), self.category_total("retention")
        marketing, operations = acquisition + retention, self.category_total("operations")
        row = {"gmv": self.gmv, "discounts": self.discounts, "refunds": self.refunds, "fees": self.fees, "revenue": revenue,
               "acquisition_cost": acquisition, "marketing_cost": marketing, "operations_cost": operations,
               "contribution": self.gross_margin * (self.gmv - self.refunds) - self.discounts + self.fees
               - marketing - operations}
        row.update({f"cost_{account}": amount for account, amount in self.costs.items()})
        return row
