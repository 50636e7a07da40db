"""Pre-sale with a deposit (预售: 定金, then 尾款), as Tmall's Double 11 pre-sale works.

Mechanism, in a strategist's words: for `deposit_days` from `deposit_start_day` the
platform takes deposits on a pre-sale deal. A shopper who puts goods in the cart on a
visit in that window and would have left without ordering pays a deposit instead with
probability `deposit_probability` (the deal converts part of the abandoned carts: the
conversion lift of the deal). The deposit is `deposit_share` of the pre-sale basket,
whose price is drawn from the shopper's own spending (its Gamma-Gamma order values),
and it is worth `deposit_multiplier` times itself off the final price (定金膨胀, "pay
100, get 150 off"). Then the final-payment window opens (`final_payment_day`, for
`final_payment_days`): each depositor comes back on a day of it, at a time drawn
uniformly, and pays the balance: an order of the basket's value, on which the deposit's
extra value is a discount. A share `forfeit_probability` of depositors never pay the
balance; their deposits are forfeited at the end of the final-payment window, and so
are those of depositors who left the platform (latent dropout) before paying.

Money. A deposit held is not revenue: nothing is booked when it is paid (the daily
column `presale_deposit_value` is a memo). When the balance is paid the order is booked
by the kernel like any other: `gmv` the basket, `discounts` the deposit's extra value
(deposit x (multiplier - 1)), so what the shopper paid in all, deposit + balance, is the
basket less that extra value. A forfeited deposit is revenue with no goods shipped and no
cost of goods, booked on its own ledger line `forfeited_deposits` (through
`Strategy.book_forfeited_deposits`, on the day the final-payment window closes), not
among membership fees; revenue includes it (docs/metrics.md, "Money: the books").

Where the default numbers come from:
- Windows: the deposit window opens a few weeks before the sale and the balance is
  paid in its first days (below); `deposit_start_day` 280, `deposit_days` 14,
  `final_payment_day` 304, `final_payment_days` 3 put it in October and the first days
  of November in a year that starts on 1 January. The lengths are assumptions.
- `deposit_share` 0.2 and `deposit_multiplier` 1.5: deposits of a fifth of the price and
  "100 deposit, 150 off" are common pre-sale terms; assumptions here. Tmall's 2019
  Double 11 pre-sale rule summary (as reposted on shopping-guide sites) gives a richer example, "付定金立减": price 1000, deposit 100,
  200 off, so 100 + 700 balance = 800 (in this model a deposit_multiplier of 3).
  That summary also shows the windows: deposits from 21 October, the balance from
  1 November; the 618 pre-sale took deposits 25-31 May and the balance on 1 June.
- `deposit_probability` 0.05: an assumption (a twentieth of the abandoned carts in
  the window turn into a deposit); calibrate with the platform's own pre-sale.
- `forfeit_probability` 0.1: an assumption; how many forfeit is the platform's own data.
  The rule: a deposit is not refunded when the buyer does not pay the balance on time,
  or asks for a refund that the rules judge not the seller's fault (因消费者自身原因未如期
  支付尾款, 判定为非卖家责任的, 定金均不退还), unless buyer and seller agree; this is a
  rule summary, as Tmall's pre-sale rules (《天猫预售业务管理规范》, with 《天猫规则》) are
  commonly restated for shoppers before Double 11 and 618, not the rules' own text.

Simplified: one pre-sale per run, one deposit per shopper; the pre-sale does not take
orders away from the window (no cannibalisation, no deferred purchases); the balance
order is paid on the depositor's forced visit, or on its first order in the final
window if that comes before (the visit's own basket is then replaced by the pre-sale
basket); a depositor who left (latent dropout) forfeits. Runs after logistics (order
80 > 50): a balance order worth the free-shipping threshold is marked to ship free here.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from simulation.kernel.api import Kpi, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin

PAYS, FORFEITS = 1, 2     # a depositor's intention, drawn when the deposit is paid
FORCED = 1e6              # a stage factor that makes the stage certain (the balance visit)


class Presale(StrategyConfig):
    deposit_start_day: int = Field(280, ge=0, description="First day deposits are taken.")
    deposit_days: int = Field(14, ge=1, description="Days deposits are taken.")
    final_payment_day: int = Field(304, ge=1, description="First day of the final-payment (balance) window.")
    final_payment_days: int = Field(3, ge=1, description="Days of the final-payment window; unpaid deposits are forfeited after it.")
    deposit_share: float = Field(0.2, gt=0, lt=1, description="The deposit as a share of the pre-sale basket's price.")
    deposit_multiplier: float = Field(
        1.5, ge=1, le=5, description="What a deposit is worth off the final price, as a multiple of itself (定金膨胀)."
    )
    deposit_probability: float = Field(
        0.05, ge=0, le=1, description="Chance a shopper who abandons a cart in the deposit window pays a deposit instead."
    )
    forfeit_probability: float = Field(0.1, ge=0, le=1, description="Chance a depositor does not pay the balance (the deposit is forfeited).")

    @model_validator(mode="after")
    def _windows_in_order(self):
        if self.final_payment_day < self.deposit_start_day + self.deposit_days:
            raise ValueError("final_payment_day must come after the deposit window")
        if self.deposit_share * self.deposit_multiplier >= 1:
            raise ValueError("deposit_share x deposit_multiplier must be below 1 (the deposit's worth is below the price)")
        return self


class PresaleStrategy(Strategy):
    name: ClassVar[str] = "presale"
    cost_category: ClassVar[str] = "retention"
    basket = ShopperColumn("presale_basket")
    deposit = ShopperColumn("presale_deposit")
    state = ShopperColumn("presale_state")
    pay_time = ShopperColumn("presale_pay_time")

    def __init__(self, config: Presale, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        s = platform.shoppers
        s.register_column("presale_basket", np.float64, 0.0)
        s.register_column("presale_deposit", np.float64, 0.0)   # held (not yet revenue); 0 once settled
        s.register_column("presale_state", np.int8, 0)
        s.register_column("presale_pay_time", np.float64, np.inf)
        self.depositors: list[np.ndarray] = []
        self.paying = np.empty(0, dtype=np.int64)   # depositors due to pay today (forced visit)
        self.counts = self._zero()

    @staticmethod
    def _zero() -> dict[str, float]:
        return dict.fromkeys(("presale_deposits", "presale_deposit_value", "presale_final_payments",
                              "presale_forfeits"), 0)

    def _in_deposit_window(self, day: int) -> bool:
        c = self.config
        return c.deposit_start_day <= day < c.deposit_start_day + c.deposit_days

    def start_day(self, day: int) -> None:
        c, s = self.config, self.platform.shoppers
        self.paying = np.empty(0, dtype=np.int64)
        if not self.depositors or not c.final_payment_day <= day < c.final_payment_day + c.final_payment_days:
            return
        who = np.concatenate(self.depositors)
        who = who[(self.state[who] == PAYS) & (self.deposit[who] > 0) & (np.floor(self.pay_time[who]) == day)
                  & s.alive[who]]
        # The balance visit is the depositor's first visit of the day (never lost behind an earlier one).
        self.pay_time[who] = np.minimum(s.next_visit[who], self.pay_time[who])
        s.next_visit[who] = self.pay_time[who]
        self.paying = who

    def carts_abandoned(self, day: int, who: np.ndarray, times: np.ndarray) -> None:
        c = self.config
        if not self._in_deposit_window(day) or who.size == 0:
            return
        who = np.unique(who)                                    # one deposit per shopper
        who = who[(self.state[who] == 0) & (self.rng.random(who.size) < c.deposit_probability)]
        if who.size == 0:
            return
        s = self.platform.shoppers
        basket = self.rng.standard_gamma(self.platform.scenario.behavior.spend.p, who.size) / s.spend_rate[who]
        self.basket[who] = basket
        self.deposit[who] = c.deposit_share * basket
        self.state[who] = np.where(self.rng.random(who.size) < c.forfeit_probability, FORFEITS, PAYS)
        self.pay_time[who] = c.final_payment_day + self.rng.random(who.size) * c.final_payment_days
        self.depositors.append(who)
        self.counts["presale_deposits"] += who.size
        self.counts["presale_deposit_value"] += float(self.deposit[who].sum())

    def funnel_varies_within_day(self) -> bool:
        return self.paying.size > 0   # a depositor's visit to pay, at its hour

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if self.paying.size == 0:
            return {}
        due = (self.pay_time[who] == at) & (self.deposit[who] > 0) & (self.state[who] == PAYS)
        if not due.any():
            return {}
        forced = np.where(due, FORCED, 1.0)
        return {"browse": forced, "cart": forced, "checkout": forced, "order": forced}

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        c = self.config
        if not self.depositors or len(orders) == 0 or day < c.final_payment_day:
            return
        buyers = orders.shopper
        settle = (self.state[buyers] == PAYS) & (self.deposit[buyers] > 0) & (orders.time >= c.final_payment_day) \
            & (orders.time < c.final_payment_day + c.final_payment_days)
        if not settle.any():
            return
        who = buyers[settle]
        basket = self.basket[who]
        orders.discount[settle] *= basket / orders.value[settle]     # a day's discount rate stays a rate
        orders.value[settle] = basket
        orders.discount[settle] = np.minimum(basket, orders.discount[settle]
                                             + self.deposit[who] * (c.deposit_multiplier - 1.0))
        free_over = self.platform.scenario.strategies.logistics    # logistics ran before us (order 50 < 80)
        if free_over.enabled and free_over.free_shipping_threshold is not None:
            orders.ships_free |= settle & (orders.value >= free_over.free_shipping_threshold)
        self.deposit[who] = 0.0
        self.counts["presale_final_payments"] += who.size

    def end_day(self, day: int) -> None:
        c = self.config
        if self.depositors and day == c.final_payment_day + c.final_payment_days - 1:
            who = np.concatenate(self.depositors)
            lost = who[self.deposit[who] > 0]
            forfeited = float(self.deposit[lost].sum())
            self.book_forfeited_deposits(forfeited)     # income with no goods, on its own ledger line
            self.deposit[lost] = 0.0
            self.counts["presale_forfeits"] += lost.size
        self.platform.today.update(self.counts)
        self.counts = self._zero()


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    total = float(np.sum(denominator))
    return float(np.sum(numerator)) / total if total else float("nan")


PLUGIN = StrategyPlugin(
    name="presale",
    config=Presale,
    strategy=PresaleStrategy,
    order=80,
    daily_columns={
        "presale_deposits": "Pre-sale deposits paid (shoppers).",
        "presale_deposit_value": "Pre-sale deposits paid, money (memo: held, not revenue).",
        "presale_final_payments": "Pre-sale balances paid: orders of pre-sale baskets.",
        "presale_forfeits": "Pre-sale deposits forfeited (balance never paid).",
    },
    levers=("deposit_share", "deposit_multiplier", "deposit_probability", "forfeit_probability"),
    kpis={
        "presale_deposits": Kpi("Pre-sale deposits paid.", lambda d: float(np.sum(d["presale_deposits"]))),
        "presale_conversion_to_final": Kpi(
            "Share of pre-sale deposits whose balance was paid.",
            lambda d: _ratio(d["presale_final_payments"], d["presale_deposits"]), "share"),
        "forfeiture_rate": Kpi(
            "Share of pre-sale deposits forfeited.",
            lambda d: _ratio(d["presale_forfeits"], d["presale_deposits"]), "share"),
    },
)
