"""Summaries of bills per month × UC × status, kept equal to a recount of the bills.

Every service that writes bills calls ``stats_refresh`` with the (uc_id, month) pairs it touched,
inside its own transaction, so the dashboard never scans 3.6 M bills. A service that activates or
deactivates units passes their UC ids as ``units_of``. ``manage.py rebuild_stats`` recomputes all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Min,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest

from suthra.billing.models import Bill
from suthra.locations.models import UnionCouncil
from suthra.stats.models import Aging, MonthlyStat, MonthlyTypeStat, UnitStat
from suthra.units.models import SurveyUnit

# Months owed ≈ arrears ÷ monthly fee; the bucket's upper bound is inclusive.
AGING_EXPR = Case(
    When(arrears=0, then=Value(Aging.NONE)),
    When(arrears__lte=F("monthly_fee") * 3, then=Value(Aging.UP_TO_3)),
    When(arrears__lte=F("monthly_fee") * 6, then=Value(Aging.UP_TO_6)),
    When(arrears__lte=F("monthly_fee") * 12, then=Value(Aging.UP_TO_12)),
    default=Value(Aging.OVER_12),
    output_field=PositiveSmallIntegerField(),
)
AMOUNTS = {
    "n_bills": Count("psid"),
    "s_fees": Sum("monthly_fee"),
    "s_arrears": Sum("arrears"),
    "s_collected": Sum("paid_amount"),
    "s_outstanding": Sum(Greatest(F("monthly_fee") + F("arrears") - F("paid_amount"), Value(0))),
}
BATCH = 2000


def _first(month: dt.date) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _amounts(row: Mapping[str, Any]) -> dict[str, int]:
    return {
        "bills": row["n_bills"],
        "fees": row["s_fees"] or 0,
        "arrears": row["s_arrears"] or 0,
        "collected": row["s_collected"] or 0,
        "outstanding": row["s_outstanding"] or 0,
    }


def _write_month(month: dt.date, bills: QuerySet[Bill]) -> None:
    """Insert the summaries of ``bills`` (all of one month); their old rows are already gone."""
    rows = (
        bills.annotate(aging=AGING_EXPR)
        .values("unit__uc_id", "status", "aging")
        .annotate(**AMOUNTS)
        .order_by()
    )
    MonthlyStat.objects.bulk_create(
        (
            MonthlyStat(
                uc_id=r["unit__uc_id"],
                month=month,
                status=r["status"],
                aging=r["aging"],
                **_amounts(r),
            )
            for r in rows
        ),
        batch_size=BATCH,
    )
    type_rows = (
        bills.values("unit__uc_id", "unit__business_type_id", "unit__category", "status")
        .annotate(**AMOUNTS)
        .order_by()
    )
    MonthlyTypeStat.objects.bulk_create(
        (
            MonthlyTypeStat(
                uc_id=r["unit__uc_id"],
                month=month,
                business_type_id=r["unit__business_type_id"],
                category=r["unit__category"],
                status=r["status"],
                **_amounts(r),
            )
            for r in type_rows
        ),
        batch_size=BATCH,
    )


def _refresh_units(uc_ids: Iterable[int] | None) -> None:
    units = SurveyUnit.objects.all()
    old = UnitStat.objects.all()
    if uc_ids is not None:
        ids = sorted(set(uc_ids))
        units = units.filter(uc_id__in=ids)
        old = old.filter(uc_id__in=ids)
    old.delete()
    counts = (
        units.values("uc_id")
        .annotate(n_active=Count("id", filter=Q(is_active=True)), n_all=Count("id"))
        .order_by()
    )
    UnitStat.objects.bulk_create(
        (
            UnitStat(uc_id=c["uc_id"], active=c["n_active"], inactive=c["n_all"] - c["n_active"])
            for c in counts
        ),
        batch_size=BATCH,
    )


def _lock(uc_ids: list[int] | None) -> None:
    # Two transactions refreshing the same UC would both delete and then collide on insert;
    # locking the UC rows (in id order) serialises them. SQLite ignores FOR UPDATE.
    ucs = UnionCouncil.objects.select_for_update().order_by("id")
    if uc_ids is not None:
        ucs = ucs.filter(id__in=uc_ids)
    list(ucs.values_list("id", flat=True))


def _archived_months() -> set[dt.date]:
    """Months whose bills were moved to an archive file (billing.archive): their summaries stay
    as they were, since the figures did not change, only where the detail lives."""
    from suthra.billing.models import ArchivedMonth

    return set(
        ArchivedMonth.objects.filter(state=ArchivedMonth.State.ARCHIVED).values_list(
            "month", flat=True
        )
    )


def stats_refresh(
    *,
    keys: Iterable[tuple[int, dt.date]] | None = None,
    units_of: Iterable[int] | None = None,
) -> None:
    """Recompute the summaries of the given (uc_id, month) pairs (all when ``keys`` is None).

    Called by every service that writes bills (imports, payments, corrections), inside its
    transaction; ``units_of`` names UCs whose units were added, activated or deactivated.
    Also called at the end of demo data generation and by ``manage.py rebuild_stats``.
    """
    with transaction.atomic():
        if keys is None:
            _rebuild_all()
            return
        by_month: dict[dt.date, set[int]] = defaultdict(set)
        for uc_id, month in keys:
            by_month[_first(month)].add(int(uc_id))
        touched = set().union(*by_month.values()) if by_month else set()
        unit_ucs = touched | {int(u) for u in (units_of or ())}
        if not unit_ucs:
            return
        _lock(sorted(unit_ucs))
        archived = _archived_months() if by_month else set()
        for month, uc_set in sorted(by_month.items()):
            if month in archived:
                continue
            ids = sorted(uc_set)
            MonthlyStat.objects.filter(month=month, uc_id__in=ids).delete()
            MonthlyTypeStat.objects.filter(month=month, uc_id__in=ids).delete()
            _write_month(month, Bill.objects.filter(month=month, unit__uc_id__in=ids))
        _refresh_units(unit_ucs)


def _rebuild_all() -> None:
    _lock(None)
    archived = _archived_months()
    MonthlyStat.objects.exclude(month__in=archived).delete()
    MonthlyTypeStat.objects.exclude(month__in=archived).delete()
    span = Bill.objects.aggregate(first=Min("month"), last=Max("month"))
    month = span["first"]
    # One month at a time keeps each grouped query and its result small.
    while month is not None and month <= span["last"]:
        if month not in archived:
            _write_month(month, Bill.objects.filter(month=month))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    _refresh_units(None)
