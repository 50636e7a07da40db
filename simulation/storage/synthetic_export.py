"""A synthetic shop with KNOWN TRUTH, and its order export as a seller centre writes it: for the
reader's tests, the calibration docs' worked example and the benchmark of reading big files.

Customers arrive at a constant rate (plus an optional cohort on the first day); each one's
first order is their birth. Repeat orders come as a Poisson process with rate lambda ~
Gamma(r, rate alpha) per day; customers drop out after each repeat order with probability
p ~ Beta(a, b) (BG/NBD, `per_purchase`), or at an exponential lifetime with rate mu ~ Gamma(s,
rate beta) (Pareto/NBD, `over_time`). Order values are Gamma(p, rate nu) with nu ~ Gamma(q,
rate gamma) per customer (Gamma-Gamma), in whole cents.

The export adds what real ones carry, none of it part of the truth: cancelled orders (status
交易关闭), orders refunded in full (a negative row with the same order id), and bad rows (an
unparseable date or an empty amount). Reading it back with the cancelled ones left out
(--keep-status 交易成功) and the refunds netted gives the truth's orders exactly.

    python -m simulation.storage.synthetic_export OUT.csv --customers N --days D --seed S
"""

from __future__ import annotations

import argparse
import gzip
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

SECONDS_PER_DAY = 86_400
STYLES = {
    # column headers and the two statuses, and how the order time is written
    "taobao": {"order": "订单编号", "customer": "买家会员名", "time": "订单创建时间", "amount": "买家实际支付金额",
               "status": "订单状态", "done": "交易成功", "cancelled": "交易关闭", "time_format": "%Y/%-m/%-d %H:%M:%S"},
    "plain": {"order": "order_id", "customer": "customer_id", "time": "created_at", "amount": "amount",
              "status": "status", "done": "completed", "cancelled": "cancelled", "time_format": "%Y-%m-%d %H:%M:%S"},
}
UNPARSEABLE_DATE = "0000-00-00 00:00:00"   # what some back offices write for a missing time


@dataclass(frozen=True)
class ShopTruth:
    """The shop's parameters, rates per day (CDNOW's fits scaled from weeks to days; a > 1 so
    that expectations over p are finite)."""
    r: float = 0.243
    alpha: float = 4.414 * 7
    a: float = 1.8
    b: float = 4.0
    p: float = 6.25
    q: float = 3.74
    gamma: float = 15.44 * 6          # mean order value about p * gamma / (q - 1), some ¥211
    dropout_rule: Literal["per_purchase", "over_time"] = "per_purchase"
    s: float = 0.606
    beta: float = 11.67 * 7
    new_customers_per_day: float = 30.0


def simulate_orders(customers_start: int, days: int, truth: ShopTruth = ShopTruth(), seed: int = 0,
                    start: date = date(2024, 1, 1)) -> pl.DataFrame:
    """Every order of the window [start, start + days): customer (String), order (String),
    time (Datetime, whole seconds, the shop's local clock) and amount (Float64, whole cents),
    sorted by time."""
    rng = np.random.default_rng(seed)
    arrivals = rng.poisson(truth.new_customers_per_day, days)
    birth = np.concatenate([np.zeros(customers_start), np.repeat(np.arange(days), arrivals)])
    birth = birth + rng.random(birth.size)     # a time of day
    n = birth.size
    rate = np.maximum(rng.gamma(truth.r, 1 / truth.alpha, n), 1e-12)
    if truth.dropout_rule == "per_purchase":
        dropout = rng.beta(truth.a, truth.b, n)
        end = np.full(n, float(days))
    else:
        end = np.minimum(days, birth + rng.exponential(1 / rng.gamma(truth.s, 1 / truth.beta, n)))
    buyers, times = [np.arange(n)], [birth]
    # Rounds of repeat orders over the customers still buying (a loop over rounds, not customers).
    who, now = np.arange(n), birth
    while who.size:
        now = now + rng.exponential(1 / rate[who])
        buying = now < end[who]
        who, now = who[buying], now[buying]
        buyers.append(who)
        times.append(now)
        if truth.dropout_rule == "per_purchase":
            stays = rng.random(who.size) >= dropout[who]
            who, now = who[stays], now[stays]
    customer = np.concatenate(buyers)
    seconds = np.floor(np.concatenate(times) * SECONDS_PER_DAY).astype(np.int64)
    nu = rng.gamma(truth.q, 1 / truth.gamma, n)
    cents = np.maximum(1, np.rint(rng.gamma(truth.p, 1 / nu[customer]) * 100)).astype(np.int64)
    # numpy's division is correctly rounded, so the amount is the double a reader parses from
    # its two-decimal text (polars may multiply by 0.01, one ulp off).
    frame = pl.DataFrame({"c": customer, "seconds": seconds, "amount": cents / 100.0}).sort("seconds", "c")
    return frame.select(
        customer_ids(pl.col("c")).alias("customer"),
        order_ids(pl.int_range(pl.len()), rng, frame.height, first=3_000_000_000_000_000).alias("order"),
        (pl.lit(datetime.combine(start, datetime.min.time())) + pl.duration(seconds=pl.col("seconds")))
        .dt.cast_time_unit("us").alias("time"),
        pl.col("amount"),
    )


def customer_ids(index: pl.Expr) -> pl.Expr:
    """Taobao-like member names: distinct for distinct indices below the (prime) modulus."""
    scrambled = (index.cast(pl.Int64) * 7919 + 1_234_567) % 99_999_989
    return pl.lit("tb") + scrambled.cast(pl.String).str.zfill(8)


def order_ids(index: pl.Expr, rng: np.random.Generator, count: int, first: int) -> pl.Expr:
    """Increasing 16-digit order numbers with random gaps (distinct, like a platform's)."""
    gaps = pl.Series(rng.integers(0, 13, count), dtype=pl.Int64)
    return (pl.lit(first) + index.cast(pl.Int64) * 13 + pl.lit(gaps)).cast(pl.String)


def write_shop_export(df: pl.DataFrame, path: str | Path, *, style: str = "taobao", bom: bool = True,
                      encoding: str = "utf-8", bad_rows: int = 0, cancelled: int = 0, refunds: int = 0,
                      seed: int = 0) -> None:
    """The orders of `df` (simulate_orders) as a seller-centre CSV, newest first, with the
    defects asked for; `.gz` paths are gzip-compressed."""
    names = STYLES[style]
    rng = np.random.default_rng(seed)
    done = df.select("order", "customer", "time", "amount", pl.lit(names["done"]).alias("status"),
                     pl.lit(None, dtype=pl.String).alias("time_text"))
    extra = _extra_orders(df, rng, cancelled + refunds + bad_rows)
    pieces = [done]
    cancelled_rows, refunded, bad = extra[:cancelled], extra[cancelled:cancelled + refunds], extra[cancelled + refunds:]
    pieces.append(cancelled_rows.with_columns(pl.lit(names["cancelled"]).alias("status")))
    pieces.append(refunded.with_columns(pl.lit(names["done"]).alias("status")))
    # The refund: the same order id, the amount negated, a few days later.
    later = pl.Series(rng.integers(3_600, 7 * SECONDS_PER_DAY, refunded.height), dtype=pl.Int64)
    pieces.append(refunded.with_columns(-pl.col("amount"), pl.col("time") + pl.duration(seconds=later),
                                        pl.lit(names["done"]).alias("status")))
    broken_date = pl.int_range(pl.len()) % 2 == 0
    pieces.append(bad.with_columns(
        pl.when(broken_date).then(pl.lit(UNPARSEABLE_DATE)).otherwise(None).alias("time_text"),
        pl.when(broken_date).then(pl.col("amount")).otherwise(None).alias("amount"),
        pl.lit(names["done"]).alias("status")))
    rows = pl.concat([p.select(done.columns) for p in pieces]).sort("time", descending=True)
    table = rows.select(
        pl.col("order").alias(names["order"]), pl.col("customer").alias(names["customer"]),
        pl.coalesce("time_text", pl.col("time").dt.strftime(names["time_format"])).alias(names["time"]),
        pl.col("amount").alias(names["amount"]), pl.col("status").alias(names["status"]))
    _write_csv(table, Path(path), bom=bom, encoding=encoding)


def _extra_orders(df: pl.DataFrame, rng: np.random.Generator, count: int) -> pl.DataFrame:
    """Orders outside the truth, for known customers at random times of the window; their
    ids (from 9...) cannot collide with the truth's (from 3...)."""
    customers = df["customer"].unique(maintain_order=True)
    seconds = (df["time"].max() - df["time"].min()).total_seconds() if df.height else SECONDS_PER_DAY
    picks = pl.Series(rng.integers(0, max(1, customers.len()), count), dtype=pl.Int64)
    offsets = pl.Series(rng.integers(0, max(1, int(seconds)), count), dtype=pl.Int64)
    amounts = pl.Series(rng.integers(500, 50_000, count) / 100.0, dtype=pl.Float64)
    return pl.DataFrame({"i": pl.int_range(count, eager=True)}).select(
        order_ids(pl.col("i"), rng, count, first=9_000_000_000_000_000).alias("order"),
        customers.gather(picks).alias("customer") if customers.len() else pl.lit("tb00000000").alias("customer"),
        (pl.lit(df["time"].min() if df.height else datetime(2024, 1, 1)) + pl.duration(seconds=offsets))
        .dt.cast_time_unit("us").alias("time"),
        amounts.alias("amount"),
        pl.lit(None, dtype=pl.String).alias("status"),
        pl.lit(None, dtype=pl.String).alias("time_text"),
    )


def _write_csv(table: pl.DataFrame, path: Path, *, bom: bool, encoding: str) -> None:
    utf8 = encoding.replace("_", "-").lower() in ("utf-8", "utf8")
    if utf8 and path.suffix != ".gz":
        with open(path, "wb") as handle:     # straight to disk: the benchmark's files are big
            if bom:
                handle.write(b"\xef\xbb\xbf")
            table.write_csv(handle, float_precision=2)
        return
    text = table.write_csv(float_precision=2)
    data = (b"\xef\xbb\xbf" if bom and utf8 else b"") + text.encode("utf-8" if utf8 else encoding)
    path.write_bytes(gzip.compress(data, compresslevel=6) if path.suffix == ".gz" else data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulation.storage.synthetic_export",
                                     description="Write a synthetic seller-centre order export and print its truth.")
    parser.add_argument("out", type=Path, help="the CSV to write (.gz to compress it)")
    parser.add_argument("--customers", type=int, default=1000, help="customers already buying on the first day")
    parser.add_argument("--new-per-day", type=float, default=ShopTruth.new_customers_per_day,
                        help="new customers per day (constant)")
    parser.add_argument("--days", type=int, default=540)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dropout", choices=["per_purchase", "over_time"], default="per_purchase",
                        help="per_purchase: BG/NBD; over_time: Pareto/NBD")
    parser.add_argument("--style", choices=sorted(STYLES), default="taobao")
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--no-bom", action="store_true")
    parser.add_argument("--cancelled", type=int, default=0, help="extra orders with status 交易关闭")
    parser.add_argument("--refunds", type=int, default=0, help="extra orders refunded in full")
    parser.add_argument("--bad-rows", type=int, default=0, help="rows with an unparseable date or an empty amount")
    args = parser.parse_args(argv)
    truth = ShopTruth(dropout_rule=args.dropout, new_customers_per_day=args.new_per_day)
    orders = simulate_orders(args.customers, args.days, truth, seed=args.seed)
    write_shop_export(orders, args.out, style=args.style, bom=not args.no_bom, encoding=args.encoding,
                      bad_rows=args.bad_rows, cancelled=args.cancelled, refunds=args.refunds, seed=args.seed)
    summary = {"truth": asdict(truth), "customers": orders["customer"].n_unique(), "orders": orders.height,
               "revenue": round(float(orders["amount"].sum()), 2),
               "first_day": str(orders["time"].min().date()) if orders.height else None,
               "last_day": str(orders["time"].max().date()) if orders.height else None,
               "export": {"file": str(args.out), "cancelled": args.cancelled, "refunds": args.refunds,
                          "bad_rows": args.bad_rows, "style": args.style, "encoding": args.encoding,
                          "bom": not args.no_bom}}
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
