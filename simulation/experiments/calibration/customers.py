"""From a shop's orders to what the models are fitted on: one summary per customer.

A customer's orders on one calendar day are one transaction (Fader, Hardie & Lee 2005
merge them so). For a calibration end E (the holdout's first day), of each customer
whose first purchase f is before E: x repeat transactions before E, t_x the day of the
last of them after f (0 when x = 0), T = E - f, the mean value of the repeat
transactions, and, after E, its transactions in the holdout, week by week.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import polars as pl

DAYS_PER_WEEK = 7


@dataclass
class Summary:
    """The calibration customers, column by column, and the shop's first purchases a day."""

    first_date: datetime.date          # the first order in the file
    last_date: datetime.date           # the last order in the file
    calibration_end: datetime.date     # E: the holdout's first day (the day after the last date without one)
    customer: np.ndarray               # the file's customer ids (object)
    first_purchase: np.ndarray         # days from first_date
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_value: np.ndarray             # of the repeat transactions; 0 when x = 0
    first_value: np.ndarray            # of the first transaction
    holdout: np.ndarray                # each customer's repeat transactions in the holdout
    holdout_weekly: np.ndarray         # the calibration customers' holdout transactions, week by week
    new_per_day: np.ndarray            # customers' first purchases, per day from first_date to E - 1
    transactions: int                  # in the calibration period

    @property
    def holdout_days(self) -> int:
        return (self.last_date - self.calibration_end).days + 1

    @property
    def recency(self) -> np.ndarray:
        """Days from each customer's last transaction to E."""
        return self.T - self.t_x


def summarise(orders: pl.DataFrame, calibration_end: datetime.date | None = None) -> Summary:
    """`orders` has columns customer, day (Date), amount; `calibration_end` None: no holdout."""
    first_date, last_date = orders["day"].min(), orders["day"].max()
    end = calibration_end or last_date + datetime.timedelta(days=1)
    transactions = (orders.lazy()
                    .with_columns(day=(pl.col("day") - pl.lit(first_date)).dt.total_days().cast(pl.Int32))
                    .group_by("customer", "day").agg(pl.col("amount").sum())
                    .collect())
    e = (end - first_date).days
    calibration = transactions.filter(pl.col("day") < e)
    per_customer = (calibration.sort("day")
                    .group_by("customer")
                    .agg(first=pl.col("day").first(), last=pl.col("day").last(), n=pl.len(),
                         total=pl.col("amount").sum(), first_value=pl.col("amount").first())
                    .sort("first", "customer"))
    x = per_customer["n"].to_numpy().astype(np.float64) - 1.0
    first = per_customer["first"].to_numpy().astype(np.float64)
    repeat_total = (per_customer["total"] - per_customer["first_value"]).to_numpy()
    mean_value = np.divide(repeat_total, x, out=np.zeros_like(x), where=x > 0)
    later = (transactions.filter(pl.col("day") >= e)
             .join(per_customer.select("customer"), on="customer", how="semi"))
    holdout = (per_customer.select("customer")
               .join(later.group_by("customer").agg(k=pl.len()), on="customer", how="left")["k"]
               .fill_null(0).to_numpy().astype(np.float64))
    weeks = max(0, -(-((last_date - end).days + 1) // DAYS_PER_WEEK))
    holdout_weekly = np.bincount(((later["day"].to_numpy() - e) // DAYS_PER_WEEK).astype(np.int64),
                                 minlength=weeks).astype(np.float64)
    return Summary(
        first_date=first_date, last_date=last_date, calibration_end=end,
        customer=per_customer["customer"].to_numpy(), first_purchase=first, x=x,
        t_x=per_customer["last"].to_numpy().astype(np.float64) - first, T=e - first, mean_value=mean_value,
        first_value=per_customer["first_value"].to_numpy(), holdout=holdout, holdout_weekly=holdout_weekly,
        new_per_day=np.bincount(first.astype(np.int64), minlength=e).astype(np.float64),
        transactions=calibration.height)
