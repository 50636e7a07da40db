"""The names a person reads for KPIs and strategies, in the language spoken: the terms of
docs/glossary.md. In English a KPI is shown by its identifier, as in summary.json, so a
table and a script use one name; a KPI or strategy from a third-party plugin is shown by
its identifier in every language."""

from __future__ import annotations

from growthsim.i18n import language, pgettext


def _kpi_labels() -> dict[str, str]:
    # Each literal is here for the extraction (python -m growthsim.i18n update).
    return {
        "shoppers_total": pgettext("KPI", "shoppers_total"),
        "active_shoppers_end": pgettext("KPI", "active_shoppers_end"),
        "orders": pgettext("KPI", "orders"),
        "gmv": pgettext("KPI", "gmv"),
        "revenue": pgettext("KPI", "revenue"),
        "shipping_fee_revenue": pgettext("KPI", "shipping_fee_revenue"),
        "membership_fee_revenue": pgettext("KPI", "membership_fee_revenue"),
        "aov": pgettext("KPI", "aov"),
        "spend_per_buyer": pgettext("KPI", "spend_per_buyer"),
        "gross_profit": pgettext("KPI", "gross_profit"),
        "retention_d30": pgettext("KPI", "retention_d30"),
        "retention_d90": pgettext("KPI", "retention_d90"),
        "repeat_purchase_rate": pgettext("KPI", "repeat_purchase_rate"),
        "churn_rate_monthly": pgettext("KPI", "churn_rate_monthly"),
        "clv_365": pgettext("KPI", "clv_365"),
        "nps": pgettext("KPI", "nps"),
        "service_wait_mean_min": pgettext("KPI", "service_wait_mean_min"),
        "service_wait_p90_min": pgettext("KPI", "service_wait_p90_min"),
        "on_time_rate": pgettext("KPI", "on_time_rate"),
        "quick_ratio": pgettext("KPI", "quick_ratio"),
        "marketing_cost": pgettext("KPI", "marketing_cost"),
        "operations_cost": pgettext("KPI", "operations_cost"),
        "contribution": pgettext("KPI", "contribution"),
        "contribution_margin": pgettext("KPI", "contribution_margin"),
        "cac": pgettext("KPI", "cac"),
        "ltv_cac": pgettext("KPI", "ltv_cac"),
        "k_factor": pgettext("KPI", "k_factor"),
        "return_rate": pgettext("KPI", "return_rate"),
        "roi": pgettext("KPI", "roi"),
        "wom_influenced_share": pgettext("KPI", "wom_influenced_share"),
        "acquisition_share_social": pgettext("KPI", "acquisition_share_social"),
        "retention_share_social": pgettext("KPI", "retention_share_social"),
        "repeat_ratio_sharers": pgettext("KPI", "repeat_ratio_sharers"),
        "paid_members_end": pgettext("KPI", "paid_members_end"),
        "service_wait_night_mean_min": pgettext("KPI", "service_wait_night_mean_min"),
        "livestream_gmv": pgettext("KPI", "livestream_gmv"),
        "livestream_roi": pgettext("KPI", "livestream_roi"),
        "livestream_new_followers": pgettext("KPI", "livestream_new_followers"),
        "presale_deposits": pgettext("KPI", "presale_deposits"),
        "presale_conversion_to_final": pgettext("KPI", "presale_conversion_to_final"),
        "forfeiture_rate": pgettext("KPI", "forfeiture_rate"),
        "threshold_order_share": pgettext("KPI", "threshold_order_share"),
        "coupon_redemption_rate": pgettext("KPI", "coupon_redemption_rate"),
        "flash_sale_sell_through": pgettext("KPI", "flash_sale_sell_through"),
        "flash_sale_units": pgettext("KPI", "flash_sale_units"),
        "flash_sale_discounts": pgettext("KPI", "flash_sale_discounts"),
    }


def _strategy_labels() -> dict[str, str]:
    return {
        "content": pgettext("strategy", "content"),
        "social_referral": pgettext("strategy", "social_referral"),
        "membership": pgettext("strategy", "membership"),
        "service_quality": pgettext("strategy", "service_quality"),
        "logistics": pgettext("strategy", "logistics"),
        "cross_channel": pgettext("strategy", "cross_channel"),
        "precision_marketing": pgettext("strategy", "precision_marketing"),
        "livestream": pgettext("strategy", "livestream"),
        "presale": pgettext("strategy", "presale"),
        "threshold_discount": pgettext("strategy", "threshold_discount"),
        "coupons": pgettext("strategy", "coupons"),
        "flash_sale": pgettext("strategy", "flash_sale"),
        "calendar": pgettext("strategy", "calendar"),
    }


KPI_IDENTIFIERS = tuple(_kpi_labels())
STRATEGY_IDENTIFIERS = tuple(_strategy_labels())


def kpi_label(name: str) -> str:
    """A KPI's name for a person: its identifier in English, the glossary's term in Chinese."""
    return name if language() == "en" else _kpi_labels().get(name, name)


def strategy_label(name: str) -> str:
    return name if language() == "en" else _strategy_labels().get(name, name)
