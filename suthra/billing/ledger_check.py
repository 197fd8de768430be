"""The ledger check: every unit's chain of bills and every summary table against a recount.

``verify(month=…, uc_ids=…, limit=…)`` runs set-based SQL (one statement per check, the same
text on PostgreSQL and SQLite ≥ 3.25 but for the month arithmetic) and returns every
discrepancy — listed up to ``limit`` rows, counted in full:

- **chain**: for each bill whose unit also has a bill of the month before, the previous bill's
  balance ``max(0, fee + arrears − paid)`` must equal this bill's arrears. A bill with an
  approved adjustment (``Adjustment``) had its arrears rewritten on approval: the chain then
  reads the arrears it had before (``arrears_before`` of its first approved adjustment), and
  also accepts the arrears it has now (a correction of the month before carried into it as an
  adjustment of its own); the previous bill counts with its figures as they are now
  (corrected), since the next month's arrears carry the correction. The first bill of a unit,
  and a bill after a gap (no bill the month before, e.g. an archived month), start a chain:
  their arrears are not checked.
- **monthly_stat** / **type_stat**: ``stats.MonthlyStat`` and ``stats.MonthlyTypeStat`` of the
  months whose bills are in the table, against a ``GROUP BY`` of the bills (the recount is
  written here again, independent of ``stats.services``).
- **unit_stat**: ``stats.UnitStat`` against a count of the units.
- **archived_uc** / **archived_month**: for archived months (no bills left to recount), the
  month summaries against ``ArchivedUCMonth``, and ``ArchivedMonth``'s totals against the sum of
  its ``ArchivedUCMonth`` rows.

``ledger_check_run`` runs it in full and stores the result (``LedgerCheck``), which the
dashboard warns about; ``ledger_check_due`` tells the scheduler whether tonight's run is due.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from suthra.billing.models import (
    Adjustment,
    AdjustmentStatus,
    ArchivedMonth,
    ArchivedUCMonth,
    Bill,
    DiscrepancyKind,
    LedgerCheck,
    LedgerDiscrepancy,
    status_sql,
)
from suthra.stats.models import AMOUNTS, TYPE_STATUSES, MonthlyStat, MonthlyTypeStat, UnitStat
from suthra.units.models import SurveyUnit

DEFAULT_LIMIT = 1000
# Full runs kept (their counts; only the newest keeps its rows).
KEEP_RUNS = 60

BILL = Bill._meta.db_table
UNIT = SurveyUnit._meta.db_table
ADJ = Adjustment._meta.db_table


@dataclass
class Discrepancy:
    kind: str
    uc_id: int | None
    unit_id: int | None
    month: dt.date | None
    item: str
    expected: int
    found: int
    survey_id: str = ""


@dataclass
class Result:
    rows: list[Discrepancy] = field(default_factory=list)
    total: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_uc: Counter[int] = field(default_factory=Counter)
    bills_checked: int = 0
    seconds: float = 0.0
    # Seconds per check, e.g. {"chain": 4.1, "monthly_stat": 2.0}.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.total == 0


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _prev_month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST({column} - INTERVAL '1 month' AS date)"
    return f"date({column}, '-1 month')"


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _add_month(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


class _Collector:
    """Gathers a check's rows up to the shared limit and every count."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.result = Result()

    @property
    def room(self) -> int:
        return max(0, self.limit - len(self.result.rows))

    def add(self, d: Discrepancy) -> None:
        self.result.total += 1
        self.result.by_kind[d.kind] += 1
        self.result.by_uc[d.uc_id or 0] += 1
        if len(self.result.rows) < self.limit:
            self.result.rows.append(d)


def _execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


# --- the chain ------------------------------------------------------------------------------


def _chain(c: _Collector, month: dt.date | None, ucs: list[int] | None) -> None:
    """Bills whose arrears are not the previous month's balance: listed up to the room left,
    counted in full (``COUNT(*) OVER ()``), per UC only when there are more than listed."""
    owed = (
        "CASE WHEN b.monthly_fee + b.arrears > b.paid_amount "
        "THEN b.monthly_fee + b.arrears - b.paid_amount ELSE 0 END"
    )
    where: list[str] = []
    params: list[Any] = [int(AdjustmentStatus.APPROVED), int(AdjustmentStatus.APPROVED)]
    if month is not None:
        where.append("b.month >= %s AND b.month <= %s")
        params += [_add_month(month, -1), month]
    join_unit = ""
    if ucs is not None:
        join_unit = f" JOIN {UNIT} u ON u.id = b.unit_id"
        where.append(f"u.uc_id IN ({_placeholders(ucs)})")
        params += ucs
    where_sql = f"WHERE {' AND '.join(where)}" if where else ""
    # The arrears a bill had before its first approved adjustment (the few adjusted bills).
    adjusted = (
        f"SELECT a.bill_id, a.arrears_before FROM {ADJ} a WHERE a.status = %s AND a.id = "  # noqa: S608
        f"(SELECT MIN(a2.id) FROM {ADJ} a2 WHERE a2.bill_id = a.bill_id AND a2.status = %s)"
    )
    chained = (
        f"SELECT b.unit_id, b.month, COALESCE(adj.arrears_before, b.arrears) AS found, "  # noqa: S608
        "b.arrears AS arrears, "
        f"LAG(b.month) OVER w AS p_month, LAG({owed}) OVER w AS expected "
        f"FROM {BILL} b{join_unit} LEFT JOIN adj ON adj.bill_id = b.psid {where_sql} "
        "WINDOW w AS (PARTITION BY b.unit_id ORDER BY b.month)"
    )
    # An adjusted bill passes when its arrears before or after the adjustment follow: a
    # correction carried into this bill (written as an adjustment of it) makes the after.
    outer = [
        f"x.p_month = {_prev_month_sql('x.month')}",
        "x.found <> x.expected",
        "x.arrears <> x.expected",
    ]
    outer_params: list[Any] = []
    if month is not None:
        outer.append("x.month = %s")
        outer_params.append(month)
    base = f"WITH adj AS ({adjusted}), x AS ({chained}) "
    sql = (
        base + "SELECT x.unit_id, x.month, x.expected, x.found, COUNT(*) OVER () "  # noqa: S608
        f"FROM x WHERE {' AND '.join(outer)} ORDER BY x.unit_id, x.month LIMIT %s"
    )
    rows = _execute(sql, [*params, *outer_params, c.room + 1])
    if not rows:
        return
    total = int(rows[0][4])
    units = dict(SurveyUnit.objects.filter(id__in={r[0] for r in rows}).values_list("id", "uc_id"))
    surveys = dict(
        SurveyUnit.objects.filter(id__in={r[0] for r in rows}).values_list("id", "survey_id")
    )
    listed = rows[: c.room]
    for unit_id, m, expected, found, _n in listed:
        c.result.rows.append(
            Discrepancy(
                kind=DiscrepancyKind.CHAIN,
                uc_id=units.get(unit_id),
                unit_id=unit_id,
                month=_date(m),
                item="arrears",
                expected=int(expected),
                found=int(found),
                survey_id=surveys.get(unit_id, ""),
            )
        )
    c.result.total += total
    c.result.by_kind[DiscrepancyKind.CHAIN] += total
    if total <= len(rows):
        for unit_id, *_rest in rows:
            c.result.by_uc[units.get(unit_id) or 0] += 1
        # The one fetched beyond the room was counted: it is in the total.
        return
    # More than fetched: count per UC in one grouped pass.
    grouped = (
        base + f"SELECT u2.uc_id, COUNT(*) FROM x JOIN {UNIT} u2 ON u2.id = x.unit_id "  # noqa: S608
        f"WHERE {' AND '.join(outer)} GROUP BY u2.uc_id"
    )
    for uc_id, n in _execute(grouped, [*params, *outer_params]):
        c.result.by_uc[uc_id or 0] += int(n)


# --- the summaries --------------------------------------------------------------------------

_OWED = (
    "CASE WHEN b.monthly_fee + b.arrears > b.paid_amount "
    "THEN b.monthly_fee + b.arrears - b.paid_amount ELSE 0 END"
)
_AMOUNT_SQL = {
    "bills": "1",
    "fees": "b.monthly_fee",
    "arrears": "b.arrears",
    "collected": "b.paid_amount",
    "outstanding": _OWED,
}


def _aging_sql() -> str:
    from suthra.stats.models import Aging

    return (
        f"CASE WHEN b.arrears = 0 THEN {Aging.NONE} "
        f"WHEN b.arrears <= b.monthly_fee * 3 THEN {Aging.UP_TO_3} "
        f"WHEN b.arrears <= b.monthly_fee * 6 THEN {Aging.UP_TO_6} "
        f"WHEN b.arrears <= b.monthly_fee * 12 THEN {Aging.UP_TO_12} "
        f"ELSE {Aging.OVER_12} END"
    )


def _compare(
    c: _Collector,
    *,
    kind: str,
    keys: list[str],
    columns: list[str],
    recount: str,
    recount_params: list[Any],
    stored: str,
    stored_params: list[Any],
    label: Any,
) -> None:
    """Rows of ``recount`` and ``stored`` (both ``SELECT keys…, columns…``) grouped by key
    where any column differs; a key missing on one side counts as zeros there. One row per
    differing (key, column). ``label(key_values, column)`` names the item."""
    n = len(keys)
    pad = ", ".join(["0"] * len(columns))
    rec_cols = ", ".join(f"r.{col}" for col in columns)
    st_cols = ", ".join(f"s.{col}" for col in columns)
    both = (
        f"SELECT {', '.join('r.' + k for k in keys)}, {rec_cols}, {pad} FROM ({recount}) r "  # noqa: S608
        f"UNION ALL SELECT {', '.join('s.' + k for k in keys)}, {pad}, {st_cols} "
        f"FROM ({stored}) s"
    )
    names = [f"k{i}" for i in range(n)] + [f"r{i}" for i in range(len(columns))]
    names += [f"s{i}" for i in range(len(columns))]
    sums = ", ".join(f"SUM(t.r{i}), SUM(t.s{i})" for i in range(len(columns)))
    differ = " OR ".join(f"SUM(t.r{i}) <> SUM(t.s{i})" for i in range(len(columns)))
    group = ", ".join(f"t.k{i}" for i in range(n))
    # A CTE names the columns (SQLite has no column list on a derived table).
    sql = (
        f"WITH t({', '.join(names)}) AS ({both}) "  # noqa: S608
        f"SELECT {group}, {sums} FROM t GROUP BY {group} HAVING {differ} ORDER BY {group}"
    )
    for row in _execute(sql, [*recount_params, *stored_params]):
        key = row[:n]
        for i, col in enumerate(columns):
            expected, found = int(row[n + 2 * i] or 0), int(row[n + 2 * i + 1] or 0)
            if expected != found:
                uc_id, month, item = label(key, col)
                c.add(
                    Discrepancy(
                        kind=kind,
                        uc_id=uc_id,
                        unit_id=None,
                        month=month,
                        item=item,
                        expected=expected,
                        found=found,
                    )
                )


def _month_filter(
    alias: str, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date], uc: str
) -> tuple[str, list[Any]]:
    where = ["1 = 1"]
    params: list[Any] = []
    if month is not None:
        where.append(f"{alias}.month = %s")
        params.append(month)
    if archived:
        where.append(f"{alias}.month NOT IN ({_placeholders(archived)})")
        params += archived
    if ucs is not None:
        where.append(f"{uc} IN ({_placeholders(ucs)})")
        params += ucs
    return " AND ".join(where), params


def _monthly_stats(
    c: _Collector, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date]
) -> None:
    status, aging = status_sql("b"), _aging_sql()
    where, params = _month_filter("b", month, ucs, archived, "u.uc_id")
    amounts = ", ".join(f"SUM({_AMOUNT_SQL[a]}) AS {a}" for a in AMOUNTS)
    recount = (
        f"SELECT u.uc_id, b.month, {status} AS status, {aging} AS aging, {amounts} "  # noqa: S608
        f"FROM {BILL} b JOIN {UNIT} u ON u.id = b.unit_id WHERE {where} "
        f"GROUP BY u.uc_id, b.month, {status}, {aging}"
    )
    s_where, s_params = _month_filter("m", month, ucs, archived, "m.uc_id")
    stored = (
        f"SELECT m.uc_id, m.month, m.status, m.aging, {', '.join(AMOUNTS)} "  # noqa: S608
        f"FROM {MonthlyStat._meta.db_table} m WHERE {s_where}"
    )
    _compare(
        c,
        kind=DiscrepancyKind.MONTHLY_STAT,
        keys=["uc_id", "month", "status", "aging"],
        columns=list(AMOUNTS),
        recount=recount,
        recount_params=params,
        stored=stored,
        stored_params=s_params,
        label=lambda k, col: (k[0], _date(k[1]), f"status={k[2]} aging={k[3]} {col}"),
    )


def _type_stats(
    c: _Collector, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date]
) -> None:
    status = status_sql("b")
    where, params = _month_filter("b", month, ucs, archived, "u.uc_id")
    columns = [f"{prefix}_{name}" for prefix in TYPE_STATUSES.values() for name in AMOUNTS]
    sums = ", ".join(
        f"SUM(CASE WHEN {status} = {s} THEN {_AMOUNT_SQL[name]} ELSE 0 END) AS {prefix}_{name}"
        for s, prefix in TYPE_STATUSES.items()
        for name in AMOUNTS
    )
    recount = (
        f"SELECT u.uc_id, b.month, u.business_type_id, u.category, {sums} "  # noqa: S608
        f"FROM {BILL} b JOIN {UNIT} u ON u.id = b.unit_id WHERE {where} "
        "GROUP BY u.uc_id, b.month, u.business_type_id, u.category"
    )
    s_where, s_params = _month_filter("m", month, ucs, archived, "m.uc_id")
    stored = (
        f"SELECT m.uc_id, m.month, m.business_type_id, m.category, {', '.join(columns)} "  # noqa: S608
        f"FROM {MonthlyTypeStat._meta.db_table} m WHERE {s_where}"
    )
    _compare(
        c,
        kind=DiscrepancyKind.TYPE_STAT,
        keys=["uc_id", "month", "business_type_id", "category"],
        columns=columns,
        recount=recount,
        recount_params=params,
        stored=stored,
        stored_params=s_params,
        label=lambda k, col: (k[0], _date(k[1]), f"type={k[2]} category={k[3]} {col}"),
    )


def _unit_stats(c: _Collector, ucs: list[int] | None) -> None:
    where, params = "1 = 1", list(ucs or [])
    if ucs is not None:
        where = f"uc_id IN ({_placeholders(ucs)})"
    recount = (
        f"SELECT uc_id, SUM(CASE WHEN is_active THEN 1 ELSE 0 END) AS active, "  # noqa: S608
        f"SUM(CASE WHEN is_active THEN 0 ELSE 1 END) AS inactive FROM {UNIT} "
        f"WHERE {where} GROUP BY uc_id"
    )
    stored = f"SELECT uc_id, active, inactive FROM {UnitStat._meta.db_table} WHERE {where}"  # noqa: S608
    _compare(
        c,
        kind=DiscrepancyKind.UNIT_STAT,
        keys=["uc_id"],
        columns=["active", "inactive"],
        recount=recount,
        recount_params=params,
        stored=stored,
        stored_params=params,
        label=lambda k, col: (k[0], None, col),
    )


def _archived(
    c: _Collector, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date]
) -> None:
    months = [m for m in archived if month is None or m == month]
    if not months:
        return
    uc_where = ""
    uc_params: list[Any] = []
    if ucs is not None:
        uc_where = f" AND uc_id IN ({_placeholders(ucs)})"
        uc_params = list(ucs)
    in_months = f"month IN ({_placeholders(months)})"
    summary = (
        "SELECT uc_id, month, status, SUM(bills) AS bills, SUM(fees) AS fees, "  # noqa: S608
        "SUM(fees + arrears) AS due, SUM(collected) AS paid "
        f"FROM {MonthlyStat._meta.db_table} WHERE {in_months}{uc_where} "
        "GROUP BY uc_id, month, status"
    )
    kept = (
        "SELECT uc_id, month, status, bills, total_fee AS fees, total_due AS due, "  # noqa: S608
        f"total_paid AS paid FROM {ArchivedUCMonth._meta.db_table} WHERE {in_months}{uc_where}"
    )
    _compare(
        c,
        kind=DiscrepancyKind.ARCHIVED_UC,
        keys=["uc_id", "month", "status"],
        columns=["bills", "fees", "due", "paid"],
        recount=kept,
        recount_params=[*months, *uc_params],
        stored=summary,
        stored_params=[*months, *uc_params],
        label=lambda k, col: (k[0], _date(k[1]), f"status={k[2]} {col}"),
    )
    if ucs is not None:
        return  # a month's totals are of every UC
    totals = (
        "SELECT month, SUM(bills) AS bills, SUM(total_due) AS due, SUM(total_paid) AS paid "  # noqa: S608
        f"FROM {ArchivedUCMonth._meta.db_table} WHERE {in_months} GROUP BY month"
    )
    files = (
        "SELECT month, bills, total_due AS due, total_paid AS paid "  # noqa: S608
        f"FROM {ArchivedMonth._meta.db_table} WHERE {in_months}"
    )
    _compare(
        c,
        kind=DiscrepancyKind.ARCHIVED_MONTH,
        keys=["month"],
        columns=["bills", "due", "paid"],
        recount=totals,
        recount_params=months,
        stored=files,
        stored_params=months,
        label=lambda k, col: (None, _date(k[0]), col),
    )


def _patterns(
    c: _Collector, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date]
) -> None:
    """``stats.PaymentPatternStat`` against a recount (``stats.services.pattern_recount``) for
    every end month whose longest window holds no archived month: archiving leaves the
    patterns as they were counted with the archived bills, which a recount no longer sees."""
    from suthra.stats.models import PATTERN_WINDOWS, PaymentPatternStat
    from suthra.stats.services import pattern_recount

    span = Bill.objects.aggregate(first=Min("month"), last=Max("month"))
    if span["first"] is None:
        return
    window = max(PATTERN_WINDOWS)
    ends: list[dt.date] = []
    m = span["first"]
    while m <= span["last"]:
        if (month is None or m == month) and not any(
            _add_month(m, 1 - window) <= a <= m for a in archived
        ):
            ends.append(m)
        m = _add_month(m, 1)
    if not ends:
        return
    stored_qs = PaymentPatternStat.objects.filter(month__in=ends)
    if ucs is not None:
        stored_qs = stored_qs.filter(uc_id__in=ucs)
    fields = ("units", "always", "never")
    stored = {
        (r[0], r[1], r[2]): r[3:] for r in stored_qs.values_list("uc", "month", "months", *fields)
    }
    expected = {
        (r.uc_id, r.month, r.months): (r.units, r.always, r.never)
        for r in pattern_recount(ends, ucs)
    }
    for key in sorted(set(stored) | set(expected)):
        exp, got = expected.get(key, (0, 0, 0)), stored.get(key, (0, 0, 0))
        for name, e, f in zip(fields, exp, got, strict=True):
            if e != f:
                c.add(
                    Discrepancy(
                        kind=DiscrepancyKind.PATTERN_STAT,
                        uc_id=key[0],
                        unit_id=None,
                        month=key[1],
                        item=f"last {key[2]} months {name}",
                        expected=e,
                        found=f,
                    )
                )


def _flows(
    c: _Collector, month: dt.date | None, ucs: list[int] | None, archived: list[dt.date]
) -> None:
    """``stats.UnitFlowStat`` (new units by survey month, closed units by last bill month)
    against a recount; the closed units of an archived month are not recounted."""
    from suthra.stats.models import UnitFlowStat
    from suthra.stats.services import flow_recount

    gone = set(archived)
    expected = flow_recount(ucs, gone)
    stored_qs = UnitFlowStat.objects.all()
    if ucs is not None:
        stored_qs = stored_qs.filter(uc_id__in=ucs)
    stored = {
        (u, m): (n, cl) for u, m, n, cl in stored_qs.values_list("uc", "month", "new", "closed")
    }
    for key in sorted(set(stored) | set(expected)):
        if month is not None and key[1] != month:
            continue
        exp, got = expected.get(key, (0, 0)), stored.get(key, (0, 0))
        for name, e, f in zip(("new", "closed"), exp, got, strict=True):
            if name == "closed" and key[1] in gone:
                continue
            if e != f:
                c.add(
                    Discrepancy(
                        kind=DiscrepancyKind.FLOW_STAT,
                        uc_id=key[0],
                        unit_id=None,
                        month=key[1],
                        item=f"{name} units",
                        expected=e,
                        found=f,
                    )
                )


# --- running it -----------------------------------------------------------------------------


def verify(
    *,
    month: dt.date | None = None,
    uc_ids: Iterable[int] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Result:
    """Every check, limited to one bill month and/or some UCs (a unit's UC is its current one).
    Reads only; in one transaction so every check sees the same data."""
    started = time.monotonic()
    ucs = None if uc_ids is None else sorted({int(u) for u in uc_ids})
    c = _Collector(limit)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    # One snapshot for every check (an import meanwhile is not half seen).
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # The chain's sort of every bill and the summaries' 10⁵ groups in memory
                # rather than spilled to disk in 4 MB pieces (this transaction only).
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true)",
                    [getattr(settings, "LEDGER_CHECK_WORK_MEM", "64MB")],
                )
        archived = sorted(
            ArchivedMonth.objects.filter(state=ArchivedMonth.State.ARCHIVED).values_list(
                "month", flat=True
            )
        )
        checks: list[tuple[str, Callable[[], None]]] = [
            ("chain", lambda: _chain(c, month, ucs)),
            ("monthly_stat", lambda: _monthly_stats(c, month, ucs, archived)),
            ("type_stat", lambda: _type_stats(c, month, ucs, archived)),
            ("unit_stat", lambda: _unit_stats(c, ucs) if month is None else None),
            ("pattern_stat", lambda: _patterns(c, month, ucs, archived)),
            ("flow_stat", lambda: _flows(c, month, ucs, archived)),
            ("archived", lambda: _archived(c, month, ucs, archived)),
        ]
        for name, check in checks if ucs is None or ucs else []:
            t = time.monotonic()
            check()
            c.result.timings[name] = time.monotonic() - t
        bills = Bill.objects.all()
        if month is not None:
            bills = bills.filter(month=month)
        if ucs is not None:
            bills = bills.filter(unit__uc_id__in=ucs)
        c.result.bills_checked = bills.count()
    c.result.seconds = time.monotonic() - started
    return c.result


def write_csv(result: Result, out: IO[str]) -> None:
    """The report: one row per listed discrepancy, then a line with the full count."""
    from suthra.core.exports import neutralise

    writer = csv.writer(out)
    writer.writerow(["kind", "uc_id", "unit_id", "survey_id", "month", "item", "expected", "found"])
    for d in result.rows:
        writer.writerow(
            [
                d.kind,
                d.uc_id or "",
                d.unit_id or "",
                neutralise(d.survey_id),
                d.month.strftime("%Y-%m") if d.month else "",
                d.item,
                d.expected,
                d.found,
            ]
        )
    if result.total > len(result.rows):
        writer.writerow([f"# {result.total - len(result.rows)} more not listed"])


def ledger_check_run(*, limit: int = DEFAULT_LIMIT) -> tuple[LedgerCheck, Result]:
    """The full check, stored: the dashboard warns while the newest run found discrepancies."""
    started_at = timezone.now()
    result = verify(limit=limit)
    with transaction.atomic():
        run = LedgerCheck.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            discrepancies=result.total,
            by_kind={str(k): v for k, v in result.by_kind.items()},
            by_uc={str(k): v for k, v in result.by_uc.items()},
            listed=len(result.rows),
            bills_checked=result.bills_checked,
        )
        LedgerDiscrepancy.objects.exclude(run=run).delete()
        LedgerDiscrepancy.objects.bulk_create(
            (
                LedgerDiscrepancy(
                    run=run,
                    kind=d.kind,
                    uc_id=d.uc_id,
                    unit_id=d.unit_id,
                    month=d.month,
                    item=d.item[:120],
                    expected=d.expected,
                    found=d.found,
                )
                for d in result.rows
            ),
            batch_size=1000,
        )
        old = LedgerCheck.objects.order_by("-started_at").values_list("id", flat=True)[KEEP_RUNS:]
        LedgerCheck.objects.filter(id__in=list(old)).delete()
    return run, result


def ledger_check_due(now: dt.datetime | None = None) -> bool:
    """Tonight's run is due once the local time has passed ``LEDGER_CHECK_HOUR`` and no run
    started (or was enqueued) since then; the scheduler in ``bin/serve`` asks every 15 minutes."""
    now = timezone.localtime(now or timezone.now())
    hour = int(getattr(settings, "LEDGER_CHECK_HOUR", 2))
    since = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if now < since:
        since -= dt.timedelta(days=1)
    if LedgerCheck.objects.filter(started_at__gte=since).exists():
        return False
    # Enqueued since and not finished yet (the worker busy with an import): not again.
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.filter(
        task_path__endswith=".verify_ledgers_task", enqueued_at__gte=since
    ).exists()


def latest_run() -> LedgerCheck | None:
    return LedgerCheck.objects.order_by("-started_at").first()
