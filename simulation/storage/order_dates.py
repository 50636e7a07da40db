"""The day of each order, from whatever an export holds in its date column: ISO dates and
timestamps (with a `T` or a space, with an offset such as +08:00 or Z, or none), `2024/3/5
14:02:11`, `2024.3.5`, `2024年3月5日`, `20240305`, Excel serial day numbers (45356, 45356.58),
epoch seconds (10 digits) and milliseconds (13 digits), or cells a reader already typed
(Date, Datetime, numbers).

Epoch numbers and timestamps with an offset are instants: they are converted to the shop's
time zone before taking the day. Naive timestamps and Excel serials are the shop's local
clock already. Unparseable values come back null (the caller counts them as bad rows).

Columnar throughout: each candidate format is tried once over the values no earlier
candidate parsed (so a file in one format pays for one parse), never a loop per row.
"""

from __future__ import annotations

import polars as pl

EXCEL_EPOCH_OFFSET = 25569   # Excel's serial day number of 1970-01-01 (its day 0 is 1899-12-30)

# Tried in this order on the normalised text (date separators made `-`, a `T` made a space).
NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")
AWARE_FORMATS = ("%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M%#z")


def parse_days(values: pl.Series, timezone: str, date_format: str | None = None) -> pl.Series:
    """A Date series (null where unparseable) the length of `values`."""
    dtype = values.dtype
    if dtype == pl.Date:
        return values
    if isinstance(dtype, pl.Datetime):
        return _day_of(values, aware=dtype.time_zone is not None, timezone=timezone)
    if dtype.is_numeric():
        return _days_from_numbers(values.cast(pl.Float64), timezone)
    text = values.cast(pl.String).str.strip_chars()
    if date_format is not None:
        return _parse_with_formats(text, [date_format], timezone)
    return _parse_text(text, timezone)


def _day_of(moments: pl.Series, aware: bool, timezone: str) -> pl.Series:
    if aware:
        moments = moments.dt.convert_time_zone(timezone)
    return moments.dt.date()


def _days_from_numbers(numbers: pl.Series, timezone: str) -> pl.Series:
    """Numbers typed by the reader (xlsx, Parquet): the magnitude says which kind."""
    frame = pl.DataFrame({"n": numbers})
    n = pl.col("n")
    milliseconds = (n >= 1e11) & (n < 1e14)
    seconds = (n >= 1e8) & (n < 1e11)
    compact = (n >= 19000101) & (n <= 21001231) & (n == n.floor())
    serial = (n >= 1) & (n < 2958466)   # Excel's last day is 9999-12-31
    day = pl.coalesce(
        pl.when(milliseconds).then(_epoch_expr(n, "ms", timezone)),
        pl.when(seconds).then(_epoch_expr(n, "s", timezone)),
        pl.when(compact).then(n.cast(pl.Int64).cast(pl.String).str.to_date("%Y%m%d", strict=False)),
        pl.when(serial & ~compact).then(((n.floor().cast(pl.Int64) - EXCEL_EPOCH_OFFSET)
                                         .cast(pl.Int32).cast(pl.Date))),
    )
    return frame.select(day.alias(numbers.name)).to_series()


def _epoch_expr(n: pl.Expr, unit: str, timezone: str) -> pl.Expr:
    return (pl.from_epoch(n.cast(pl.Int64), time_unit=unit).dt.replace_time_zone("UTC")
            .dt.convert_time_zone(timezone).dt.date())


def _parse_text(text: pl.Series, timezone: str) -> pl.Series:
    frame = pl.DataFrame({"t": text})
    t = pl.col("t")
    numeric = frame.select(
        pl.when(t.str.contains(r"^\d{13}$")).then(_epoch_expr(t.cast(pl.Int64, strict=False), "ms", timezone))
        .when(t.str.contains(r"^\d{10}$")).then(_epoch_expr(t.cast(pl.Int64, strict=False), "s", timezone))
        .when(t.str.contains(r"^\d{8}$")).then(t.str.to_date("%Y%m%d", strict=False))
        .when(t.str.contains(r"^\d{5}(\.\d+)?$")).then(
            (t.cast(pl.Float64, strict=False).floor().cast(pl.Int64) - EXCEL_EPOCH_OFFSET)
            .cast(pl.Int32).cast(pl.Date))
        .alias("day"),
        t.str.contains(r"^\d+(\.\d+)?$").fill_null(False).alias("is_number"),
    )
    # Normalise the date part to YYYY-M-D and the date-time separator to a space, so that a
    # few formats cover `2024/3/5`, `2024.3.5`, `2024年3月5日` and ISO's `T`.
    normalised = (text.str.replace(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?", "${1}-${2}-${3} ")
                  .str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*T\s*|\s+)", "${1} ").str.strip_chars_end())
    pending = ~numeric["is_number"] & text.is_not_null()
    return _fill_from_formats(numeric["day"], normalised, pending, NAIVE_FORMATS + AWARE_FORMATS, timezone)


def _parse_with_formats(text: pl.Series, formats: list[str], timezone: str) -> pl.Series:
    days = pl.Series(text.name, [None] * len(text), dtype=pl.Date)
    return _fill_from_formats(days, text, text.is_not_null(), formats, timezone)


def _fill_from_formats(days: pl.Series, text: pl.Series, pending: pl.Series,
                       formats, timezone: str) -> pl.Series:
    """Each format tried on the rows still pending (a loop over formats, not rows). A format
    with an offset (%z) gives instants, converted to the shop's time zone."""
    days = days.clone()
    rows = pl.Series("row", range(len(text)), dtype=pl.Int64).filter(pending)
    for form in formats:
        if rows.is_empty():
            break
        candidates = text.gather(rows)
        moments = candidates.str.to_datetime(form, strict=False, time_unit="us")
        parsed = moments.is_not_null()
        if parsed.any():
            aware = moments.dtype.time_zone is not None
            days.scatter(rows.filter(parsed), _day_of(moments.filter(parsed), aware, timezone))
        rows = rows.filter(~parsed)
    return days
