"""Summaries of bills per month × UC × status, kept equal to a recount of the bills.

Every service that writes bills calls ``stats_refresh`` with the (uc_id, month) pairs it touched,
inside its own transaction, so the dashboard never scans 3.6 M bills. A service that activates or
deactivates units passes their UC ids as ``units_of``. ``manage.py rebuild_stats`` recomputes all.

Besides the bill sums, the same call keeps the consumers report's summaries: payment patterns
per UC and window (``PaymentPatternStat``, from each unit's bills of up to 23 months around the
touched months) and new / closed units per UC and month (``UnitFlowStat``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from suthra.billing.models import Bill, BillStatus, status_sql
from suthra.locations.models import UnionCouncil
from suthra.stats.models import (
    AMOUNTS,
    PATTERN_WINDOWS,
    TYPE_STATUSES,
    Aging,
    MonthlyStat,
    MonthlyTypeStat,
    PaymentPatternStat,
    UnitFlowStat,
    UnitStat,
)
from suthra.units.models import SurveyUnit

BATCH = 2000


def _first(month: dt.date) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    while first <= last:
        months.append(first)
        first = _add(first, 1)
    return months


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
    owed = (
        "CASE WHEN b.monthly_fee + b.arrears > b.paid_amount "
        "THEN b.monthly_fee + b.arrears - b.paid_amount ELSE 0 END"
    )
    amounts = f"COUNT(*), SUM(b.monthly_fee), SUM(b.arrears), SUM(b.paid_amount), SUM({owed})"
    columns = "bills, fees, arrears, collected, outstanding"
    # The business-type summary keeps each status's sums side by side in one row.
    values = {"bills": "1", "fees": "b.monthly_fee", "arrears": "b.arrears"}
    values |= {"collected": "b.paid_amount", "outstanding": owed}
    # A bill's status is not stored: it follows from the paid amount (billing.models). The
    # fifteen sums over it cost about what plain comparisons do (84 against 80 ms over a
    # synthetic 300 k-row table on PostgreSQL).
    status = status_sql("b")
    by_status = [
        (f"{prefix}_{name}", f"SUM(CASE WHEN {status} = {s} THEN {values[name]} ELSE 0 END)")
        for s, prefix in TYPE_STATUSES.items()
        for name in AMOUNTS
    ]
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
        f"SELECT u.uc_id, b.month, {status}, {aging}, {amounts} "
        f"FROM {bill} b JOIN {unit} u ON u.id = b.unit_id WHERE {where} "
        f"GROUP BY u.uc_id, b.month, {status}, {aging} "
        # Rows in key order fill the primary key's pages (random order leaves them ~70 % full).
        "ORDER BY 2, 1, 3, 4"
    )
    typed = (
        f"INSERT INTO {MonthlyTypeStat._meta.db_table} "  # noqa: S608
        f"(uc_id, month, business_type_id, category, {', '.join(c for c, _ in by_status)}) "
        f"SELECT u.uc_id, b.month, u.business_type_id, u.category, "
        f"{', '.join(e for _, e in by_status)} "
        f"FROM {bill} b JOIN {unit} u ON u.id = b.unit_id WHERE {where} "
        f"GROUP BY u.uc_id, b.month, u.business_type_id, u.category "
        "ORDER BY 2, 1, 3, 4"
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


# The longest pattern window, and how many end months one pattern query covers: their bills
# span 2 × WINDOW − 1 months, one bit each in a 32-bit mask.
WINDOW = max(PATTERN_WINDOWS)


def _pattern_chunk(ends: list[dt.date], uc_ids: list[int] | None) -> list[PaymentPatternStat]:
    """Payment patterns of the end months ``ends`` (consecutive, at most ``WINDOW``): each
    unit's bills of the span become three bit masks (billed, paid in full, paid something;
    bit i = i-th month of the span), then every (end month, window) counts the units."""
    bill, unit = Bill._meta.db_table, SurveyUnit._meta.db_table
    months = _span(_add(ends[0], 1 - WINDOW), ends[-1])
    bit = "CASE b.month " + " ".join("WHEN %s THEN %s" for _ in months) + " ELSE 0 END"
    bit_params: list[Any] = [p for i, m in enumerate(months) for p in (m, 1 << i)]
    few = uc_ids is not None and len(uc_ids) <= 2 and connection.vendor == "postgresql"
    if few:
        # One or two UCs (a payment, a correction): probe each unit's bills through the
        # (unit, month) index; the planner would rather scan all 3.5 M bills, and OFFSET 0
        # keeps the per-unit subquery as written. A UC's bills are spread over every page of
        # a month, so beyond two UCs one scan of the bills costs less.
        source = (
            f"{unit} u CROSS JOIN LATERAL (SELECT b.month, b.paid_amount, b.monthly_fee, "  # noqa: S608
            f"b.arrears FROM {bill} b "
            "WHERE b.unit_id = u.id AND b.month >= %s AND b.month <= %s OFFSET 0) b"
        )
        where = "TRUE"
    else:
        source = f"{unit} u JOIN {bill} b ON b.unit_id = u.id"
        where = "b.month >= %s AND b.month <= %s"
    params: list[Any] = [months[0], months[-1]]
    status = status_sql("b")  # not stored: it follows from the paid amount
    if uc_ids is not None:
        where += f" AND u.uc_id IN ({', '.join(['%s'] * len(uc_ids))})"
    sums = (
        f"SUM({bit}) AS billed, "
        f"SUM(CASE WHEN {status} = {int(BillStatus.PAID)} THEN {bit} ELSE 0 END) AS paid, "
        f"SUM(CASE WHEN {status} <> {int(BillStatus.UNPAID)} THEN {bit} ELSE 0 END) AS partly"
    )
    masks = (
        f"SELECT u.uc_id AS uc_id, {sums} FROM {source} "  # noqa: S608
        f"WHERE {where} GROUP BY u.uc_id, u.id"
    )
    params = [*bit_params, *bit_params, *bit_params, *params, *(uc_ids or [])]
    windows: list[tuple[int, int, int]] = []
    for i, end in enumerate(ends):
        last = months.index(end)
        for n in PATTERN_WINDOWS:
            first = max(0, last - n + 1)
            windows.append((i, n, ((1 << (last + 1)) - 1) & ~((1 << first) - 1)))
    values = ", ".join("(%s, %s, %s)" for _ in windows)
    in_window = "(m.billed & w.mask) <> 0"
    sql = (
        f"WITH m AS ({masks}), w(i, n, mask) AS (VALUES {values}) "  # noqa: S608
        f"SELECT m.uc_id, w.i, w.n, SUM(CASE WHEN {in_window} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {in_window} AND (m.billed & ~m.paid & w.mask) = 0 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {in_window} AND (m.partly & w.mask) = 0 THEN 1 ELSE 0 END) "
        "FROM m CROSS JOIN w GROUP BY m.uc_id, w.i, w.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *(p for w in windows for p in w)])
        rows = cursor.fetchall()
    return [
        PaymentPatternStat(
            uc_id=uc, month=ends[i], months=n, units=units, always=always, never=never
        )
        for uc, i, n, units, always, never in rows
        if units
    ]


def _refresh_patterns(
    uc_ids: list[int] | None, first: dt.date, last: dt.date, archived: set[dt.date]
) -> None:
    """Recompute the payment patterns of the end months ``first``…``last`` (archived ones
    stay as they were) of ``uc_ids`` (or all UCs)."""
    ends = [m for m in _span(first, last) if m not in archived]
    old = PaymentPatternStat.objects.filter(month__gte=first, month__lte=last).exclude(
        month__in=archived
    )
    if uc_ids is not None:
        old = old.filter(uc_id__in=uc_ids)
    old.delete()
    # The newest billed month, from the month summaries just written (MAX over the bills
    # would read all 3.5 M of them: the month has only a BRIN index).
    newest = MonthlyStat.objects.aggregate(last=Max("month"))["last"]
    ends = [m for m in ends if newest is not None and m <= newest]
    for start in range(0, len(ends), WINDOW):
        chunk = ends[start : start + WINDOW]
        # Consecutive months only: archived gaps split a chunk.
        while chunk:
            run = [chunk[0]]
            for m in chunk[1:]:
                if m != _add(run[-1], 1):
                    break
                run.append(m)
            PaymentPatternStat.objects.bulk_create(_pattern_chunk(run, uc_ids), batch_size=BATCH)
            chunk = chunk[len(run) :]


def _refresh_flows(
    uc_ids: Iterable[int] | None,
    *,
    units_changed: Iterable[int] | None,
    archived: set[dt.date],
) -> None:
    """New units per survey month and closed units (inactive, by their last bill's month) of
    ``uc_ids`` (or all UCs). New units are counted again only in ``units_changed`` (None: all);
    elsewhere only bills changed, and counting 300 k units' survey months is half a second.
    The closed units of an ``archived`` month stay as they were: the bills that told them are
    in the archive file now (a unit whose last bill is in an archived month has no bill left
    in the table, or only older ones — then it also counts in the month of those, a rare
    overlap when a month older than an archived one was restored)."""
    units = SurveyUnit.objects.all()
    old = UnitFlowStat.objects.all()
    if uc_ids is not None:
        ids = sorted(set(uc_ids))
        units = units.filter(uc_id__in=ids)
        old = old.filter(uc_id__in=ids)
    recount = None if units_changed is None else sorted(set(units_changed))
    flows: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    if recount is not None:
        kept = old.exclude(uc_id__in=recount).values_list("uc_id", "month", "new")
        for uc_id, month, new in kept:
            flows[(uc_id, month)][0] = new
    for uc_id, month, closed in old.filter(month__in=archived).values_list(
        "uc_id", "month", "closed"
    ):
        flows[(uc_id, month)][1] = closed
    old.delete()
    surveyed = units.filter(surveyed_at__isnull=False)
    if recount is not None:
        surveyed = surveyed.filter(uc_id__in=recount)
    for row in (
        surveyed.annotate(m=TruncMonth("surveyed_at", tzinfo=timezone.get_current_timezone()))
        .values("uc_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        month = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
        flows[(row["uc_id"], month)][0] += row["n"]
    # One probe of the (unit, month) index per inactive unit for its last bill.
    last_bill = Bill.objects.filter(unit=OuterRef("pk")).order_by("-month").values("month")[:1]
    for uc_id, last in units.filter(is_active=False).values_list("uc_id", Subquery(last_bill)):
        if last is not None and last not in archived:
            flows[(uc_id, last)][1] += 1
    UnitFlowStat.objects.bulk_create(
        (
            UnitFlowStat(uc_id=uc_id, month=month, new=new, closed=closed)
            for (uc_id, month), (new, closed) in flows.items()
            if new or closed
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
        units_changed = {int(u) for u in (units_of or ())}
        unit_ucs = touched | units_changed
        if not unit_ucs:
            return
        _lock(sorted(unit_ucs))
        archived = _archived_months()
        for month, uc_set in sorted(by_month.items()):
            if month in archived:
                continue
            ids = sorted(uc_set)
            MonthlyStat.objects.filter(month=month, uc_id__in=ids).delete()
            MonthlyTypeStat.objects.filter(month=month, uc_id__in=ids).delete()
            _write_month(month, ids)
        if by_month:
            # A bill of month m is in the windows ending in m … m + WINDOW − 1.
            _refresh_patterns(
                sorted(touched), min(by_month), _add(max(by_month), WINDOW - 1), archived
            )
        _refresh_units(unit_ucs)
        _refresh_flows(unit_ucs, units_changed=units_changed, archived=archived)


def stats_refresh_month(month: dt.date) -> None:
    """Recompute one month's summaries for every UC that has bills in it or rows kept for it —
    a restored archived month: its rows were written when it was archived, and a unit may have
    moved to another UC since (that UC's rows are recounted too, not left beside the new ones).
    Call it inside the transaction that put the bills back."""
    month = _first(month)
    ucs = set(
        Bill.objects.filter(month=month).order_by().values_list("unit__uc_id", flat=True).distinct()
    )
    for model in (MonthlyStat, MonthlyTypeStat, PaymentPatternStat):
        ucs |= set(model.objects.filter(month=month).values_list("uc_id", flat=True).distinct())
    stats_refresh(keys=[(uc, month) for uc in sorted(ucs)])


def _rebuild_all() -> None:
    """Every summary from the bills and units — except the rows of archived months, which
    have no bills left to be counted: deleting them would lose their figures."""
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
        month = _add(month, 1)
    rebuild_consumer_summaries(archived)
    _refresh_units(None)


def rebuild_consumer_summaries(archived: set[dt.date] | None = None) -> None:
    """The payment patterns and new / closed units of every UC, from the bills in the table
    (the month summaries must be written: the newest month is read from them). Archived
    months' rows stay. Also used by the migration that created these two summaries."""
    if archived is None:
        archived = _archived_months()
    span = Bill.objects.aggregate(first=Min("month"), last=Max("month"))
    PaymentPatternStat.objects.exclude(month__in=archived).delete()
    if span["first"] is not None:
        _refresh_patterns(None, span["first"], span["last"], archived)
    _refresh_flows(None, units_changed=None, archived=archived)


# --- recounts for the ledger check (billing/ledger_check.py): computed, never written --------


def pattern_recount(ends: list[dt.date], uc_ids: list[int] | None) -> list[PaymentPatternStat]:
    """The payment patterns of the end months ``ends`` (of ``uc_ids``, or all UCs) as a fresh
    count of the bills would store them; unsaved rows."""
    rows: list[PaymentPatternStat] = []
    ends = sorted(set(ends))
    while ends:
        run = [ends[0]]
        for m in ends[1:WINDOW]:
            if m != _add(run[-1], 1):
                break
            run.append(m)
        rows += _pattern_chunk(run, uc_ids)
        ends = ends[len(run) :]
    return rows


def flow_recount(
    uc_ids: list[int] | None, archived: set[dt.date]
) -> dict[tuple[int, dt.date], tuple[int, int]]:
    """(uc, month) → (new, closed) as ``_refresh_flows`` counts them from the units and bills;
    ``closed`` of an ``archived`` month is 0 here (its stored figure cannot be recounted)."""
    units = SurveyUnit.objects.all()
    if uc_ids is not None:
        units = units.filter(uc_id__in=uc_ids)
    flows: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        units.filter(surveyed_at__isnull=False)
        .annotate(m=TruncMonth("surveyed_at", tzinfo=timezone.get_current_timezone()))
        .values("uc_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        month = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
        flows[(row["uc_id"], month)][0] += row["n"]
    last_bill = Bill.objects.filter(unit=OuterRef("pk")).order_by("-month").values("month")[:1]
    for uc_id, last in units.filter(is_active=False).values_list("uc_id", Subquery(last_bill)):
        if last is not None and last not in archived:
            flows[(uc_id, last)][1] += 1
    return {k: (v[0], v[1]) for k, v in flows.items() if v[0] or v[1]}
