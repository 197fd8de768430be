"""One arithmetic for every report, dashboard, export and API (docs/REPORTS.md, "The ledger").

For a set of units (the actor's scope, a city or UC, a business type, a size category, the
status of their last bill) and a range of months [first, last], with every amount in whole
rupees and every bill read with its approved adjustments (``billing.Adjustment``):

- ``billed``    Σ the fees of the bills in the range, as billed: the fee before any approved
                adjustment (arrears are never billed again);
- ``collected`` Σ what the payments of those bills paid *towards what the bill asked*:
                min(paid, fee + arrears); a payment beyond that is ``overpaid`` (shown beside, a
                credit the bills do not carry: the next bill's arrears are never negative);
- ``adjusted``  Σ ``Adjustment.amount`` of the approved adjustments of those bills;
- ``closing``   for each unit, what its last bill in the range leaves owed:
                max(0, fee + arrears − paid) — ``Bill.balance``;
- ``opening``   for each unit, what its first bill in the range brought in: its arrears as billed
                (before adjustments). That is the last earlier bill's balance, or, for a unit whose
                first bill lies in the range, the arrears it arrived with ("brought in").

Each bill satisfies ``arrears + fee − adjusted − collected = balance`` exactly (as billed, with
``adjusted`` = what billed − what it asks now), so a unit's range telescopes whenever each bill's
arrears equal the previous bill's balance — the chain that ``verify_ledgers`` checks — and

    opening + billed − collected − adjusted = closing

holds for every row and total. "Outstanding" is ``closing``: for a range ending in month M it is
the balance of each unit's last bill up to M, which for every unit billed in M is month M alone.

The work is one statement over the range's bills (no bill is read twice), joined to the
approved adjustments summed per bill: per unit the first bill's arrears and the last bill's
balance are found with MIN / MAX over the month packed in front of the amount, so there is
neither a sort nor a join back (docs/REPORTS.md has the figures at 300 k units × 12 months).
A single month (the dashboard) is read from the summaries (``suthra/stats``) instead: there
each bill is its own unit and the same figures follow from the sums (``from_summary``); tests
check the two agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce

from suthra.accounts import scope
from suthra.billing.models import Adjustment, AdjustmentStatus, Bill, status_sql

# Packing: month index × 2^32 + amount + 2^31 (an amount is a 4-byte column).
_SHIFT = 2**32
_OFFSET = 2**31

# What a row can be grouped by, and the unit field (or bill field) behind it.
GROUPS = {
    "city": "unit__uc__city_id",
    "uc": "unit__uc_id",
    "business_type": "unit__business_type_id",
    "category": "unit__category",
    "month": "month",
    "status": "status",
}


@dataclass
class Ledger:
    """The five figures of the identity, and what else a report shows beside them."""

    units: int = 0
    bills: int = 0
    opening: int = 0
    billed: int = 0
    collected: int = 0
    adjusted: int = 0
    closing: int = 0
    overpaid: int = 0
    # Bills paid in full (paid ≥ fee + arrears).
    paid_bills: int = 0

    def add(self, other: Ledger) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def outstanding(self) -> int:
        return self.closing

    @property
    def due(self) -> int:
        """What the range asked for: opening + billed − adjusted."""
        return self.opening + self.billed - self.adjusted

    @property
    def received(self) -> int:
        """Cash received on the range's bills (collected + overpaid)."""
        return self.collected + self.overpaid

    @property
    def balanced(self) -> bool:
        return self.opening + self.billed - self.collected - self.adjusted == self.closing

    @property
    def rate_amount(self) -> float | None:
        return round(100 * self.collected / self.due, 1) if self.due > 0 else None

    @property
    def rate_count(self) -> float | None:
        return round(100 * self.paid_bills / self.bills, 1) if self.bills else None


@dataclass
class Row:
    key: Any
    ledger: Ledger


@dataclass
class LedgerResult:
    rows: list[Row]
    total: Ledger


def bills_in(
    actor: Any,
    first: dt.date,
    last: dt.date,
    *,
    place_filter: Mapping[str, Any] | None = None,
    business_type: int | None = None,
    category: int | None = None,
) -> QuerySet[Bill]:
    """The actor's bills of [first, last], limited to a place (``Place.filter_kwargs
    ("unit__uc")``) and the units' business type or size category."""
    qs = scope.scoped(actor, Bill.objects.all(), "unit__uc").filter(
        month__gte=first, month__lte=last, **(place_filter or {})
    )
    if business_type is not None:
        qs = qs.filter(unit__business_type_id=business_type)
    if category is not None:
        qs = qs.filter(unit__category=category)
    return qs


def ledger(
    actor: Any,
    first: dt.date,
    last: dt.date,
    *,
    group: str | None = None,
    place_filter: Mapping[str, Any] | None = None,
    business_type: int | None = None,
    category: int | None = None,
    status: int | None = None,
) -> LedgerResult:
    """The ledger of the actor's units over [first, last], per ``group`` (``GROUPS``) and in
    total. By ``month``, each row is that month's ledger alone (its opening is what its bills
    brought in) while the total is the whole range's; by ``status``, a unit belongs to the status
    of its last bill in the range, and ``status`` keeps only the units whose last bill has it."""
    if group is not None and group not in GROUPS:
        raise ValueError(group)
    qs = bills_in(
        actor,
        first,
        last,
        place_filter=place_filter,
        business_type=business_type,
        category=category,
    )
    rows = _grouped(qs, first, last, group, status)
    if group == "month":
        # With a status filter no unit may have that status at the end of the whole range
        # though some months have one: then the total is empty while months are not.
        totals = _grouped(qs, first, last, None, status) if rows else []
        total = totals[0].ledger if totals else Ledger()
    else:
        total = Ledger()
        for row in rows:
            total.add(row.ledger)
    return LedgerResult(rows, total)


def _month_number(column: str) -> str:
    """A bill month as an increasing integer (days since 1970), in SQL: integer arithmetic
    (PostgreSQL's ``EXTRACT`` returns numeric, which is slow over millions of rows)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) AS INTEGER)"


def _grouped(
    qs: QuerySet[Bill], first: dt.date, last: dt.date, group: str | None, status: int | None
) -> list[Row]:
    """Set-based, in one statement: the range's bills (the ORM's filtered queryset) joined to
    their approved adjustments summed per bill (a small hash join: adjustments are few), then per
    unit (per unit and month when grouped by month: every bill its own row, no grouping), then
    per group. Per unit, MIN / MAX over the month packed in front of the amount pick the first
    bill's arrears in and the last bill's balance and status, with neither a sort nor a join
    back."""
    columns = ["psid", "unit_id", "month", "monthly_fee", "arrears", "paid_amount"]
    by_unit_key = group is not None and group not in ("month", "status")
    if by_unit_key:
        qs = qs.annotate(g_key=F(GROUPS[str(group)]))
        columns.append("g_key")
    bills_sql, bills_params = qs.order_by().values(*columns).query.sql_with_params()
    approved = (
        Adjustment.objects.filter(status=AdjustmentStatus.APPROVED, month__gte=first)
        .filter(month__lte=last)
        .order_by()
        .values("bill_id")
        .annotate(
            a_amount=Sum("amount"),
            a_fee=Sum(Coalesce(F("fee_before"), F("new_fee")) - F("new_fee")),
        )
    )
    adj_sql, adj_params = approved.query.sql_with_params()
    due = "(b.monthly_fee + b.arrears)"
    billed = "(b.monthly_fee + COALESCE(a.a_fee, 0))"
    adjusted = "COALESCE(a.a_amount, 0)"
    balance = f"(CASE WHEN b.paid_amount < {due} THEN {due} - b.paid_amount ELSE 0 END)"
    # What the bill brought in, as billed: what it asks now + adjusted − billed.
    arrears_in = f"({due} + {adjusted} - {billed})"
    figures = {
        "billed": billed,
        "collected": f"(CASE WHEN b.paid_amount < {due} THEN b.paid_amount ELSE {due} END)",
        "adjusted": adjusted,
        "overpaid": f"(CASE WHEN b.paid_amount > {due} THEN b.paid_amount - {due} ELSE 0 END)",
        "paid_full": f"(CASE WHEN b.paid_amount > 0 AND b.paid_amount >= {due} THEN 1 ELSE 0 END)",
    }
    source = f"({bills_sql}) b LEFT JOIN ({adj_sql}) a ON a.bill_id = b.psid"
    if group == "month":
        # Each bill is its own row: its arrears in open it, its balance closes it.
        per_unit = (
            "SELECT b.month AS g_key, 1 AS u_bills, "  # noqa: S608 (fixed names, ORM SQL)
            + ", ".join(f"{sql} AS u_{name}" for name, sql in figures.items())
            + f", {arrears_in} AS u_first, {balance} AS u_last,"
            f" {status_sql('b')} AS u_status FROM {source}"
        )
    else:
        month = f"{_month_number('b.month')} * {_SHIFT}"

        def packed(amount: str) -> str:
            return f"({month} + {amount} + {_OFFSET})"

        keys = "b.unit_id, b.g_key" if by_unit_key else "b.unit_id"
        per_unit = (
            f"SELECT {keys}, COUNT(*) AS u_bills, "  # noqa: S608 (fixed names, ORM SQL)
            + ", ".join(f"SUM({sql}) AS u_{name}" for name, sql in figures.items())
            + f", MIN({packed(arrears_in)}) AS u_first_p, MAX({packed(balance)}) AS u_last_p,"
            f" MAX({packed(status_sql('b'))}) AS u_status_p FROM {source} GROUP BY {keys}"
        )
    if group == "month":
        first_sql, last_sql, status_col = "u.u_first", "u.u_last", "u.u_status"
    else:
        # The amount packed behind the month (MIN / MAX picked the first / last bill).
        def low(column: str) -> str:
            return f"((u.{column} %% {_SHIFT}) - {_OFFSET})"

        first_sql, last_sql, status_col = low("u_first_p"), low("u_last_p"), low("u_status_p")
    if group == "status":
        key_sql = status_col
    elif group is not None:
        key_sql = "u.g_key"
    else:
        key_sql = "0"
    where = f" WHERE {status_col} = %s" if status is not None else ""
    # Only fixed column names and the ORM's own SQL are put together here; values are parameters.
    outer = (
        f"SELECT {key_sql}, COUNT(*), SUM(u.u_bills), SUM({first_sql}), SUM(u.u_billed),"  # noqa: S608
        " SUM(u.u_collected), SUM(u.u_adjusted),"
        f" SUM({last_sql}), SUM(u.u_overpaid), SUM(u.u_paid_full)"
        f" FROM ({per_unit}) u{where}" + (f" GROUP BY {key_sql} ORDER BY 1" if group else "")
    )
    params = (*bills_params, *adj_params, *([status] if status is not None else []))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One unit per row of a hash table of ~300,000 units: without room it spills to
            # disk; JIT compiling costs more than it saves here. This transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    out = []
    for key, *numbers in rows:
        if numbers[0] == 0:
            continue  # no unit: the ungrouped aggregate of nothing
        if group == "month" and isinstance(key, str):
            key = dt.date.fromisoformat(key)  # SQLite returns the date as text
        out.append(Row(key, Ledger(*(int(n or 0) for n in numbers))))
    return out
