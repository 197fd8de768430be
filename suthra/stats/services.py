"""Summaries of bills per month × UC × status, kept equal to a recount of the bills.

Every service that writes bills calls ``stats_refresh`` with the (uc_id, month) pairs it touched,
inside its own transaction, so the dashboard never scans 3.6 M bills. A service that activates or
deactivates units passes their UC ids as ``units_of``. ``manage.py rebuild_stats`` recomputes all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q

from suthra.billing.models import Bill
from suthra.locations.models import UnionCouncil
from suthra.stats.models import Aging, MonthlyStat, MonthlyTypeStat, UnitStat
from suthra.units.models import SurveyUnit

BATCH = 2000


def _first(month: dt.date) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _write_month(month: dt.date, uc_ids: list[int] | None) -> None:
    """Insert the summaries of one month's bills (of ``uc_ids``, or all); their old rows are
    already gone. One ``INSERT … SELECT … GROUP BY`` per table: the database does the work
    (fetching the groups and writing them back through the ORM took minutes at 3.5 M bills)."""
    bill, unit = Bill._meta.db_table, SurveyUnit._meta.db_table
    where = "b.month = %s"
    params: list[Any] = [month]
    if uc_ids is not None:
        where += f" AND u.uc_id IN ({', '.join(['%s'] * len(uc_ids))})"
        params += uc_ids
    amounts = (
        "COUNT(*), SUM(b.monthly_fee), SUM(b.arrears), SUM(b.paid_amount), "
        "SUM(CASE WHEN b.monthly_fee + b.arrears > b.paid_amount "
        "THEN b.monthly_fee + b.arrears - b.paid_amount ELSE 0 END)"
    )
    columns = "bills, fees, arrears, collected, outstanding"
    # Months owed ≈ arrears ÷ monthly fee; each bucket's upper bound is inclusive.
    aging = (
        f"CASE WHEN b.arrears = 0 THEN {Aging.NONE} "
        f"WHEN b.arrears <= b.monthly_fee * 3 THEN {Aging.UP_TO_3} "
        f"WHEN b.arrears <= b.monthly_fee * 6 THEN {Aging.UP_TO_6} "
        f"WHEN b.arrears <= b.monthly_fee * 12 THEN {Aging.UP_TO_12} "
        f"ELSE {Aging.OVER_12} END"
    )
    # Table and column names come from the models and constants above, never from input.
    monthly = (
        f"INSERT INTO {MonthlyStat._meta.db_table} (uc_id, month, status, aging, {columns}) "  # noqa: S608
        f"SELECT u.uc_id, b.month, b.status, {aging}, {amounts} "
        f"FROM {bill} b JOIN {unit} u ON u.id = b.unit_id WHERE {where} "
        f"GROUP BY u.uc_id, b.month, b.status, {aging}"
    )
    typed = (
        f"INSERT INTO {MonthlyTypeStat._meta.db_table} "  # noqa: S608
        f"(uc_id, month, business_type_id, category, status, {columns}) "
        f"SELECT u.uc_id, b.month, u.business_type_id, u.category, b.status, {amounts} "
        f"FROM {bill} b JOIN {unit} u ON u.id = b.unit_id WHERE {where} "
        f"GROUP BY u.uc_id, b.month, u.business_type_id, u.category, b.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(monthly, params)
        cursor.execute(typed, params)


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
            _write_month(month, ids)
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
            _write_month(month, None)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    _refresh_units(None)
