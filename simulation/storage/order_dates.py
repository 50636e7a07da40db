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
DATE_PART_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
TIME_OF_DAY = r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"


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
    is_number = text.str.contains(r"^\d+(\.\d+)?$").fill_null(False)
    days = _days_from_digits(text, timezone) if is_number.any() else _nulls(text)
    # Most exports write one naive form (`2024/3/5 14:02:11`): its day is the date part, read
    # with to_date, once the rest is checked to be a time of day (5x faster than to_datetime).
    # The rest (offsets, `T`, 年月日 without a space, ...) goes through the slower general path.
    days = _fill(days, _date_parts(text), ~is_number & text.is_not_null(), DATE_PART_FORMATS,
                 lambda part, form: part.str.to_date(form, strict=False))   # few distinct days: cached
    pending = days.is_null() & ~is_number & text.is_not_null()
    if not pending.any():
        return days
    # Normalise the date part to YYYY-M-D and the date-time separator to a space, so that a
    # few formats cover `2024/3/5`, `2024.3.5`, `2024年3月5日` and ISO's `T`.
    # Only the rows left are normalised (regex replacements cost a second per million rows).
    rows = pl.int_range(len(text), eager=True, dtype=pl.Int64).filter(pending)
    left = text.gather(rows)
    normalised = (left.str.replace(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?", "${1}-${2}-${3} ")
                  .str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*T\s*|\s+)", "${1} ").str.strip_chars_end())
    left_days = _fill(_nulls(left), normalised, left.is_not_null(), NAIVE_FORMATS + AWARE_FORMATS,
                      _moments_parser(timezone))
    parsed = left_days.is_not_null()
    days = days.clone()
    days.scatter(rows.filter(parsed), left_days.filter(parsed))
    return days


def _days_from_digits(text: pl.Series, timezone: str) -> pl.Series:
    """Epoch milliseconds (13 digits) and seconds (10), YYYYMMDD (8), Excel serials (5 digits,
    maybe a fraction); the epochs are instants, converted to the shop's time zone."""
    t = pl.col("t")
    return pl.DataFrame({"t": text}).select(
        pl.when(t.str.contains(r"^\d{13}$")).then(_epoch_expr(t.cast(pl.Int64, strict=False), "ms", timezone))
        .when(t.str.contains(r"^\d{10}$")).then(_epoch_expr(t.cast(pl.Int64, strict=False), "s", timezone))
        .when(t.str.contains(r"^\d{8}$")).then(t.str.to_date("%Y%m%d", strict=False))
        .when(t.str.contains(r"^\d{5}(\.\d+)?$")).then(
            (t.cast(pl.Float64, strict=False).floor().cast(pl.Int64) - EXCEL_EPOCH_OFFSET)
            .cast(pl.Int32).cast(pl.Date))
        .alias(text.name)).to_series()


def _date_parts(text: pl.Series) -> pl.Series:
    """The text before the first space, or null when what follows is not a bare time of day."""
    cut = text.str.find(" ", literal=True)
    whole = cut.is_null()
    cut = cut.fill_null(text.str.len_bytes())
    frame = pl.DataFrame({"t": text, "cut": cut, "whole": whole})
    tail = pl.col("t").str.slice(pl.col("cut") + 1)
    return frame.select(pl.when(pl.col("whole") | tail.str.contains(TIME_OF_DAY))
                        .then(pl.col("t").str.head(pl.col("cut"))).alias(text.name)).to_series()


def _parse_with_formats(text: pl.Series, formats: list[str], timezone: str) -> pl.Series:
    return _fill(_nulls(text), text, text.is_not_null(), formats, _moments_parser(timezone))


def _nulls(text: pl.Series) -> pl.Series:
    return pl.Series(text.name, [], dtype=pl.Date).extend_constant(None, len(text))


def _moments_parser(timezone: str):
    def days(text: pl.Series, form: str) -> pl.Series:
        # cache=False: a cache of unique strings only costs when nearly every timestamp differs
        moments = text.str.to_datetime(form, strict=False, time_unit="us", cache=False)
        return _day_of(moments, moments.dtype.time_zone is not None, timezone)
    return days


def _fill(days: pl.Series, text: pl.Series, pending: pl.Series, formats, parse) -> pl.Series:
    """Each format tried on the rows still pending (a loop over formats, not rows); `parse`
    gives the day of each text in a format, null where it does not fit."""
    days = days.clone()
    rows = pl.int_range(len(text), eager=True, dtype=pl.Int64).filter(pending & days.is_null())
    for form in formats:
        if rows.is_empty():
            break
        parsed_days = parse(text.gather(rows), form)
        parsed = parsed_days.is_not_null()
        if parsed.any():
            days.scatter(rows.filter(parsed), parsed_days.filter(parsed))
        rows = rows.filter(~parsed)
    return days
