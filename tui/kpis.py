"""What the app says about each KPI and time series: a label, a unit, a one-line meaning
(the definitions of docs/metrics.md, shortened), and how to print a number."""

from __future__ import annotations

import math

from rich.cells import cell_len

from growthsim.i18n import language
from growthsim.terms import kpi_label
from simulation.kernel.currency import format_money
from simulation.kernel.registry import registry
from tui.words import N_, _

# name -> (label, kind, one line). kind: count, money, share (0-1), score, minutes, ratio
KPI_INFO: dict[str, tuple[str, str, str]] = {
    "shoppers_total": ("Shoppers acquired", "count", N_("Shoppers acquired by the end, initial shoppers included.")),
    "active_shoppers_end": ("Active at end", "count", N_("Shoppers who joined or ordered within the churn window, on the last day.")),
    "orders": ("Orders", "count", N_("Orders placed during the run.")),
    "gmv": ("GMV", "money", N_("Sum of order values, before discounts and refunds.")),
    "revenue": ("Revenue", "money", N_("GMV less discounts and refunds, plus shipping and membership fees and forfeited pre-sale deposits.")),
    "shipping_fee_revenue": ("Shipping fees", "money", N_("Shipping fees shoppers paid on orders that did not ship free.")),
    "membership_fee_revenue": ("Membership fees", "money", N_("Paid-membership fees, recognised day by day over each term.")),
    "aov": ("Order value (AOV)", "money", N_("GMV per order (笔单价).")),
    "spend_per_buyer": ("Spend per buyer", "money", N_("GMV per shopper who ordered during the run (客单价).")),
    "gross_profit": ("Gross profit", "money", N_("Revenue less the cost of goods sold.")),
    "retention_d30": ("Retention d30-59", "share", N_("Share of shoppers who ordered between their 30th and 59th day.")),
    "retention_d90": ("Retention d90-119", "share", N_("Share of shoppers who ordered between their 90th and 119th day.")),
    "repeat_purchase_rate": ("Repeat purchase", "share", N_("Of the customers, the share with two or more orders.")),
    "churn_rate_monthly": ("Monthly churn", "share", N_("Shoppers who lapse per active shopper-month.")),
    "clv_365": ("CLV, first year", "money", N_("Gross margin per shopper over its first 365 days (needs a 365-day run).")),
    "nps": ("NPS", "score", N_("Net Promoter Score of the customers on the last day, -100 to +100.")),
    "service_wait_mean_min": ("Wait, mean min", "minutes", N_("Mean minutes a ticket waits for an agent.")),
    "service_wait_p90_min": ("Wait, p90 min", "minutes", N_("90 % of tickets wait less than this, minutes.")),
    "on_time_rate": ("On-time delivery", "share", N_("Share of orders delivered within the promise.")),
    "quick_ratio": ("Quick ratio", "ratio", N_("(New + resurrected buyers) / churned buyers per month; above 1 grows.")),
    "marketing_cost": ("Marketing cost", "money", N_("Acquisition and retention marketing spent.")),
    "operations_cost": ("Operations cost", "money", N_("Warehouse, shipping, returns and service agents.")),
    "contribution": ("Contribution", "money", N_("Revenue less cost of goods, marketing and operations cost.")),
    "contribution_margin": ("Contrib. margin", "ratio", N_("Contribution margin: contribution / revenue.")),
    "cac": ("CAC", "money", N_("Acquisition spend per shopper acquired.")),
    "ltv_cac": ("LTV / CAC", "ratio", N_("First-year CLV over CAC.")),
    "k_factor": ("Viral k-factor", "ratio", N_("Shoppers won by word of mouth or referral per shopper.")),
    "return_rate": ("Return rate", "share", N_("Returned orders over delivered orders.")),
    "roi": ("ROI vs baseline", "ratio", N_("Incremental contribution over incremental cost, against the scenario's baseline.")),
    "wom_influenced_share": ("Word-of-mouth first buys", "share", N_("First purchases by shoppers a friend had recommended us to.")),
    "acquisition_share_social": ("Social acquisition", "share", N_("Share of shoppers acquired through a social channel.")),
    "retention_share_social": ("Social repeat orders", "share", N_("Share of returning shoppers' orders whose visit came via social.")),
    "repeat_ratio_sharers": ("Sharers' repeat ratio", "ratio", N_("Repeat orders per customer, sharers over non-sharers (an association).")),
}

# The headline KPIs, shown first.
HEADLINE = ("shoppers_total", "active_shoppers_end", "orders", "revenue", "contribution", "retention_d30",
            "churn_rate_monthly", "nps")

SERIES_INFO: dict[str, str] = {
    "cumulative_shoppers": N_("Shoppers acquired"),
    "active_shoppers": N_("Active shoppers"),
    "orders": N_("Orders per day"),
    "revenue": N_("Revenue per day"),
    "new_shoppers": N_("New shoppers per day"),
    "churned": N_("Churned per day"),
    "nps": N_("NPS"),
    "satisfaction_mean": N_("Mean satisfaction"),
    "service_wait_mean_min": N_("Service wait (min)"),
    "on_time_rate": N_("On-time delivery rate"),
    "backlog": N_("Warehouse backlog"),
    "contribution": N_("Contribution per day"),
    "shipping_fees": N_("Shipping fee income per day"),
    "membership_fees": N_("Membership fee income per day"),
    "forfeited_deposits": N_("Forfeited pre-sale deposits per day (income, no goods)"),
    "paid_members": N_("Paid members"),
    "tickets": N_("Tickets per day"),
    "returns": N_("Returns per day"),
}
LIVE_SERIES = ("cumulative_shoppers", "active_shoppers", "orders", "revenue")


def kpi_info(kpi: str) -> tuple[str, str, str]:
    """(label, kind, one line) of a KPI, a strategy plugin's included (from its declaration),
    in the language spoken: in Chinese the glossary's term (growthsim.terms) as its label."""
    if kpi in KPI_INFO:
        english, kind, line = KPI_INFO[kpi]
        if language() == "en":
            return english, kind, line
        return kpi_label(kpi), kind, _(line)
    for plugin in registry().plugins:
        if kpi in plugin.kpis:
            shown = kpi.replace("_", " ").capitalize() if language() == "en" else kpi_label(kpi)
            return shown, plugin.kpis[kpi].unit, plugin.kpis[kpi].description
    return kpi, "", ""


def series_title(name: str) -> str:
    """A daily series' title in the language spoken (its name when the app has none)."""
    return _(SERIES_INFO[name]) if name in SERIES_INFO else name


def label(kpi: str) -> str:
    return kpi_info(kpi)[0]


def meaning(kpi: str) -> str:
    return kpi_info(kpi)[2]


def fmt(value: float | None, kpi: str | None = None, currency: str | None = None) -> str:
    """A number as a person reads it: thousands separated, shares as %, no NaN; money in
    `currency` when it is given (the scenario's) and the KPI is money."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    kind = kpi_info(kpi)[1] if kpi else ""
    if kind == "money" and currency:
        return format_money(value, currency, compact=True, wan=language() == "zh")
    if kind == "share":
        return f"{100 * value:.1f} %"
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:,.2f} M"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if magnitude else "0"


def rjust_cells(text: str, width: int) -> str:
    """`text` right-aligned in `width` terminal columns (str.rjust counts characters: 万 takes two)."""
    return " " * max(0, width - cell_len(text)) + text


def fmt_interval(low: float | None, high: float | None, kpi: str | None = None, currency: str | None = None) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f"{fmt(low, kpi, currency)} .. {fmt(high, kpi, currency)}"


# Daily series in money (the ledger's lines and each account's cost), for their charts' axes.
MONEY_SERIES = frozenset({"gmv", "discounts", "refunds", "shipping_fees", "membership_fees", "forfeited_deposits",
                          "revenue", "cogs", "acquisition_cost", "marketing_cost", "operations_cost", "contribution", "shipping_fees_waived"})


def series_tick_label(name: str, currency: str):
    """How a chart of the daily series `name` writes its y axis: money in the currency, a
    rate as a percentage, else None (whole numbers, thousands separated)."""
    if name in MONEY_SERIES or name.startswith("cost_"):
        return lambda value: money(value, currency)
    if name.endswith("_rate"):
        return lambda value: f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:.1%}"
    return None


def money(value: float | None, currency: str) -> str:
    """An amount of money in the app: format_money, millions compact."""
    return format_money(value, currency, compact=True, wan=language() == "zh")
