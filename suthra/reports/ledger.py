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

The work is one grouped query over the range's bills (no bill is read twice): per unit the
first bill's arrears and the last bill's balance are found with MIN / MAX over the month packed in
front of the amount, so there is neither a sort nor a join back. A single month (the dashboard)
is read from the summaries (``suthra/stats``) instead: there each bill is its own unit and the
same figures follow from the sums (``from_summary``); tests check the two agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from suthra.accounts import scope
from suthra.billing.models import Adjustment, AdjustmentStatus, Bill, status_case

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


def _adjustments(outer: str = "psid") -> tuple[Subquery, Subquery]:
    """Per bill, Σ approved ``amount`` and Σ fee lowered (``fee_before − new_fee``)."""
    approved = Adjustment.objects.filter(bill_id=OuterRef(outer), status=AdjustmentStatus.APPROVED)
    amount = approved.values("bill_id").annotate(s=Sum("amount")).values("s")
    fee_delta = (
        approved.values("bill_id")
        .annotate(s=Sum(Coalesce(F("fee_before"), F("new_fee")) - F("new_fee")))
        .values("s")
    )
    return (
        Subquery(amount, output_field=IntegerField()),
        Subquery(fee_delta, output_field=IntegerField()),
    )


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


def _per_bill(qs: QuerySet[Bill]) -> QuerySet[Bill]:
    """Each bill's figures as billed: billed, adjusted, collected, overpaid, balance, arrears in."""
    amount, fee_delta = _adjustments()
    due = F("monthly_fee") + F("arrears")
    ints = IntegerField()
    return qs.annotate(
        l_adjusted=Coalesce(amount, Value(0)),
        l_fee_delta=Coalesce(fee_delta, Value(0)),
        l_billed=ExpressionWrapper(F("monthly_fee") + F("l_fee_delta"), output_field=ints),
        l_collected=Case(
            When(paid_amount__lt=due, then=F("paid_amount")), default=due, output_field=ints
        ),
        l_overpaid=Case(
            When(paid_amount__gt=due, then=F("paid_amount") - due),
            default=Value(0),
            output_field=ints,
        ),
        l_balance=Case(
            When(paid_amount__lt=due, then=due - F("paid_amount")),
            default=Value(0),
            output_field=ints,
        ),
        # What the bill brought in, as billed: what it asks now + adjusted − billed.
        l_arrears_in=ExpressionWrapper(due + F("l_adjusted") - F("l_billed"), output_field=ints),
        l_paid_full=Case(
            When(Q(paid_amount__gt=0, paid_amount__gte=due), then=Value(1)),
            default=Value(0),
            output_field=ints,
        ),
        l_ym=ExpressionWrapper(
            ExtractYear("month") * 12 + ExtractMonth("month"), output_field=ints
        ),
        l_status=status_case(),
    )


def _packed(amount: str) -> Any:
    from django.db.models import BigIntegerField

    return ExpressionWrapper(
        F("l_ym") * Value(_SHIFT) + F(amount) + Value(_OFFSET), output_field=BigIntegerField()
    )


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
    qs = _per_bill(
        bills_in(
            actor,
            first,
            last,
            place_filter=place_filter,
            business_type=business_type,
            category=category,
        )
    )
    rows = _grouped(qs, group, status)
    if group == "month":
        # With a status filter no unit may have that status at the end of the whole range
        # though some months have one: then the total is empty while months are not.
        totals = _grouped(qs, None, status) if rows else []
        total = totals[0].ledger if totals else Ledger()
    else:
        total = Ledger()
        for row in rows:
            total.add(row.ledger)
    return LedgerResult(rows, total)


def _grouped(qs: QuerySet[Bill], group: str | None, status: int | None) -> list[Row]:
    """One pass: per unit (per unit and month when grouped by month), then per group."""
    keys = ["unit_id"]
    if group is not None and group != "status":
        qs = qs.annotate(g_key=F(GROUPS[group]))
        keys.append("g_key")
    per_unit = (
        qs.order_by()
        .values(*keys)
        .annotate(
            u_bills=Sum(Value(1)),
            u_billed=Sum("l_billed"),
            u_collected=Sum("l_collected"),
            u_adjusted=Sum("l_adjusted"),
            u_overpaid=Sum("l_overpaid"),
            u_paid_full=Sum("l_paid_full"),
            u_first=Min(_packed("l_arrears_in")),
            u_last=Max(_packed("l_balance")),
            u_last_status=Max(_packed("l_status")),
        )
    )
    sql, params = per_unit.query.sql_with_params()

    def low(column: str) -> str:
        # The amount packed behind the month (MIN / MAX picked the first / last bill).
        return f"((u.{column} %% {_SHIFT}) - {_OFFSET})"

    status_sql = low("u_last_status")
    if group == "status":
        key_sql = status_sql
    elif group is not None:
        key_sql = "u.g_key"
    else:
        key_sql = "0"
    where = f" WHERE {status_sql} = %s" if status is not None else ""
    # Only fixed column names and the ORM's own SQL are put together here; values are parameters.
    outer = (
        f"SELECT {key_sql}, COUNT(*), SUM(u.u_bills), SUM({low('u_first')}), SUM(u.u_billed),"  # noqa: S608
        " SUM(u.u_collected), SUM(u.u_adjusted),"
        f" SUM({low('u_last')}), SUM(u.u_overpaid), SUM(u.u_paid_full)"
        f" FROM ({sql}) u{where}" + (f" GROUP BY {key_sql} ORDER BY 1" if group is not None else "")  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, (*params, *([status] if status is not None else [])))
        rows = cursor.fetchall()
    out = []
    for key, *numbers in rows:
        if numbers[0] == 0:
            continue  # no unit: the ungrouped aggregate of nothing
        if group == "month" and isinstance(key, str):
            key = dt.date.fromisoformat(key)  # SQLite returns the date as text
        out.append(Row(key, Ledger(*(int(n or 0) for n in numbers))))
    return out
