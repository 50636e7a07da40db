"""What comes out of one replication (defined in docs/metrics.md).

`KERNEL_DAILY_COLUMNS` is the kernel's time series, one value per day; `run_kpis` reduces a finished
replication to the KPIs of summary.json; cohorts and growth accounting are tables
by 30-day period.
"""

from __future__ import annotations

import numpy as np

from simulation.kernel.population import PERIOD_DAYS, Shoppers

# The kernel's time series, one value per day (docs/metrics.md). A run's columns are these,
# new shoppers by channel, costs by account and each strategy plugin's counters, in the
# order of `simulation.kernel.registry.Registry.daily_columns`.
KERNEL_DAILY_COLUMNS = (
    "new_shoppers", "cumulative_shoppers",
    "alive_shoppers", "active_shoppers", "churned", "reactivated",
    "visits", "browse", "cart", "checkout", "orders", "orders_by_initial_shoppers",
    "repeat_orders", "repeat_orders_social", "gmv", "discounts", "refunds",
    "shipping_fees", "membership_fees", "forfeited_deposits", "revenue", "cogs",
    "acquisition_cost", "marketing_cost", "operations_cost", "contribution",
    "free_shipping_orders", "shipping_fees_waived",
    "tickets", "tickets_deflected", "tickets_answered", "tickets_abandoned",
    "service_wait_mean_min", "service_wait_p90_min",
    "tickets_night", "tickets_night_answered", "service_wait_night_minutes",
    "shipped", "deliveries", "on_time_deliveries", "on_time_rate", "delivery_days_mean", "returns", "backlog",
    "nps", "satisfaction_mean",
    "agent_hours", "chatbot_failures", "tickets_unresolved", "late_notices",
    "events_on",
)

KPI_NAMES = (
    "shoppers_total", "active_shoppers_end", "orders", "gmv", "revenue",
    "shipping_fee_revenue", "membership_fee_revenue", "aov", "spend_per_buyer", "gross_profit",
    "retention_d30", "retention_d90", "repeat_purchase_rate", "churn_rate_monthly",
    "clv_365", "nps", "service_wait_mean_min", "service_wait_p90_min", "on_time_rate", "quick_ratio",
    "marketing_cost", "operations_cost", "contribution", "contribution_margin", "cac", "ltv_cac", "k_factor", "return_rate", "roi",
    "wom_influenced_share", "acquisition_share_social", "retention_share_social", "repeat_ratio_sharers",
)

# How each kernel KPI is read (docs/metrics.md): money is in the scenario's currency.
KPI_UNITS = {
    "shoppers_total": "count", "active_shoppers_end": "count", "orders": "count", "gmv": "money", "revenue": "money",
    "shipping_fee_revenue": "money", "membership_fee_revenue": "money", "aov": "money", "spend_per_buyer": "money",
    "gross_profit": "money", "retention_d30": "share", "retention_d90": "share", "repeat_purchase_rate": "share",
    "churn_rate_monthly": "share", "clv_365": "money", "nps": "score", "service_wait_mean_min": "minutes",
    "service_wait_p90_min": "minutes", "on_time_rate": "share", "quick_ratio": "ratio", "marketing_cost": "money",
    "operations_cost": "money", "contribution": "money", "contribution_margin": "ratio", "cac": "money",
    "ltv_cac": "ratio", "k_factor": "ratio", "return_rate": "share", "roi": "ratio",
    "wom_influenced_share": "share", "acquisition_share_social": "share", "retention_share_social": "share",
    "repeat_ratio_sharers": "ratio",
}

NAN = float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else NAN


def retention(shoppers: Shoppers, horizon: int, days_after_joining: int) -> float:
    """Share ordering in days [N, N+30) of their life, among shoppers seen for all of it."""
    n = shoppers.n
    eligible = shoppers.join_day[:n] + days_after_joining + PERIOD_DAYS <= horizon
    bit = Shoppers.has_period_bit(shoppers.life_periods[:n], days_after_joining // PERIOD_DAYS)
    return ratio(np.count_nonzero(bit & eligible), np.count_nonzero(eligible))


def clv(shoppers: Shoppers, revenue_by_age: np.ndarray, horizon: int, gross_margin: float, days: int = 365) -> float:
    """Gross margin per shopper over its first `days` of life, pooling every cohort:
    at each age, revenue at that age over the shoppers observed at that age."""
    if horizon < days:
        return NAN
    joined_by_day = np.bincount(shoppers.join_day[: shoppers.n], minlength=horizon)
    observed_at_age = np.cumsum(joined_by_day)[::-1][:days]   # joined on or before H-1-age
    if observed_at_age[-1] == 0:
        return NAN
    return float(gross_margin * np.sum(revenue_by_age[:days] / observed_at_age))


def wom_influenced_share(shoppers: Shoppers) -> float:
    """Of the shoppers whose first order fell in the run, the share who had heard from someone
    they know before it (Nielsen's 84 %, docs/evidence.md)."""
    n = shoppers.n
    first_in_run = shoppers.first_order_day[:n] >= 0
    return ratio(np.count_nonzero(first_in_run & shoppers.heard_from_friend[:n]), np.count_nonzero(first_in_run))


def repeat_ratio_sharers(shoppers: Shoppers) -> float:
    """Repeat orders per customer among customers who shared over those who did not (AmEx's
    4x, an association: docs/evidence.md). A repeat order is any order in the run but a
    shopper's first; a customer ordered in the run."""
    n = shoppers.n
    orders = shoppers.orders[:n]
    customer = orders >= 1
    repeats = orders - (shoppers.first_order_day[:n] >= 0)   # a first order before the run is not in `orders`
    shared = shoppers.has_shared[:n]
    sharers, others = customer & shared, customer & ~shared
    return ratio(ratio(repeats[sharers].sum(), np.count_nonzero(sharers)),
                 ratio(repeats[others].sum(), np.count_nonzero(others)))


def growth_accounting(shoppers: Shoppers, horizon: int) -> dict[str, np.ndarray]:
    """Buyers per complete 30-day period: new, retained, resurrected, churned."""
    n, periods = shoppers.n, max(1, horizon // PERIOD_DAYS)
    bits = shoppers.calendar_periods[:n]
    first_period = np.where(shoppers.first_order_day[:n] >= 0, shoppers.first_order_day[:n] // PERIOD_DAYS, -1)
    table = {"period": np.arange(periods)}
    table |= {name: np.zeros(periods, dtype=np.int64) for name in ("new", "retained", "resurrected", "churned")}
    previous = np.zeros(n, dtype=bool)
    for k in range(periods):
        active = Shoppers.has_period_bit(bits, k)
        new = active & (first_period == k)
        table["new"][k] = np.count_nonzero(new)
        table["retained"][k] = np.count_nonzero(active & previous)
        table["resurrected"][k] = np.count_nonzero(active & ~previous & ~new)
        table["churned"][k] = np.count_nonzero(previous & ~active)
        previous = active
    return table


def cohort_table(shoppers: Shoppers, horizon: int) -> dict[str, np.ndarray]:
    """Retention by join period (rows) and period of life (columns), complete cells only."""
    n = shoppers.n
    cohort_of = shoppers.join_day[:n] // PERIOD_DAYS
    rows: dict[str, list] = {"cohort": [], "cohort_start_day": [], "cohort_size": [], "period": [],
                             "active_shoppers": [], "retention": []}
    for cohort in range(int(cohort_of.max()) + 1 if n else 0):
        members = cohort_of == cohort
        size = int(np.count_nonzero(members))
        last_join = min(PERIOD_DAYS * cohort + PERIOD_DAYS - 1, horizon - 1)
        period = 0
        while size and last_join + PERIOD_DAYS * (period + 1) <= horizon:
            active = int(np.count_nonzero(Shoppers.has_period_bit(shoppers.life_periods[:n], period) & members))
            for key, value in zip(rows, (cohort, PERIOD_DAYS * cohort, size, period, active, active / size)):
                rows[key].append(value)
            period += 1
    return {key: np.asarray(values) for key, values in rows.items()}


def run_kpis(shoppers: Shoppers, daily: dict[str, np.ndarray], revenue_by_age: np.ndarray,
             waits_minutes: np.ndarray, growth: dict[str, np.ndarray], horizon: int, gross_margin: float,
             viral_channels: tuple[str, ...], social_channels: tuple[str, ...] = ()) -> dict[str, float]:
    orders = shoppers.orders[: shoppers.n]
    buyers = np.count_nonzero(orders >= 1)
    acquired = daily["new_shoppers"].sum() - daily["new_shoppers_initial"].sum()
    viral = sum(daily[f"new_shoppers_{c}"].sum() for c in viral_channels)
    social = sum(daily[f"new_shoppers_{c}"].sum() for c in social_channels)
    cac = ratio(daily["acquisition_cost"].sum(), acquired)
    clv_365 = clv(shoppers, revenue_by_age, horizon, gross_margin)
    return {
        "shoppers_total": float(shoppers.n),
        "active_shoppers_end": float(daily["active_shoppers"][-1]),
        "orders": float(daily["orders"].sum()),
        "gmv": float(daily["gmv"].sum()),
        "revenue": float(daily["revenue"].sum()),
        "shipping_fee_revenue": float(daily["shipping_fees"].sum()),
        "membership_fee_revenue": float(daily["membership_fees"].sum()),
        "aov": ratio(daily["gmv"].sum(), daily["orders"].sum()),
        "spend_per_buyer": ratio(daily["gmv"].sum(), buyers),
        "gross_profit": float(daily["revenue"].sum() - daily["cogs"].sum()),
        "retention_d30": retention(shoppers, horizon, 30),
        "retention_d90": retention(shoppers, horizon, 90),
        "repeat_purchase_rate": ratio(np.count_nonzero(orders >= 2), buyers),
        "churn_rate_monthly": PERIOD_DAYS * ratio(daily["churned"].sum(), daily["active_shoppers"].sum()),
        "clv_365": clv_365,
        "nps": float(daily["nps"][-1]),
        "service_wait_mean_min": float(waits_minutes.mean()) if waits_minutes.size else NAN,
        "service_wait_p90_min": float(np.percentile(waits_minutes, 90)) if waits_minutes.size else NAN,
        "on_time_rate": ratio(daily["on_time_deliveries"].sum(), daily["deliveries"].sum()),
        "quick_ratio": ratio(growth["new"][1:].sum() + growth["resurrected"][1:].sum(), growth["churned"][1:].sum()),
        "marketing_cost": float(daily["marketing_cost"].sum()),
        "operations_cost": float(daily["operations_cost"].sum()),
        "contribution": float(daily["contribution"].sum()),
        "contribution_margin": ratio(daily["contribution"].sum(), daily["revenue"].sum()),
        "cac": cac,
        "ltv_cac": ratio(clv_365, cac) if cac == cac else NAN,
        "k_factor": ratio(viral, shoppers.n),
        "return_rate": ratio(daily["returns"].sum(), daily["deliveries"].sum()),
        "roi": NAN,   # needs the baseline's replications: simulation.experiments.replicate
        "wom_influenced_share": wom_influenced_share(shoppers),
        "acquisition_share_social": ratio(social, acquired),
        "retention_share_social": ratio(daily["repeat_orders_social"].sum(), daily["repeat_orders"].sum()),
        "repeat_ratio_sharers": repeat_ratio_sharers(shoppers),
    }
