"""The reader of a shop's order export, for `growthsim calibrate`: one row per order with the
customer, the day (in the shop's time zone), the amount net of refunds, the order id and the
row's line in the file, and a report of what was read, guessed, skipped and why.

The file is read by order_files (formats, encodings), its columns found by order_columns
(header guessing) and its dates parsed by order_dates; here the values are checked and
cleaned, all column by column with polars (no loop over rows): bad rows are counted by reason
with their first lines, rows filtered by status counted apart, and refunds (negative amounts)
netted against their orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from simulation.storage.order_columns import (REQUIRED_ROLES, ROLES, OrderExportError, guess_columns,
                                              resolve_columns)
from simulation.storage.order_dates import parse_days
from simulation.kernel.language import N_, _
from simulation.storage.order_files import LINE, load_table

__all__ = ["OrderExportError", "OrderLog", "ReadOptions", "ReadReport", "guess_columns", "read_orders"]

FIRST_LINES = 5
# Marks around amounts in seller-centre exports (currency signs and words, thousands separators).
AMOUNT_NOISE = r"(?i)[¥￥$,，\s]|RMB|CNY|元"
CANCELLED_LIKE = ("关闭", "取消", "退款", "退货", "失败", "cancel", "refund", "closed", "void", "fail")
# The column a reason is about, to name it in messages (each reason marked for the catalogue:
# the report a person reads translates it).
REASON_ROLE = {N_("missing customer"): "customer", N_("missing date"): "date", N_("unparseable date"): "date",
               N_("empty amount"): "amount", N_("unparseable amount"): "amount",
               N_("negative amount without an order column"): "amount", N_("refund without its order"): "order"}


@dataclass(frozen=True)
class ReadOptions:
    customer: str | None = None      # column names given by the user (--customer --date --amount --order --status)
    date: str | None = None
    amount: str | None = None
    order: str | None = None
    status: str | None = None
    keep_status: tuple[str, ...] | None = None   # keep only rows whose status is one of these
    date_format: str | None = None   # strftime/chrono style, e.g. "%Y/%m/%d %H:%M"
    timezone: str = "Asia/Shanghai"  # epoch and offset timestamps are converted to it; naive ones are local
    encoding: str | None = None      # None: detect (UTF-8 with or without BOM, else GB18030)
    max_bad_fraction: float = 0.01


@dataclass
class ReadReport:
    file: str
    format: str
    encoding: str | None
    rows: int                                  # data rows in the file (blank rows aside)
    columns: dict[str, str | None]             # role -> header used
    guessed: dict[str, bool]                   # role -> guessed from the header (False: given)
    bad_rows: dict[str, int]                   # reason -> count
    bad_lines: dict[str, list[int]]            # reason -> its first lines, as the user sees them
    filtered_rows: int                         # removed by keep_status (not bad)
    filtered_by: dict[str, int]                # status value -> rows removed
    refunds_netted: int                        # refund rows netted against their order
    orders_refunded_away: int                  # orders whose net after refunds is <= 0 (dropped)
    kept_rows: int
    status_counts: dict[str, int] = field(default_factory=dict)   # status value -> rows (before filtering)
    keep_status: tuple[str, ...] | None = None

    def lines(self) -> list[str]:
        """The reading report, in the language spoken (the commands print it on standard error)."""
        encoding = f", {self.encoding}" if self.encoding else ""
        out = [_("Read {file} ({format}{encoding}): {rows} rows.").format(file=self.file, format=self.format,
                                                                        encoding=encoding, rows=self.rows)]
        used = []
        for role in ROLES:
            column = self.columns.get(role)
            if not column:
                used.append(_("{role}: none").format(role=role))
            elif self.guessed.get(role):
                used.append(_("{role} = {column} (guessed)").format(role=role, column=column))
            else:
                used.append(_("{role} = {column} (given)").format(role=role, column=column))
        out.append(_("Columns: {columns}.").format(columns="; ".join(used)))
        if self.bad_rows:
            out.append(_("Skipped {count} bad rows:").format(count=sum(self.bad_rows.values())))
            for reason, count in self.bad_rows.items():
                column = self.columns.get(REASON_ROLE.get(reason, ""), None)
                shown = ", ".join(map(str, self.bad_lines.get(reason, [])))
                more = ", ..." if count > len(self.bad_lines.get(reason, [])) else ""
                said = _(reason) if reason in REASON_ROLE else reason
                line = (_("{reason} in column {column}: {count} (lines {lines})") if column else
                        _("{reason}: {count} (lines {lines})"))
                out.append("  " + line.format(reason=said, column=column, count=count, lines=shown + more))
        if self.filtered_rows:
            by = ", ".join(f"{value} {count}" for value, count in self.filtered_by.items())
            out.append(_("Removed {count} rows by status (--keep-status {statuses}): {by}.").format(
                count=self.filtered_rows, statuses=",".join(self.keep_status or ()), by=by))
        elif self.keep_status is None and self.columns.get("status"):
            out.extend(self._cancelled_hint())
        if self.refunds_netted:
            out.append(_("Netted {refunds} refunds against their orders; {orders} orders refunded in full were "
                         "dropped.").format(refunds=self.refunds_netted, orders=self.orders_refunded_away))
        out.append(_("Kept {count} orders.").format(count=self.kept_rows))
        return out

    def _cancelled_hint(self) -> list[str]:
        cancelled = {v: n for v, n in self.status_counts.items() if looks_cancelled(v)}
        if not cancelled:
            return []
        others = [v for v in self.status_counts if v not in cancelled]
        seen = ", ".join(_("{status} ({count} rows)").format(status=v, count=n) for v, n in cancelled.items())
        if others:
            return [_("Status column {column} has cancelled or refunded orders, read as orders: {seen}. To leave "
                      "them out: --keep-status {kept}").format(column=self.columns["status"], seen=seen,
                                                              kept=",".join(others))]
        return [_("Status column {column} has cancelled or refunded orders, read as orders: {seen}.").format(
            column=self.columns["status"], seen=seen)]


@dataclass
class OrderLog:
    orders: pl.DataFrame   # customer (String), day (Date), amount (Float64, net), order (String/null), line (Int64)
    report: ReadReport


def looks_cancelled(status: str) -> bool:
    lowered = status.lower()
    return any(mark in lowered for mark in CANCELLED_LIKE)


def read_orders(path: str | Path, options: ReadOptions = ReadOptions()) -> OrderLog:
    path = Path(path)
    file = str(path)
    try:
        ZoneInfo(options.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrderExportError(f"{file}: unknown time zone {options.timezone!r}; "
                               f"use a name such as Asia/Shanghai") from None
    needed = REQUIRED_ROLES + (("status",) if options.keep_status else ())
    given = {role: getattr(options, role) for role in ROLES}
    resolved: dict[str, dict] = {}

    def choose(header: list[str]) -> list[str]:
        resolved["columns"], resolved["guessed"] = resolve_columns(file, header, given, needed)
        return list(dict.fromkeys(c for c in resolved["columns"].values() if c is not None))

    table = load_table(path, options.encoding, choose)
    frame, columns, guessed = table.frame, resolved["columns"], resolved["guessed"]
    form, encoding = table.format, table.encoding
    if frame.height == 0:
        raise OrderExportError(f"{file} has no orders: no data rows under the header ({', '.join(table.header)})")
    rows = frame.height

    values = _role_values(frame, columns)
    del frame, table     # only the role columns are kept from here on (memory on big files)
    status_counts, filtered_by = {}, {}
    if columns["status"] is not None:
        counts = values.group_by("status").len().sort("len", descending=True)
        status_counts = {_shown(v): n for v, n in counts.iter_rows()}
    if options.keep_status:
        kept = pl.col("status").is_in(list(options.keep_status)).fill_null(False)
        removed = values.filter(~kept).group_by("status").len().sort("len", descending=True)
        filtered_by = {_shown(v): n for v, n in removed.iter_rows()}
        values = values.filter(kept)
    values = values.drop("status")

    values = _checked(values, options, has_order=columns["order"] is not None)
    bad = values.filter(pl.col("reason").is_not_null())
    good = values.filter(pl.col("reason").is_null()).select("line", "customer", "day", "amount", "order", "reason")
    del values
    if columns["order"] is not None:
        orders, unmatched, refunds_netted, refunded_away = _netted(good)
        bad = pl.concat([bad, unmatched], how="diagonal_relaxed")
    else:
        orders, refunds_netted, refunded_away = good, 0, 0
    orders = orders.select("customer", "day", "amount", "order", "line").sort("line")

    bad_rows, bad_lines = _bad_summary(bad)
    report = ReadReport(file=file, format=form, encoding=encoding, rows=rows,
                        columns=columns, guessed=guessed, bad_rows=bad_rows, bad_lines=bad_lines,
                        filtered_rows=sum(filtered_by.values()), filtered_by=filtered_by,
                        refunds_netted=refunds_netted, orders_refunded_away=refunded_away,
                        kept_rows=orders.height, status_counts=status_counts,
                        keep_status=options.keep_status)
    if bad.height > options.max_bad_fraction * rows:
        raise OrderExportError(_too_many_bad(file, bad, rows, columns, options.max_bad_fraction, bad_rows,
                                             options.date_format))
    if orders.height == 0:
        raise OrderExportError(f"{file} has no orders left to read: " + " ".join(report.lines()[2:]))
    return OrderLog(orders, report)


def _shown(status: str | None) -> str:
    return "(empty)" if status is None else status


def _id_text(values: pl.Series) -> pl.Series:
    """Ids as trimmed text, null when blank. Excel-proofing (="123", or a leading apostrophe,
    which keep long numbers as text) is removed only when the file has any: every pass over
    millions of strings costs a fraction of a second."""
    if values.dtype.is_float() and (values.drop_nulls() == values.drop_nulls().floor()).all():
        values = values.cast(pl.Int64)      # 1234.0 from a typed file is the id 1234
    text = values.cast(pl.String).str.strip_chars()
    if (text.str.starts_with("=") | text.str.starts_with("'")).any():
        text = text.str.strip_prefix("=").str.strip_chars('"').str.strip_prefix("'").str.strip_chars()
    return pl.select(pl.when(text == "").then(None).otherwise(text)).to_series()


def _amounts(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Float64 amounts (null where unparseable) and which ones are empty. Plain numbers are
    cast directly; only the rest is cleaned of currency marks and separators (a regex)."""
    if values.dtype.is_numeric():
        amounts = values.cast(pl.Float64)
        return amounts, amounts.is_null()
    text = values.cast(pl.String)
    amounts = text.cast(pl.Float64, strict=False)
    empty = text.is_null()
    rows = pl.int_range(len(text), eager=True, dtype=pl.Int64).filter(amounts.is_null() & text.is_not_null())
    if not rows.is_empty():
        cleaned = text.gather(rows).str.replace_all(AMOUNT_NOISE, "")
        amounts.scatter(rows, cleaned.cast(pl.Float64, strict=False))
        empty = empty.clone()
        empty.scatter(rows, cleaned == "")
    return amounts, empty


def _role_values(frame: pl.DataFrame, columns: dict[str, str | None]) -> pl.DataFrame:
    """The role columns under their role names: ids and status as text, the date and the
    amount as the file typed them."""
    def column(role: str) -> pl.Series:
        if columns[role] is None:
            return pl.Series(role, [], dtype=pl.String).extend_constant(None, frame.height)
        return frame[columns[role]]
    status = column("status")
    return pl.DataFrame({
        "line": frame[LINE],
        "customer": _id_text(column("customer")),
        "date_value": column("date"),
        "amount_value": column("amount"),
        "order": _id_text(column("order")) if columns["order"] else column("order"),
        "status": status.cast(pl.String).str.strip_chars() if columns["status"] else status,
    })


def _checked(values: pl.DataFrame, options: ReadOptions, has_order: bool) -> pl.DataFrame:
    """Day and amount parsed, and each row's first reason to be bad (null when good)."""
    day = parse_days(values["date_value"], options.timezone, options.date_format)
    amount, empty_amount = _amounts(values["amount_value"])
    date_missing = values["date_value"].is_null()
    if values["date_value"].dtype == pl.String:
        date_missing = date_missing | (values["date_value"] == "")
    values = values.with_columns(day.alias("day"), amount.alias("amount"), empty_amount.alias("empty_amount"),
                                 date_missing.alias("date_missing"))
    amount = pl.col("amount")
    reason = (pl.when(pl.col("customer").is_null()).then(pl.lit("missing customer"))
              .when(pl.col("date_missing")).then(pl.lit("missing date"))
              .when(pl.col("day").is_null()).then(pl.lit("unparseable date"))
              .when(pl.col("empty_amount")).then(pl.lit("empty amount"))
              .when(amount.is_null() | ~amount.is_finite()).then(pl.lit("unparseable amount")))
    if not has_order:
        reason = reason.when(amount < 0).then(pl.lit("negative amount without an order column"))
    return values.with_columns(reason.otherwise(None).alias("reason"))


def _netted(good: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
    """Rows of one order id summed into one order; a refund (negative amount) is netted against
    the order of its id placed on or before its day, else it is a bad row. Orders whose net is
    <= 0 after refunds are dropped. Returns orders, unmatched refunds, refunds netted, orders
    refunded away."""
    positive = good.filter(pl.col("amount") >= 0)
    refunds = good.filter(pl.col("amount") < 0)
    with_id = positive.filter(pl.col("order").is_not_null())
    # Only the orders with several rows or a refund are grouped: grouping millions of distinct
    # string ids costs seconds, and most orders have one row.
    refunded_ids = refunds["order"].drop_nulls().unique()
    grouped = with_id["order"].is_duplicated() | with_id["order"].is_in(refunded_ids.implode())
    by_order = (with_id.filter(grouped).sort("line").group_by("order", maintain_order=True)
                .agg(pl.col("customer").first(), pl.col("day").min(), pl.col("amount").sum(),
                     pl.col("line").min()))
    refunds = refunds.join(by_order.select("order", pl.col("day").alias("order_day")), on="order", how="left")
    matched = refunds.filter(pl.col("order_day").is_not_null() & (pl.col("day") >= pl.col("order_day")))
    unmatched = (refunds.filter(pl.col("order_day").is_null() | (pl.col("day") < pl.col("order_day")))
                 .drop("order_day").with_columns(pl.lit("refund without its order").alias("reason")))
    refunded = matched.group_by("order").agg(pl.col("amount").sum().alias("refunded"))
    by_order = by_order.join(refunded, on="order", how="left").with_columns(
        (pl.col("amount") + pl.col("refunded").fill_null(0.0)).alias("amount"))
    away = by_order.filter(pl.col("refunded").is_not_null() & (pl.col("amount") <= 0))
    by_order = by_order.filter(pl.col("refunded").is_null() | (pl.col("amount") > 0)).drop("refunded")
    singles = with_id.filter(~grouped).select(by_order.columns)
    without_id = positive.filter(pl.col("order").is_null()).select(by_order.columns)
    orders = pl.concat([singles, by_order, without_id], how="vertical_relaxed")
    return orders, unmatched, matched.height, away.height


def _bad_summary(bad: pl.DataFrame) -> tuple[dict[str, int], dict[str, list[int]]]:
    summary = (bad.group_by("reason").agg(pl.len().alias("count"), pl.col("line").sort().head(FIRST_LINES))
               .sort(["count", pl.col("line").list.first()], descending=[True, False]))
    return ({r: n for r, n, _ in summary.iter_rows()}, {r: list(lines) for r, _, lines in summary.iter_rows()})


def _too_many_bad(file: str, bad: pl.DataFrame, rows: int, columns: dict[str, str | None],
                  max_fraction: float, bad_rows: dict[str, int], date_format: str | None) -> str:
    first = bad.sort("line").row(0, named=True)
    role = REASON_ROLE.get(first["reason"], "amount")
    value = {"customer": first["customer"], "date": first["date_value"], "amount": first["amount_value"],
             "order": first["order"]}.get(role)
    shown = "empty" if value is None or value == "" else repr(value)
    counts = ", ".join(f"{reason} {count}" for reason, count in bad_rows.items())
    hint = (f"Check the date format (--date-format {date_format!r} was given)" if role == "date" and date_format
            else "Check the date format (--date-format) or the column" if role == "date"
            else "Check the column")
    return (f"{file}: {bad.height} of {rows} rows cannot be used ({bad.height / rows:.1%}, more than the "
            f"{max_fraction:.1%} allowed). First at line {first['line']}, column {columns[role]}: "
            f"{first['reason']} (value {shown}). By reason: {counts}. {hint} (--{role} NAME), "
            f"or allow more bad rows.")
