"""Cross-channel: paid channels, omnichannel integration, pick-up in store, and CRM messages.

Mechanism, in a strategist's words:

* **Channel mix (paid acquisition).** The platform buys shoppers in five channels:
  its app, its web shop, a social mini-program, a marketplace storefront and its
  offline stores. Each channel has a daily budget (`spend_per_day`) and a cost per
  shopper at small budgets (`cac`). Returns diminish as the budget grows: a channel
  brings `spend / cac / (1 + spend / saturation_spend_per_day)` shoppers a day, so
  at `saturation_spend_per_day` each shopper costs twice `cac`. Only prospects can be
  bought, so this is scaled by the share of the market not yet on the platform (and
  the engine never takes more than the prospects left). The budget is booked as
  acquisition marketing, so the `cac` KPI (acquisition cost / shoppers acquired)
  shows it. Shoppers differ by the channel that brought them: a channel's
  `visit_factor` multiplies how often they come (and so buy), its `dropout_factor`
  their chance of leaving after a purchase (marketplace shoppers are loyal to the
  marketplace, not to the shop: they buy less often and leave sooner).
* **Omnichannel integration.** Every shopper starts with one channel (the one that
  bought it, or `omnichannel.organic_channel` for shoppers who came by themselves).
  With the channels integrated (one account, one cart, one stock across app, web and
  stores), a single-channel shopper starts using a second channel with probability
  `second_channel_probability` on each order. Shoppers who use two or more channels
  come back more often (`visit_multiplier`), spend more per order
  (`order_value_multiplier`) and drop out less (`dropout_multiplier`). Integration
  costs `cost_per_day` (operations).
* **Buy online, pick up in store (BOPIS).** A share of orders is picked up in a store:
  the shopper now uses the store channel too (so can become omnichannel), the trip
  adds an unplanned extra basket with probability `extra_basket_probability`, of
  `extra_basket_size` times a fresh draw of the shopper's usual order value, and the
  pick-up itself (no carrier to wait for) raises satisfaction by `satisfaction_gain`
  at the end of the day. Store handling costs `handling_cost_per_order` (operations).
* **CRM e-mail and push.** Subscribed shoppers (a share `opt_in_share` of joiners)
  who are observed active get `messages_per_week`; lapsed ones (no order for
  `behavior.churn_window_days`) get `lapsed_messages_per_week` win-back messages.
  Messages go out on a fixed calendar (at the end of the day; with 2 a week, two days
  in seven). A message raises the recipient's visit rate by `visit_lift` for the next
  `boost_days` days (a message while boosted extends the boost, it does not stack).
  Fatigue: at `f` messages a week the lift is `visit_lift / (1 + fatigue * (f - 1))`
  (f above 1). Each message makes the recipient unsubscribe with probability
  `unsubscribe_probability * (1 + unsubscribe_fatigue * (f - 1))`; unsubscribed
  shoppers get no more messages. Win-back messages reactivate lapsed shoppers who
  have not truly left (BG/NBD's latently alive but slow buyers): their boosted
  visits bring orders, counted as `reactivated`. Each message costs
  `cost_per_message` (retention marketing).

Attribution (the `retention_share_social` KPI): a shopper's visits come evenly through the
channels it uses, so an order by a shopper using the social mini-program and one other
channel came through social with chance 1/2. The social mini-program is the plugin's social
channel for `acquisition_share_social`.

Where the default numbers come from:
- Paid channels: budgets default to 0 (nothing bought until a scenario says so).
  `cac` (app 12, web 10, social 8, marketplace 6, store 15) and
  `saturation_spend_per_day` 3,000: assumptions, of the order of the baseline's
  first-year gross margin per shopper (`clv_365` about 16, mean order about 35), so
  that whether a channel pays back is a close call to read in `ltv_cac` and
  `contribution` (which also pays shipping); replace them with the platform's own
  attribution. Diminishing returns to advertising spend, without an S-shape, is the
  usual finding (Simon & Arndt 1980, "The shape of the advertising response
  function", Journal of Advertising Research); the doubling-at-saturation form is an
  assumption.
- Channel quality factors (app visit 1.3 / dropout 0.8, web 1.0 / 1.0, social 0.9 /
  1.2, marketplace 0.7 / 1.3, store 1.1 / 0.9): assumptions that encode the usual
  ordering (app users are the most engaged: apps convert far better than mobile web
  in Criteo's Global Commerce Reviews; marketplace and social-ad shoppers are the
  least loyal to the shop); calibrate them with cohort retention by channel.
- Omnichannel: in Sopadjieva, Dholakia & Benjamin (2017, "A Study of 46,000 Shoppers
  Shows That Omnichannel Retailing Works", Harvard Business Review), omnichannel
  customers spent 4 % more per store visit and 10 % more online than single-channel
  ones, and made 23 % more repeat shopping trips within six months: hence
  `visit_multiplier` 1.23 and `order_value_multiplier` 1.07 (between 4 and 10 %).
  The study also found them more loyal but gave no churn figure: `dropout_multiplier`
  0.85 is an assumption. It is an observational study; treating its differences as
  the effect of becoming omnichannel is this model's assumption.
  `second_channel_probability` 0.05 per order and `cost_per_day` 200 (an order
  management system and shared stock, about 73,000 a year): assumptions.
- BOPIS: `share` defaults to 0 (no stores offering pick-up). `extra_basket_probability`
  0.37: OrderDynamics' 2018 survey of 1,600 North American shoppers ("The Rise of the
  Click and Collect Superconsumer") found 37 % make unplanned purchases when they pick
  up (other surveys report 45-85 %); frequent pick-up users spent about 40 more on
  them, about one typical order here, hence `extra_basket_size` 1.0.
  `satisfaction_gain` 0.01 equals `satisfaction.on_time_delivery` (a pick-up is on
  time by construction); `handling_cost_per_order` 1.0: an assumption.
- CRM: `messages_per_week` and `lapsed_messages_per_week` default to 0 (no programme).
  `unsubscribe_probability` 0.0026 per message: Mailchimp's Email Marketing
  Benchmarks put the average unsubscribe rate at about 0.26 % of recipients per
  campaign. "Too many e-mails" is the reason shoppers give most often for
  unsubscribing in marketer surveys; how fast it rises (`unsubscribe_fatigue` 0.1 per
  extra weekly message) is an assumption, as is `fatigue` 0.1. `visit_lift` 0.05 for
  `boost_days` 3: an assumption, giving on the order of one extra order per thousand
  messages to active shoppers, the size of e-commerce e-mail placed-order rates
  (about 0.1 % of recipients); calibrate it with a hold-out group. `opt_in_share`
  0.8: an assumption (most shoppers leave an e-mail address at checkout; push opt-in
  is lower). `cost_per_message` 0.005: sending-platform prices at volume plus a share
  of content production, an assumption.

Simplified or left for later: a BOPIS order still goes through the warehouse and the
carrier in the fulfilment model (its delivery time, on-time rate, shipping cost and
"where is my order?" tickets are those of a shipped order); only its value and the
pick-up's satisfaction change here. Omnichannel effects switch on at two channels
(the study found more value with every further channel). Messages lift visits as a
step of `boost_days` days rather than a smoothly decaying curve (the same area). A
win-back message cannot revive a shopper who has left for good (that is precision
marketing's win-back). Channel factors apply to shoppers bought in a paid channel,
not to organic shoppers. As in BG/NBD, a shopper may leave after each purchase, so a
lever that only raises visits also brings the next chance to leave sooner.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, create_model

from simulation.kernel.api import Config, OrderBatch, Strategy, StrategyConfig, StrategyPlugin

# The shopping channels, in the order of the bits of a shopper's "channels used" mask;
# also the acquisition channels this plugin declares (PLUGIN below).
SHOPPING_CHANNELS = ("app", "web", "social", "marketplace", "store")
STORE_BIT = np.uint8(1 << SHOPPING_CHANNELS.index("store"))
SOCIAL_BIT = np.uint8(1 << SHOPPING_CHANNELS.index("social"))
POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
LOWEST_BIT = np.array([(i & -i).bit_length() - 1 if i else 0 for i in range(256)], dtype=np.int8)

# Per-shopper state (registered as cross_channel_<name>): name, dtype, value before joining.
COLUMNS = (
    ("channels_used", np.uint8, 0),         # bit k: uses SHOPPING_CHANNELS[k]
    ("subscribed", np.bool_, False),        # can be messaged
    ("boost_until", np.int32, -1),          # last day a message's lift lasts
    ("boost_lift", np.float32, 0.0),        # that lift
    ("visit_factor", np.float32, 1.0),      # channel x omnichannel x message lift
    ("dropout_factor", np.float32, 1.0),    # channel x omnichannel
)

ShoppingChannel = Literal["app", "web", "social", "marketplace", "store"]


class PaidChannel(Config):
    spend_per_day: float = Field(0.0, ge=0, description="Acquisition budget of this channel, currency per day.")
    cac: float = Field(10.0, gt=0, description="Cost per shopper bought at small budgets, currency.")
    saturation_spend_per_day: float = Field(
        3000.0, gt=0, description="Budget per day at which each shopper costs twice `cac` (diminishing returns)."
    )
    visit_factor: float = Field(1.0, gt=0, description="Visit (and purchase) rate of this channel's shoppers, x organic.")
    dropout_factor: float = Field(1.0, gt=0, description="Dropout probability after a purchase of its shoppers, x organic.")

    def shoppers_per_day(self) -> float:
        """Expected shoppers bought per day in an untouched market."""
        spend = self.spend_per_day
        return spend / self.cac / (1.0 + spend / self.saturation_spend_per_day)


def _channel(name: str, cac: float, visit_factor: float, dropout_factor: float) -> type[PaidChannel]:
    """A PaidChannel whose defaults are this channel's, so a scenario that sets only a
    channel's budget keeps the channel's own cost and shopper quality."""
    return create_model(
        f"{name.capitalize()}Channel", __base__=PaidChannel,
        cac=(float, Field(cac, gt=0, description=PaidChannel.model_fields["cac"].description)),
        visit_factor=(float, Field(visit_factor, gt=0, description=PaidChannel.model_fields["visit_factor"].description)),
        dropout_factor=(float, Field(dropout_factor, gt=0, description=PaidChannel.model_fields["dropout_factor"].description)),
    )


AppChannel = _channel("app", 12.0, 1.3, 0.8)
WebChannel = _channel("web", 10.0, 1.0, 1.0)
SocialChannel = _channel("social", 8.0, 0.9, 1.2)
MarketplaceChannel = _channel("marketplace", 6.0, 0.7, 1.3)
StoreChannel = _channel("store", 15.0, 1.1, 0.9)


class Channels(Config):
    """Paid acquisition by channel (the channel mix)."""

    app: AppChannel = Field(AppChannel(), description="App-install and in-app campaigns.")
    web: WebChannel = Field(WebChannel(), description="Search and display ads to the web shop.")
    social: SocialChannel = Field(SocialChannel(), description="Social-network ads to the social mini-program.")
    marketplace: MarketplaceChannel = Field(MarketplaceChannel(), description="Sponsored listings of the marketplace storefront.")
    store: StoreChannel = Field(StoreChannel(), description="Sign-ups in the offline stores (staff, promotions).")


class Omnichannel(Config):
    integration: bool = Field(False, description="Channels joined up (one account, cart and stock): shoppers pick up more channels.")
    organic_channel: ShoppingChannel = Field("web", description="First channel of shoppers who were not bought in a paid channel.")
    second_channel_probability: float = Field(
        0.05, ge=0, le=1, description="With integration: chance per order that a single-channel shopper starts using another channel."
    )
    visit_multiplier: float = Field(1.23, gt=0, description="Visit rate of shoppers using 2+ channels, x single-channel.")
    order_value_multiplier: float = Field(1.07, gt=0, description="Order value of shoppers using 2+ channels, x single-channel.")
    dropout_multiplier: float = Field(0.85, gt=0, description="Dropout probability of shoppers using 2+ channels, x single-channel.")
    cost_per_day: float = Field(200.0, ge=0, description="Cost of running the integration, currency per day (operations), when on.")


class Bopis(Config):
    share: float = Field(0.0, ge=0, le=1, description="Share of orders picked up in a store (buy online, pick up in store).")
    extra_basket_probability: float = Field(
        0.37, ge=0, le=1, description="Chance that a pick-up trip adds an unplanned extra basket."
    )
    extra_basket_size: float = Field(
        1.0, ge=0, description="Extra basket value as a multiple of a fresh draw of the shopper's order value."
    )
    satisfaction_gain: float = Field(0.01, ge=0, le=1, description="Satisfaction gain from a pick-up (no carrier wait).")
    handling_cost_per_order: float = Field(1.0, ge=0, description="Store handling cost per picked-up order, currency (operations).")


class Crm(Config):
    messages_per_week: float = Field(0.0, ge=0, le=28, description="E-mail/push messages per week to each subscribed active shopper.")
    lapsed_messages_per_week: float = Field(
        0.0, ge=0, le=28, description="Win-back messages per week to each subscribed lapsed shopper (no order for the churn window)."
    )
    opt_in_share: float = Field(0.8, ge=0, le=1, description="Share of joiners who can be messaged (subscribed).")
    visit_lift: float = Field(0.05, ge=0, description="Visit-rate rise after a message (0.05 = +5 %), at one message a week.")
    boost_days: int = Field(3, ge=1, le=60, description="Days a message's lift lasts.")
    fatigue: float = Field(0.1, ge=0, description="Lift / (1 + this x (messages per week - 1)): diminishing effect with frequency.")
    unsubscribe_probability: float = Field(0.0026, ge=0, le=1, description="Chance per message that the recipient unsubscribes, at one a week.")
    unsubscribe_fatigue: float = Field(
        0.1, ge=0, description="Unsubscribe chance x (1 + this x (messages per week - 1)): rises with frequency."
    )
    cost_per_message: float = Field(0.005, ge=0, description="Cost of one message, currency (retention marketing).")


class CrossChannel(StrategyConfig):
    channels: Channels = Field(Channels(), description="Paid acquisition budget, cost and shopper quality by channel.")
    omnichannel: Omnichannel = Field(Omnichannel(), description="Integration of channels and the value of omnichannel shoppers.")
    bopis: Bopis = Field(Bopis(), description="Buy online, pick up in store.")
    crm: Crm = Field(Crm(), description="E-mail and push messages with fatigue and unsubscribes.")


def per_week(rate: float, fatigue: float) -> float:
    """The fatigue multiplier 1 + fatigue x (rate - 1) for rates above one a week."""
    return 1.0 + fatigue * max(0.0, rate - 1.0)


def sent_today(day: int, per_week_rate: float) -> int:
    """Messages of a cadence sent on `day`: a fixed calendar spreading them evenly over the week."""
    return int(np.floor((day + 1) * per_week_rate / 7.0 + 1e-9) - np.floor(day * per_week_rate / 7.0 + 1e-9))


class CrossChannelStrategy(Strategy):
    name = "cross_channel"
    cost_category: ClassVar = "acquisition"
    config: CrossChannel

    def __init__(self, config: CrossChannel, platform, rng: np.random.Generator) -> None:
        super().__init__(config, platform, rng)
        s, channels = platform.shoppers, platform.channels
        # Per acquisition channel: shopping-channel bit, visit and dropout factor.
        organic_bit = 1 << SHOPPING_CHANNELS.index(config.omnichannel.organic_channel)
        self.first_bit = np.full(len(channels), organic_bit, dtype=np.uint8)
        self.channel_visit = np.ones(len(channels), dtype=np.float32)
        self.channel_dropout = np.ones(len(channels), dtype=np.float32)
        for bit, name in enumerate(SHOPPING_CHANNELS):
            paid = getattr(config.channels, name)
            self.first_bit[platform.channel_index(name)] = 1 << bit
            self.channel_visit[platform.channel_index(name)] = paid.visit_factor
            self.channel_dropout[platform.channel_index(name)] = paid.dropout_factor
        for column, dtype, fill in COLUMNS:
            s.register_column(f"cross_channel_{column}", dtype, fill)
        self.acts_on_visits = False       # any shopper's visit factor not 1 yet?
        self.acts_on_dropout = False
        self.omnichannel_shoppers = 0
        self.expiring: dict[int, list[np.ndarray]] = {}   # day a boost ends -> shoppers
        self.picked_up: list[np.ndarray] = []             # today's BOPIS shoppers

    # Per-shopper columns; looked up each time, as the arrays are replaced when they grow.
    @property
    def channels_used(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_channels_used

    @property
    def subscribed(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_subscribed

    @property
    def boost_until(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_boost_until

    @property
    def boost_lift(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_boost_lift

    @property
    def visit_multiplier(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_visit_factor

    @property
    def dropout_multiplier(self) -> np.ndarray:
        return self.platform.shoppers.cross_channel_dropout_factor

    # The factor columns are refreshed from their parts wherever a part changes, so
    # that visit_factor and dropout_factor are one gather each.
    def _refresh(self, who: np.ndarray, day: int, dropout_too: bool = True) -> None:
        """Recompute the factors of `who` as of `day` (a message's lift changes only visits)."""
        s, config = self.platform.shoppers, self.config.omnichannel
        channel = s.channel[who]
        visit = self.channel_visit[channel]
        omni = POPCOUNT[self.channels_used[who]] >= 2 if self.omnichannel_shoppers else None
        # (Multiplications `where=` a mask: in place, only there, without gathering the subset.)
        if omni is not None:
            np.multiply(visit, np.float32(config.visit_multiplier), out=visit, where=omni)
        boosted = self.boost_until[who] >= day
        np.multiply(visit, 1.0 + self.boost_lift[who], out=visit, where=boosted)
        self.visit_multiplier[who] = visit
        if not self.acts_on_visits:
            self.acts_on_visits = bool(np.any(visit != 1.0))
        if dropout_too:
            dropout = self.channel_dropout[channel]
            if omni is not None:
                np.multiply(dropout, np.float32(config.dropout_multiplier), out=dropout, where=omni)
            self.dropout_multiplier[who] = dropout
            if not self.acts_on_dropout:
                self.acts_on_dropout = bool(np.any(dropout != 1.0))

    # --- each day ---------------------------------------------------------------
    def start_day(self, day: int) -> None:
        if self.config.omnichannel.integration:
            self.book(self.config.omnichannel.cost_per_day, "operations")

    def end_day(self, day: int) -> None:
        today = self.platform.today
        if self.picked_up:
            who = np.concatenate(self.picked_up)
            self.picked_up = []
            self.platform.satisfaction_change(day, who, self.config.bopis.satisfaction_gain)
        sent, unsubscribed, boosted = self._send_messages(day)
        ended = self._boosts_ended(day)
        touched = np.concatenate([boosted, ended])
        if touched.size:
            self._refresh(touched, day + 1, dropout_too=False)   # the rates of tomorrow on
            self.platform.redraw_visits(touched, day)
        today["messages_sent"] = sent
        today["unsubscribes"] = unsubscribed
        today["omnichannel_shoppers"] = self.omnichannel_shoppers

    def _send_messages(self, day: int) -> tuple[int, int, np.ndarray]:
        crm, s = self.config.crm, self.platform.shoppers
        cadences = ((crm.messages_per_week, True), (crm.lapsed_messages_per_week, False))
        due = [(sent_today(day, rate), rate, active) for rate, active in cadences]
        if not any(count for count, _, _ in due):
            return 0, 0, np.empty(0, dtype=np.int64)
        n, window = s.n, self.platform.scenario.behavior.churn_window_days
        is_active = s.last_active_day[:n] >= day - window + 1
        sent = unsubscribed = 0
        boosted = []
        for count, rate, active in due:
            if not count:
                continue
            audience = np.flatnonzero(self.subscribed[:n] & (is_active if active else ~is_active))
            sent += count * audience.size
            leave = 1.0 - (1.0 - min(1.0, crm.unsubscribe_probability * per_week(rate, crm.unsubscribe_fatigue))) ** count
            leaving = self.rng.random(audience.size) < leave
            self.subscribed[audience[leaving]] = False
            unsubscribed += int(np.count_nonzero(leaving))
            stay = audience[~leaving]
            stay = stay[s.alive[stay]]    # a shortcut only: shoppers gone for good never visit again
            lift = crm.visit_lift / per_week(rate, crm.fatigue)
            if lift > 0 and stay.size:
                self.boost_lift[stay] = lift
                self.boost_until[stay] = day + crm.boost_days
                self.expiring.setdefault(day + crm.boost_days, []).append(stay)
                boosted.append(stay)
        self.book(sent * crm.cost_per_message, "retention")
        return sent, unsubscribed, (np.concatenate(boosted) if boosted else np.empty(0, dtype=np.int64))

    def _boosts_ended(self, day: int) -> np.ndarray:
        ending = self.expiring.pop(day, [])
        if not ending:
            return np.empty(0, dtype=np.int64)
        # One send day's audiences, disjoint (a repeat, had boost_days changed in the run,
        # would only be redrawn twice).
        who = np.concatenate(ending)
        return who[self.boost_until[who] == day]      # not boosted again since

    # --- acquisition --------------------------------------------------------------
    def acquire(self, day: int) -> dict[str, int]:
        channels = [getattr(self.config.channels, name) for name in SHOPPING_CHANNELS]
        spend = sum(channel.spend_per_day for channel in channels)
        if spend == 0:
            return {}
        self.book(spend, "acquisition")
        market = self.platform.scenario.market.size
        prospects_left = max(0.0, 1.0 - self.platform.shoppers.n / market)
        expected = np.array([channel.shoppers_per_day() for channel in channels]) * prospects_left
        bought = self.rng.poisson(expected)
        return {name: int(count) for name, count in zip(SHOPPING_CHANNELS, bought) if count}

    def joined(self, day: int, new: np.ndarray) -> None:
        s = self.platform.shoppers
        self.channels_used[new] = self.first_bit[s.channel[new]]
        self.subscribed[new] = self.rng.random(new.size) < self.config.crm.opt_in_share
        self._refresh(new, day)

    # --- the shopper step ---------------------------------------------------------
    def social_visit_chance(self, who: np.ndarray, at: np.ndarray):
        # Attribution: a shopper's visits come evenly through the channels it uses, so one who
        # uses the social mini-program and k - 1 others comes through social 1 time in k.
        used = self.channels_used[who]
        return np.where(used & SOCIAL_BIT, 1.0 / np.maximum(POPCOUNT[used], 1), 0.0)

    def visit_factor(self, who: np.ndarray):
        return self.visit_multiplier[who] if self.acts_on_visits else 1.0

    def dropout_factor(self, who: np.ndarray):
        return self.dropout_multiplier[who] if self.acts_on_dropout else 1.0

    def orders_placed(self, day: int, orders: OrderBatch) -> None:
        omni, bopis = self.config.omnichannel, self.config.bopis
        buyers = orders.shopper
        if not buyers.size or not (omni.integration or bopis.share > 0 or self.omnichannel_shoppers):
            return
        value_before = orders.value.copy()
        before = self.channels_used[buyers]
        multi = POPCOUNT[before] >= 2
        if omni.order_value_multiplier != 1.0 and multi.any():
            orders.value[multi] *= omni.order_value_multiplier
        after = before.copy()
        u = self.rng.random((4, buyers.size))     # the same draws whatever the levers: common random numbers
        if omni.integration:
            picks = ~multi & (u[0] < omni.second_channel_probability)
            own = LOWEST_BIT[before[picks]]
            other = (own + 1 + (u[1][picks] * 4).astype(np.int8)) % len(SHOPPING_CHANNELS)
            after[picks] |= np.left_shift(np.uint8(1), other.astype(np.uint8))
        if bopis.share > 0:
            picked_up = u[2] < bopis.share
            after[picked_up] |= STORE_BIT
            extra = picked_up & (u[3] < bopis.extra_basket_probability)
            if extra.any():
                s = self.platform.shoppers
                shape = self.platform.scenario.behavior.spend.p
                basket = self.rng.standard_gamma(shape, int(extra.sum())) / s.spend_rate[buyers[extra]]
                orders.value[extra] += bopis.extra_basket_size * basket
            self.book(bopis.handling_cost_per_order * int(picked_up.sum()), "operations")
            self.picked_up.append(buyers[picked_up])
        # A sale's discount (the engine's discount rate) applies to the added value too.
        orders.discount += self.platform.levers.discount_rate * (orders.value - value_before)
        became = (POPCOUNT[after] >= 2) & ~multi
        self.channels_used[buyers] = after
        if became.any():
            self.omnichannel_shoppers += int(became.sum())
            self._refresh(buyers[became], day)


PLUGIN = StrategyPlugin(
    name="cross_channel",
    config=CrossChannel,
    strategy=CrossChannelStrategy,
    order=60,
    daily_columns={
        "messages_sent": "CRM messages sent (e-mail, push).",
        "unsubscribes": "Shoppers who unsubscribed from CRM messages.",
        "omnichannel_shoppers": "Shoppers who have used two or more channels.",
    },
    channels=("app", "web", "social", "marketplace", "store"),
    social_channels=("social",),
    levers=("channels", "omnichannel.integration", "bopis.share", "crm.messages_per_week"),
)
