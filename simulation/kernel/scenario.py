"""A scenario: the whole of what one simulated platform is, as one pydantic model.

The YAML files in `scenarios/`, the `--set` overrides and (later) the TUI's forms
share this one schema; `growthsim schema` prints it as JSON Schema. Rates are per
day. Each default says where its number comes from.
"""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from simulation.kernel.calendar_presets import Calendar
from simulation.kernel.currency import CODE_PATTERN, DEFAULT_CURRENCY
from simulation.kernel.expectations import Expectations
from simulation.kernel.language import LANGUAGES, N_, LocalizedText, Refusal
from simulation.kernel.policies import Policy, get_key, set_key
from simulation.kernel.config import Config
from simulation.kernel.registry import registry

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.0

# What a run is (its length, its population, its randomness): no policy may change these midway.
FIXED_FOR_THE_RUN = ("schema_version", "name", "title", "description", "horizon_days", "start_date", "seed", "replications", "market",
                     "policies", "calendar", "baseline", "expect")

# The version of the scenario file format and its defaults. A file without
# `schema_version:` is version 1: written for the defaults before the Chinese platform's
# numbers (unitless amounts read as the money of a US online shop). Loading one still
# works: its unset keys take today's defaults, and the loader says once what changed
# (simulation/storage/loading.py), listing the old values below so a user can pin them.
SCHEMA_VERSION = 2
VERSION_1_DEFAULTS = {   # key: its default in version 1 (today's is the schema's)
    "economics.gross_margin": 0.30,
    "behavior.spend.gamma": 15.44,
    "strategies.logistics.shipping_cost_per_order": 6.0,
    "strategies.logistics.return_shipping_cost": 7.0,
    "strategies.service_quality.agent_cost_per_day": 480.0,
    "strategies.service_quality.agent_cost_per_hour": 20.0,
    "strategies.membership.paid.fee": 99.0,
    "strategies.membership.paid.reference_fee": 99.0,
    "strategies.membership.tiers.0.min_spend_365d": 100.0,
    "strategies.membership.tiers.1.min_spend_365d": 400.0,
    "strategies.precision_marketing.coupons.value": 5.0,
    "strategies.precision_marketing.win_back.coupon_value": 10.0,
}

# One key per installed strategy plugin, and the operations (simulation/kernel/registry.py).
Strategies = registry().strategies_section


class Market(Config):
    size: int = Field(
        1_000_000, ge=1, description="Prospects who could ever shop on the platform (Bass's M)."
    )
    initial_shoppers: int = Field(
        20_000, ge=0, description="Shoppers already on the platform on day 0."
    )
    customers: str | None = Field(
        None, description="Parquet file of the platform's own customers (growthsim calibrate writes it), relative to "
                          "this scenario: they are the shoppers on day 0, one per row (initial_shoppers is its row "
                          "count), each drawn from the fitted model given its history (docs/calibration.md)."
    )

    # A field validator rather than a model validator on Scenario, so that the error
    # is reported at `market.initial_shoppers` (the key to fix), not at the root.
    @field_validator("initial_shoppers")
    @classmethod
    def _within_market(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("size")  # absent when size itself failed validation
        if size is not None and value > size:
            raise Refusal(N_("should be at most market.size ({size})"), size=size)
        return value


class Acquisition(Config):
    """New shoppers a day: Bass diffusion (defaults: the means of Sultan, Farley &
    Lehmann's (1990) meta-analysis of 213 Bass fits, p = 0.03 and q = 0.38 per year, per
    day here) or a constant Poisson stream, as `growthsim calibrate` may fit."""

    rule: Literal["bass", "constant"] = Field(
        "bass", description="bass: Bass diffusion (innovation, imitation); constant: new_per_day on average, Poisson.")
    talkers: Literal["alive", "acquired"] = Field(
        "alive", description="Whose word of mouth drives Bass's imitation: the shoppers still alive (weighted by "
                             "satisfaction) or everyone acquired so far, as in Bass's model and a calibration's fit.")
    new_per_day: float = Field(0.0, ge=0, description="Mean new shoppers a day under the constant rule.")
    joins_with_order: bool = Field(
        False, description="A new shopper joins with its first order, after which it cannot drop out (the calibration's "
                           "convention: a customer is first seen at its first purchase, BG/NBD's trial purchase).")

    innovation: float = Field(
        0.03 / DAYS_PER_YEAR, ge=0, le=1, description="Bass p: daily chance a prospect joins on its own (external influence)."
    )
    imitation: float = Field(
        0.38 / DAYS_PER_YEAR, ge=0, le=1, description="Bass q: daily word-of-mouth pull when every prospect's peer talks."
    )


class PurchaseRate(Config):
    """Purchase rate per shopper, lambda ~ Gamma(shape r, rate alpha), per day.
    Defaults: Fader, Hardie & Lee (2005) BG/NBD fit to CDNOW, r = 0.243 and
    alpha = 4.414 weeks, i.e. 30.9 days."""

    shape: float = Field(0.243, gt=0, description="BG/NBD r.")
    rate: float = Field(4.414 * DAYS_PER_WEEK, gt=0, description="BG/NBD alpha, days.")


class Dropout(Config):
    """Latent dropout, by one of two published rules (simulation/kernel/dropout.py).
    per_purchase is BG/NBD: after each purchase a shopper leaves with probability
    p ~ Beta(a, b); defaults are Fader, Hardie & Lee's (2005) CDNOW fit, a = 0.793 and
    b = 2.426. over_time is Pareto/NBD: each shopper leaves at rate mu ~ Gamma(s, rate beta)
    per day, on any day; defaults are Fader, Hardie & Lee's (2005, "A note on implementing
    the Pareto/NBD model") CDNOW fit, s = 0.606 and beta = 11.67 weeks, i.e. 81.69 days."""

    enabled: bool = Field(True, description="Off: shoppers never become inactive (no churn).")
    rule: Literal["per_purchase", "over_time"] = Field(
        "per_purchase", description="per_purchase: BG/NBD, dropout only right after a purchase; "
                                    "over_time: Pareto/NBD, dropout at any moment at a rate per shopper.")
    a: float = Field(0.793, gt=0, description="BG/NBD a (per_purchase).")
    b: float = Field(2.426, gt=0, description="BG/NBD b (per_purchase).")
    s: float = Field(0.606, gt=0, description="Pareto/NBD s: shape of the dropout rates (over_time).")
    beta: float = Field(11.67 * DAYS_PER_WEEK, gt=0, description="Pareto/NBD beta, days: rate of the dropout rates' gamma; "
                                                               "mean rate s / beta per day (over_time).")


class Spend(Config):
    """Order values, Gamma-Gamma: each shopper's nu ~ Gamma(q, rate gamma), each of
    its orders ~ Gamma(p, rate nu); the mean order is p x gamma / (q - 1). Defaults:
    the shapes of Fader, Hardie & Lee's (2005, "RFM and CLV") CDNOW fit, p = 6.25 and
    q = 3.74 (how order values spread), with the scale gamma = 43.84 (CDNOW's 15.44 in
    dollars) set for a mean order of about CNY 100 on a Chinese general-merchandise
    platform: China's online retail sales of physical goods, about CNY 13 trillion in
    2023 (National Bureau of Statistics), over its roughly 132 billion express parcels
    (State Post Bureau) is about CNY 100 a parcel, and an order is about a parcel
    (docs/evidence.md: a derived figure, not a published order value)."""

    p: float = Field(6.25, gt=0, description="Gamma-Gamma p: shape of one shopper's order values.")
    q: float = Field(3.74, gt=1, description="Gamma-Gamma q: shape of mean spend across shoppers (> 1 for a finite mean).")
    gamma: float = Field(43.84, gt=0, description="Gamma-Gamma gamma: scale of mean spend across shoppers, currency; "
                                                  "mean order p x gamma / (q - 1), about CNY 100 (docs/evidence.md).")


class Funnel(Config):
    """Stage probabilities of one visit. Their product is the conversion per visit;
    the visit rate is lambda divided by it, so that with these defaults purchases
    are BG/NBD's. Defaults: about 8 % of sessions add to cart and about 70 % of carts
    are abandoned (Baymard Institute's average), giving 2.5 % conversion."""

    browse: float = Field(0.60, gt=0, le=1, description="Visit -> views a product.")
    cart: float = Field(0.14, gt=0, le=1, description="Product view -> adds to cart.")
    checkout: float = Field(0.50, gt=0, le=1, description="Cart -> starts checkout.")
    order: float = Field(0.60, gt=0, le=1, description="Checkout -> places the order.")

    def conversion(self) -> float:
        return self.browse * self.cart * self.checkout * self.order


class Behavior(Config):
    purchase_rate: PurchaseRate = PurchaseRate()
    dropout: Dropout = Dropout()
    spend: Spend = Spend()
    funnel: Funnel = Funnel()
    churn_window_days: int = Field(
        90, ge=1, description="Observed churn: a shopper with no order for this many days (since joining or the last order)."
    )
    one_transaction_a_day: bool = Field(
        False, description="A shopper who orders visits again from the next day on: a day's orders are one transaction, "
                           "as in a calibration (same-day orders merged).")


class Satisfaction(Config):
    """Satisfaction in [0, 1] and how experiences move it. The initial Beta(8, 2)
    puts the baseline NPS near +40, within published e-commerce NPS benchmarks; the
    effect sizes are assumptions to calibrate against a platform's survey data."""

    initial_a: float = Field(8.0, gt=0, description="Initial satisfaction ~ Beta(initial_a, initial_b).")
    initial_b: float = Field(2.0, gt=0, description="Initial satisfaction ~ Beta(initial_a, initial_b).")
    on_time_delivery: float = Field(0.01, ge=0, le=1, description="Gain from an order delivered on time.")
    late_delivery_per_day: float = Field(0.04, ge=0, le=1, description="Loss per day an order is late.")
    late_delivery_max: float = Field(0.20, ge=0, le=1, description="Largest loss from one late order.")
    ticket_resolved: float = Field(0.0, ge=-1, le=1, description="Change when a ticket is answered without waiting.")
    wait_per_hour: float = Field(0.05, ge=0, le=1, description="Loss per hour a ticket waits for an agent.")
    ticket_abandoned: float = Field(0.10, ge=0, le=1, description="Loss when the shopper gives up waiting.")


class Feedback(Config):
    """Satisfaction feeding back on buying, dropout and word of mouth. At strength 0
    the model is exactly Bass + BG/NBD; at 1 the sensitivities below apply."""

    strength: float = Field(1.0, ge=0, description="Scales every feedback loop; 0 switches them all off.")
    reference_satisfaction: float = Field(0.8, ge=0, le=1, description="Satisfaction at which feedback is neutral.")
    purchase_rate_sensitivity: float = Field(1.0, ge=0, description="Purchase rate x exp(s * this * (satisfaction - reference)).")
    dropout_sensitivity: float = Field(2.0, ge=0, description="Dropout probability x exp(-s * this * (satisfaction - reference)).")
    word_of_mouth_sensitivity: float = Field(1.0, ge=0, description="Talkers weighted by 1 + s * this * (satisfaction - reference).")
    neutral_at: Literal["reference", "first_day"] = Field(
        "reference", description="reference: each loop is neutral at reference_satisfaction; first_day: at the mean of its "
                                 "effect over the shoppers on day 0 (a calibrated twin: satisfaction moves outcomes only as "
                                 "it moves from where the platform started).")


class Economics(Config):
    """Default: the gross margin of a Chinese general-merchandise retailer that buys and
    resells (first-party), about 15 %: JD.com's annual reports (Form 20-F) put its gross
    margin near 15 % of net revenues in 2023-2024 (docs/evidence.md)."""

    gross_margin: float = Field(
        0.15, ge=0, le=1, description="Gross margin on net revenue (JD.com, a first-party Chinese retailer: about 15 %, "
                                      "annual reports 2023-2024)."
    )


class Scenario(Config):
    schema_version: int = Field(
        SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION,
        description=f"Version of the file format and defaults a file was written for ({SCHEMA_VERSION}: amounts in CNY, "
                    "the Chinese platform's defaults of docs/evidence.md); a file without it is version 1.")
    name: str = Field("scenario", description="Short name shown in tables: an identifier, the same in every language.")
    title: LocalizedText = Field(
        "", description="A title a person reads: a string, or one per language ({en: ..., zh: ...}; English when the "
                        "language read has none).")
    description: LocalizedText = Field(
        "", description="What this scenario asks, in a strategist's words: a string, or one per language ({en: ..., zh: ...}).")
    horizon_days: int = Field(365, ge=1, le=3650, description="Days simulated.")
    start_date: datetime.date | None = Field(
        None, description="Calendar date of day 0 (ISO, e.g. 2025-01-01); a calibrated twin starts at its calibration end.")
    seed: int = Field(1, ge=0, description="Root of the random number tree; same seed, same numbers.")
    replications: int = Field(10, ge=1, le=10_000, description="Independent runs, for confidence intervals.")
    currency: str = Field(
        DEFAULT_CURRENCY, pattern=CODE_PATTERN,
        description="ISO 4217 code of every amount of money (CNY, USD, EUR...): shown on money a person reads, written in summary.json.",
    )
    market: Market = Market()
    acquisition: Acquisition = Acquisition()
    behavior: Behavior = Behavior()
    satisfaction: Satisfaction = Satisfaction()
    feedback: Feedback = Feedback()
    economics: Economics = Economics()
    strategies: Strategies = Strategies()
    calendar: Calendar = Field(
        [], description="Festival sales, member days, price changes, carriers' slowdowns: a list of events, or "
                        "{preset: china, events: [...]} for a preset's events and yours (docs/calendar.md). An event's "
                        "start is a day of the run (start_day) or a date (start: \"11-11\" every year, \"2025-11-11\" "
                        "once) counted from start_date; without a start_date, day 0 is 2025-01-01.")
    policies: list[Policy] = Field([], description="Rules that change a lever when a running metric crosses a threshold.")
    baseline: str | None = Field(
        None, description="Scenario file (relative to this one) to measure ROI against: incremental contribution over incremental cost."
    )
    expect: Expectations | None = Field(
        None, description="What `growthsim check` holds this scenario to: KPI bounds, relations to other scenarios, its golden (docs/check.md)."
    )

    @field_validator("name", "title", "description")
    @classmethod
    def _printable(cls, text: LocalizedText, info: ValidationInfo) -> LocalizedText:
        """Terminal control characters (an escape sequence recolours or clears a terminal)
        have no place in a name shown in tables, titles and reports."""
        if isinstance(text, dict):
            unknown = sorted(set(text) - set(LANGUAGES))
            if unknown or not text:
                raise ValueError(f"languages are {', '.join(LANGUAGES)}; got {', '.join(unknown) or 'none'}")
        allowed = "\n\t" if info.field_name == "description" else ""
        for key, value in (text.items() if isinstance(text, dict) else [(None, text)]):
            bad = next((c for c in value if (ord(c) < 32 or 127 <= ord(c) < 160) and c not in allowed), None)
            if bad is not None:
                where = f"{key}: " if key else ""
                raise ValueError(f"{where}has a control character U+{ord(bad):04X} at {value.index(bad)}; write plain text")
        return text

    @model_validator(mode="after")
    def _policies_move_real_levers(self) -> "Scenario":
        for i, policy in enumerate(self.policies):
            if policy.set.split(".")[0] in FIXED_FOR_THE_RUN:
                raise Refusal(N_("policies[{i}].set: {key} is fixed for the whole run; a policy moves levers while it "
                                 "goes (strategies.*, behavior.*, acquisition.*, economics.*, ...)"), i=i, key=policy.set)
            try:
                lever = get_key(self, policy.set)
            except AttributeError:
                raise Refusal(N_("policies[{i}].set: no scenario key {key}"), i=i, key=repr(policy.set)) from None
            if isinstance(lever, bool) or not isinstance(lever, (int, float)) and policy.to is None:
                raise Refusal(N_("policies[{i}].set: {key} is not a number to multiply or add to"), i=i, key=repr(policy.set))
            if policy.to is not None:   # the value it would set, checked now rather than on the day it acts
                try:
                    set_key(self.model_copy(deep=True), policy.set, policy.to)
                except ValidationError as error:
                    reasons = "; ".join(d["msg"] for d in error.errors())
                    raise Refusal(N_("policies[{i}].to: {key} cannot be {value}: {reasons}"), i=i, key=policy.set, value=repr(policy.to),
                                  reasons=reasons) from None
        return self
