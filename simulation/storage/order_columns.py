"""Which column of an order export holds the customer, the date, the amount, the order id and
the status: guessed from the header (English and Chinese seller-centre names), or given.

Names are compared case- and whitespace-insensitively (also ignoring `_` and `-`), and the
earlier names of each list win: a seller-centre export carries several amounts and dates
(list price, paid amount; created, paid, shipped), and the first names are the ones a
customer-base model wants (what the buyer paid, when the order was placed).
"""

from __future__ import annotations

import difflib
import re

ROLES = ("customer", "date", "amount", "order", "status")
REQUIRED_ROLES = ("customer", "date", "amount")
FLAGS = {role: f"--{role}" for role in ROLES}

KNOWN_NAMES: dict[str, tuple[str, ...]] = {
    "customer": ("customer_id", "customer", "user_id", "buyer_id", "member_id", "用户ID", "买家会员名",
                 "买家昵称", "会员ID", "客户ID", "买家ID", "buyer", "user", "member", "client_id",
                 "客户", "买家", "用户", "会员名"),
    "date": ("order_date", "order_time", "created_at", "date", "下单时间", "付款时间", "订单创建时间",
             "订单付款时间", "创建时间", "成交时间", "order_created_at", "purchase_date", "time",
             "timestamp", "paid_at", "日期", "时间"),
    "amount": ("amount", "total", "order_amount", "paid_amount", "revenue", "实付金额", "订单金额",
               "买家实际支付金额", "实付款", "支付金额", "成交金额", "order_total", "total_amount",
               "value", "金额", "总金额", "应付金额"),
    "order": ("order_id", "order_no", "订单编号", "订单号", "主订单编号", "order", "order_number",
              "transaction_id", "订单ID"),
    "status": ("status", "order_status", "订单状态", "交易状态", "state", "状态"),
}


class OrderExportError(ValueError):
    """An order export that cannot be read: the message names the file, the line and the
    column, and what is wrong, for a strategist to fix the file or the flags."""


def normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def guess_columns(header: list[str]) -> dict[str, str | None]:
    """Role -> the header's column for it (its spelling in the file), or None. A column is
    used for one role only."""
    by_normal: dict[str, str] = {}
    for column in header:
        by_normal.setdefault(normalise(column), column)
    chosen: dict[str, str | None] = {}
    taken: set[str] = set()
    for role in ROLES:
        chosen[role] = None
        for name in KNOWN_NAMES[role]:
            column = by_normal.get(normalise(name))
            if column is not None and column not in taken:
                chosen[role] = column
                taken.add(column)
                break
    return chosen


def closest_columns(header: list[str], wanted: list[str], n: int = 3) -> list[str]:
    """The header's columns most like any of `wanted` (difflib), best first."""
    scores: dict[str, float] = {}
    for column in header:
        for name in wanted:
            ratio = difflib.SequenceMatcher(None, normalise(column), normalise(name)).ratio()
            scores[column] = max(scores.get(column, 0.0), ratio)
    ranked = sorted((column for column in header if scores[column] >= 0.4), key=lambda c: -scores[c])
    return ranked[:n]


def resolve_columns(file: str, header: list[str], given: dict[str, str | None],
                    needed: tuple[str, ...]) -> tuple[dict[str, str | None], dict[str, bool]]:
    """The column of each role: the one given (which must exist), else the guess. A needed
    role with neither raises OrderExportError naming the header and its closest columns."""
    guessed_columns = guess_columns(header)
    columns: dict[str, str | None] = {}
    guessed: dict[str, bool] = {}
    stripped = {column.strip(): column for column in header}
    for role in ROLES:
        name = given.get(role)
        if name is not None:
            column = name if name in header else stripped.get(name.strip())
            if column is None:
                near = difflib.get_close_matches(name, header, n=3, cutoff=0.3) or closest_columns(header, [name])
                raise OrderExportError(
                    f"{file}: no column named {name!r} ({FLAGS[role]}). The header (line 1) has: "
                    f"{', '.join(header)}." + (f" Closest: {', '.join(near)}." if near else ""))
            columns[role], guessed[role] = column, False
        else:
            columns[role], guessed[role] = guessed_columns[role], guessed_columns[role] is not None
    missing = [role for role in needed if columns[role] is None]
    if missing:
        role = missing[0]
        near = closest_columns(header, list(KNOWN_NAMES[role]))
        raise OrderExportError(
            f"{file}: cannot tell which column holds the {role} (line 1, the header, has: "
            f"{', '.join(header)}). Give it with {FLAGS[role]} NAME"
            + (f"; closest names: {', '.join(near)}." if near else "."))
    return columns, guessed
