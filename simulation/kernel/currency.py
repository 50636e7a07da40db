"""The currency a scenario's money is in, and how a person reads an amount of it.

A scenario names its currency by ISO 4217 code (`currency: CNY`, the default). Files for
machines (summary.json, the CSVs) hold plain numbers; everything a person reads (the
command's tables, the app, the HTML report) prints money through `format_money`, the one
place that does: `¥1,234,567` for CNY, `$1,234.50`, `CHF 1,234` for a code without a
symbol here. `wan=True` is how a Chinese reader expects money in a table: `¥12.3万`
(docs/glossary.md, Numbers).
"""

from __future__ import annotations

import math

DEFAULT_CURRENCY = "CNY"
CODE_PATTERN = r"^[A-Z]{3}$"    # ISO 4217: three upper-case letters
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
WHOLE_UNITS = frozenset({"JPY"})   # ISO 4217 minor unit 0: no cents


WAN, YI = 10_000, 100_000_000   # 万 and 亿, the units Chinese counts money in


def format_money(amount: float | None, currency: str = DEFAULT_CURRENCY, *, compact: bool = False,
                 signed: bool = False, wan: bool = False) -> str:
    """An amount as a person reads it: the currency's symbol (or its code and a space),
    thousands separated, whole units from 1,000 up and cents (fen) below; `compact` (narrow
    cards and columns) writes whole units from 100 up and millions as `¥2.30 M`; `signed`
    puts `+` before a positive amount (a difference); `wan` (a Chinese reader) writes from
    10,000 up in 万 (two decimals below 10万, one from 10万: ¥1.23万, ¥12.3万) and from 1亿
    up in 亿 (¥1.23亿), at least three significant digits. None and NaN are `-`."""
    if amount is None or not math.isfinite(amount):
        return "-"
    magnitude = abs(amount)
    # Chosen by the rounded figure, so that 99,999 is ¥10.0万, not ¥10.00万.
    if wan and round(magnitude / YI, 2) >= 1:
        number = f"{magnitude / YI:,.2f}亿"
    elif wan and round(magnitude / WAN, 1) >= 10:
        number = f"{magnitude / WAN:,.1f}万"
    elif wan and round(magnitude / WAN, 2) >= 1:
        number = f"{magnitude / WAN:.2f}万"
    elif compact and magnitude >= 1_000_000:
        number = f"{magnitude / 1_000_000:,.2f} M"
    elif magnitude >= (100 if compact else 1000) or currency in WHOLE_UNITS:
        number = f"{magnitude:,.0f}"
    else:
        number = f"{magnitude:,.2f}"
    symbol = SYMBOLS.get(currency)
    text = f"{symbol}{number}" if symbol else f"{currency} {number}"
    if not any(digit in number for digit in "123456789"):   # rounds to zero: no sign
        return text
    return ("-" if amount < 0 else "+" if signed else "") + text
