"""Live-stream commerce with a KOL (key opinion leader, 达人 / 主播): sessions on set days,
paid by a slot fee plus a commission on the session's sales.

Mechanism, in a strategist's words:

* **Sessions.** A session runs on each `days` listed and, with `every_days` > 0, every
  `every_days` days from `first_day`, from `start_hour` for `duration_hours`.
* **Viewers.** On a session day every alive shopper may tune in: a follower of the
  host with `follower_watch_probability`, anyone else with `audience_share`. A viewer
  comes to the shop during the session (an extra visit at a uniform time within it;
  by memorylessness its natural visits go on as before). The session's `reach` brings
  new shoppers too, through the channel `livestream` (Poisson, mean
  `new_shoppers_per_session`); they watch and visit during it.
* **Conversion lift.** A viewer's visits during the session are pitched to: their
  browse -> add-to-cart probability is x `conversion_lift` (the host demonstrates,
  the price is the stream's, the link goes up: 上链接).
* **Followers.** After the session a share `follow_probability` of the viewers who
  did not follow the host yet follow now; followers visit x `follower_visit_factor`
  more often from the next day on (and watch the next sessions more often).
* **Returns.** An order placed by a viewer during the session is an impulse buy: its
  chance of being returned is x `return_factor`.

Costs (acquisition marketing, `cost_livestream`): the slot fee (坑位费) of each session,
booked that morning, and the commission (佣金), `commission_rate` x the GMV of the
session's orders, booked as they are placed.

Where the default numbers come from:
- Fee structure: a fixed slot fee per session plus a commission on the session's GMV
  is the common structure of KOL live-stream deals in China, with commissions commonly
  quoted at 20-30 % (more for beauty, less for appliances) and slot fees from a few
  thousand yuan for a mid-tier host to hundreds of thousands for the top ones (figures
  reported in Chinese industry press and industry reports on live-stream commerce, not
  measured here and varying widely by host and category). `commission_rate` 0.20 is
  the low end of that quoted range; `slot_fee` 2,000 a session is an assumption sized
  to the baseline platform (about 6,000 GMV a day), a small host, not a top KOL.
- Returns: live-stream purchases are reported to be returned far more often than
  ordinary e-commerce orders; apparel live-stream return rates of 30-50 % are commonly
  quoted in Chinese industry reports (reported figures, not measured here). With the
  baseline's 10 % return rate, `return_factor` 3 gives 30 %, the low end of that range.
- `new_shoppers_per_session` 300, `audience_share` 0.05, `follower_watch_probability`
  0.30, `conversion_lift` 2.0, `follow_probability` 0.10, `follower_visit_factor`
  1.10, a weekly 3-hour session from 20:00 (evening prime time) from day 1: assumptions to
  replace with the platform's own live-stream analytics (viewers, watch-to-buy rate,
  follower growth per session).

Simplified: a viewer whose natural visit falls earlier on the session day does not get
its extra visit (the extra visit is its next one only when it comes first: few, at the
baseline visit rates); new shoppers from the session join at any time of the day (the
engine's join times) and visit at the session's start at the earliest, so those who join
after it ends visit without the lift; the commission is on the GMV of orders placed and
is not clawed back on returns (platforms usually settle it on completed orders, so this
overstates the cost a little); a session's viewers are drawn independently each session;
the host's appeal does not wear out. On a day when a calendar event changes the visit-rate
lever, the engine redraws every pending visit after the strategies' morning, and the
session's extra visits of that day are lost.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field

from simulation.kernel.api import (
    HOURS_PER_DAY, Kpi, OrderBatch, ShopperColumn, Strategy, StrategyConfig, StrategyPlugin, factor_where,
)

CHANNEL = "livestream"


class Livestream(StrategyConfig):
    every_days: int = Field(7, ge=0, description="A session every this many days from first_day (0: only the listed days).")
    first_day: int = Field(
        1, ge=0, json_schema_extra={"unit": "day"},
        description="Day of the first periodic session (day 0's shoppers join after its morning: 1 by default).")
    days: list[Annotated[int, Field(ge=0)]] = Field([], description="Days with a session, besides the periodic ones.")
    start_hour: float = Field(20.0, ge=0, lt=24, json_schema_extra={"unit": "hour of day"},
                              description="Hour of the day the session starts.")
    duration_hours: float = Field(3.0, gt=0, le=24, json_schema_extra={"unit": "hours"},
                                  description="Length of a session, hours (it ends by midnight).")
    slot_fee: float = Field(2000.0, ge=0, description="Fixed fee per session (坑位费), currency (acquisition marketing).")
    commission_rate: float = Field(
        0.20, ge=0, le=1, description="Commission (佣金) on the GMV of the session's orders, a share (acquisition marketing).")
    new_shoppers_per_session: float = Field(
        300.0, ge=0, description="New shoppers a session brings, on average (Poisson), through the channel livestream.")
    audience_share: float = Field(
        0.05, ge=0, le=1, description="Chance an alive shopper who does not follow the host watches a session.")
    follower_watch_probability: float = Field(
        0.30, ge=0, le=1, description="Chance a follower of the host watches a session.")
    conversion_lift: float = Field(
        2.0, gt=0, description="Browse -> add-to-cart multiplier on a viewer's visits during the session.")
    follow_probability: float = Field(
        0.10, ge=0, le=1, description="Chance a viewer who does not follow the host yet follows after the session.")
    follower_visit_factor: float = Field(
        1.10, gt=0, description="Visit-rate multiplier for followers of the host (1 = no effect).")
    return_factor: float = Field(
        3.0, ge=0, description="Multiplies the return probability of an order placed by a viewer during the session.")


class LivestreamStrategy(Strategy):
    name: ClassVar[str] = "livestream"
    cost_category: ClassVar[str] = "acquisition"
    follower = ShopperColumn("livestream_follower")
    viewer_day = ShopperColumn("livestream_viewer_day")

    def __init__(self, config: Livestream, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        platform.shoppers.register_column("livestream_follower", np.bool_, False)
        platform.shoppers.register_column("livestream_viewer_day", np.int32, -1)   # the last session day watched
        self.channel = platform.channel_index(CHANNEL)
        self.session_days = set(config.days)
        self.viewers_today = np.empty(0, dtype=np.int64)
        self.any_followers = False
        self.day, self.session_today = 0, False
        self._reset_counts()

    def _reset_counts(self) -> None:
        self.counts = dict.fromkeys(("livestream_sessions", "livestream_viewers", "livestream_new_followers",
                                     "livestream_orders", "livestream_gmv", "livestream_slot_fees",
                                     "livestream_commissions"), 0.0)

    # --- the model, in functions a reader (and a test) can call -------------------------

    def is_session_day(self, day: int) -> bool:
        c = self.config
        periodic = c.every_days > 0 and day >= c.first_day and (day - c.first_day) % c.every_days == 0
        return periodic or day in self.session_days

    def window(self, day: int) -> tuple[float, float]:
        """The session's start and end, in days."""
        c = self.config
        start = day + c.start_hour / HOURS_PER_DAY
        return start, min(start + c.duration_hours / HOURS_PER_DAY, day + 1.0)

    def in_session(self, who: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Visits (or orders) by viewers of today's session, during it."""
        start, end = self.window(self.day)
        return (self.viewer_day[who] == self.day) & (at >= start) & (at < end)

    def _visit_during_session(self, day: int, who: np.ndarray, earliest: np.ndarray | float) -> None:
        """An extra visit at a uniform time within the session (not before `earliest`)."""
        start, end = self.window(day)
        when = np.maximum(start + self.rng.random(who.size) * (end - start), earliest)
        s = self.platform.shoppers
        s.next_visit[who] = np.minimum(s.next_visit[who], when)

    # --- touchpoints ---------------------------------------------------------------------

    def start_day(self, day: int) -> None:
        self.day = day
        self.session_today = self.is_session_day(day)
        if not self.session_today:
            return
        c, s = self.config, self.platform.shoppers
        self.book(c.slot_fee)
        self.counts["livestream_sessions"] += 1
        self.counts["livestream_slot_fees"] += c.slot_fee
        alive = np.flatnonzero(s.alive[: s.n])
        chance = np.where(self.follower[alive], c.follower_watch_probability, c.audience_share)
        viewers = alive[self.rng.random(alive.size) < chance]
        self.viewer_day[viewers] = day
        self._visit_during_session(day, viewers, float(day))
        self.viewers_today = viewers

    def acquire(self, day: int) -> dict[str, int]:
        if not self.session_today or self.config.new_shoppers_per_session <= 0:
            return {}
        return {CHANNEL: int(self.rng.poisson(self.config.new_shoppers_per_session))}

    def joined(self, day: int, new: np.ndarray) -> None:
        if not self.session_today:
            return
        s = self.platform.shoppers
        came = new[(s.channel[new] == self.channel) & s.alive[new]]
        if came.size:
            self.viewer_day[came] = day
            self._visit_during_session(day, came, s.join_time[came])
            self.viewers_today = np.concatenate([self.viewers_today, came])

    def visit_factor(self, who: np.ndarray):
        if not self.any_followers or self.config.follower_visit_factor == 1.0:
            return 1.0
        return factor_where(self.follower[who], self.config.follower_visit_factor)

    def funnel_varies_within_day(self) -> bool:
        return self.session_today and self.config.conversion_lift != 1.0   # the session's hours

    def stage_factors(self, who: np.ndarray, at: np.ndarray):
        if not self.session_today or self.config.conversion_lift == 1.0 or who.size == 0:
            return {}
        return {"cart": factor_where(self.in_session(who, at), self.config.conversion_lift)}

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        if not self.session_today or len(orders) == 0:
            return
        live = self.in_session(orders.shopper, orders.time)
        if not live.any():
            return
        gmv = float(orders.value[live].sum())
        commission = self.config.commission_rate * gmv
        self.book(commission)
        orders.return_probability[live] = np.minimum(orders.return_probability[live] * self.config.return_factor, 1.0)
        self.counts["livestream_orders"] += int(live.sum())
        self.counts["livestream_gmv"] += gmv
        self.counts["livestream_commissions"] += commission

    def end_day(self, day: int) -> None:
        if self.session_today:
            c, s = self.config, self.platform.shoppers
            viewers = self.viewers_today
            self.counts["livestream_viewers"] += viewers.size
            candidates = viewers[~self.follower[viewers] & s.alive[viewers]]
            follows = candidates[self.rng.random(candidates.size) < c.follow_probability]
            if follows.size:
                self.follower[follows] = True
                self.any_followers = True
                if c.follower_visit_factor != 1.0:
                    self.platform.redraw_visits(follows, day)   # at the follower's rate from tomorrow
            self.counts["livestream_new_followers"] += follows.size
            self.viewers_today = np.empty(0, dtype=np.int64)
        self.platform.today.update(self.counts)
        self._reset_counts()


def _roi(daily) -> float:
    cost = daily["livestream_slot_fees"].sum() + daily["livestream_commissions"].sum()
    return float(daily["livestream_gmv"].sum() / cost) if cost else float("nan")


PLUGIN = StrategyPlugin(
    name="livestream",
    config=Livestream,
    strategy=LivestreamStrategy,
    order=80,
    daily_columns={
        "livestream_sessions": "Live-stream sessions held (0 or 1).",
        "livestream_viewers": "Shoppers who watched the session (followers, other shoppers, and the new ones it brought).",
        "livestream_new_followers": "Viewers who followed the host after the session.",
        "livestream_orders": "Orders placed by viewers during the session.",
        "livestream_gmv": "GMV of the session's orders (before discounts and returns), currency.",
        "livestream_slot_fees": "Slot fees (坑位费) paid, currency.",
        "livestream_commissions": "Commissions (佣金) paid on the session's GMV, currency.",
    },
    channels=(CHANNEL,),
    levers=("every_days", "slot_fee", "commission_rate", "new_shoppers_per_session", "audience_share",
            "conversion_lift", "follow_probability", "return_factor"),
    kpis={
        "livestream_gmv": Kpi("GMV of orders placed by viewers during the sessions, currency.",
                              lambda daily: float(daily["livestream_gmv"].sum()), unit="money"),
        "livestream_roi": Kpi("Live-stream GMV per unit of slot fees and commissions (GMV / cost; NaN with no cost).",
                              _roi, unit="ratio"),
        "livestream_new_followers": Kpi("Shoppers who followed the host over the run.",
                                        lambda daily: float(daily["livestream_new_followers"].sum()), unit="count"),
    },
)
