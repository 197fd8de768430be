"""Reads for the dashboard: a handful of small queries over the summaries (suthra/stats).

Every number starts from the actor's scoped summaries, so an agent's dashboard is their UCs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from suthra.accounts import scope
from suthra.billing.models import BillStatus
from suthra.core.months import current_month
from suthra.reports.filters import Period, Place, month_add
from suthra.stats.models import Aging, MonthlyStat, UnitStat

# Annotation names differ from the summary fields they add up (Django forbids the clash).
SUMS = {
    "t_bills": Sum("bills"),
    "t_fees": Sum("fees"),
    "t_arrears": Sum("arrears"),
    "t_collected": Sum("collected"),
    "t_outstanding": Sum("outstanding"),
    "t_paid_bills": Sum("bills", filter=Q(status=BillStatus.PAID)),
}
FIELDS = ("bills", "fees", "arrears", "collected", "outstanding", "paid_bills")


def rate(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Totals:
    """One month's ledger (suthra/reports/ledger.py) from the summaries, where every bill is
    its own unit: ``opening`` what the bills brought in, ``billed`` their fees as billed,
    ``collected`` what was paid towards what they ask, ``adjusted`` the approved adjustments,
    ``outstanding`` (closing) what they leave owed — and
    ``opening + billed − collected − adjusted = outstanding`` exactly. Summed over several
    months it is a sum of month ledgers (the trend), not a range's ledger: that is
    ``ledger.ledger``."""

    bills: int = 0
    fees: int = 0
    arrears: int = 0
    # Σ paid on the bills (cash received, an overpayment included).
    paid: int = 0
    outstanding: int = 0
    paid_bills: int = 0
    # From the approved adjustments: Σ amount, Σ (fee before − fee now).
    adjusted: int = 0
    fee_delta: int = 0

    @classmethod
    def of(cls, row: Mapping[str, Any] | None) -> Totals:
        totals = cls()
        if row:
            totals.add(row)
        return totals

    def add(self, row: Mapping[str, Any]) -> None:
        """Add a row annotated with ``SUMS``."""
        for k in FIELDS:
            attr = "paid" if k == "collected" else k
            setattr(self, attr, getattr(self, attr) + (row.get(f"t_{k}") or 0))

    def add_adjustments(self, amount: int, fee_delta: int) -> None:
        self.adjusted += amount
        self.fee_delta += fee_delta

    def merge(self, other: Totals) -> None:
        for k in ("bills", "fees", "arrears", "paid", "outstanding", "paid_bills"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.add_adjustments(other.adjusted, other.fee_delta)

    @property
    def billed(self) -> int:
        """The fees as billed (before any adjustment); arrears are not billed again."""
        return self.fees + self.fee_delta

    @property
    def opening(self) -> int:
        """The arrears the bills brought in, as billed."""
        return self.arrears + self.adjusted - self.fee_delta

    @property
    def due(self) -> int:
        """What the bills ask now: fees + arrears."""
        return self.fees + self.arrears

    @property
    def collected(self) -> int:
        """Paid towards what the bills ask: Σ min(paid, fee + arrears)."""
        return self.due - self.outstanding

    @property
    def overpaid(self) -> int:
        return self.paid - self.collected

    @property
    def closing(self) -> int:
        return self.outstanding

    @property
    def rate_amount(self) -> float | None:
        return rate(self.collected, self.due)

    @property
    def rate_count(self) -> float | None:
        return rate(self.paid_bills, self.bills)


def adjustment_sums(
    actor: Any, place: Place, first: dt.date, last: dt.date, key: str
) -> list[tuple[Any, int, int]]:
    """(key, Σ amount, Σ fee lowered) of the approved adjustments of bills of [first, last] in
    the actor's area, per ``key`` (a path from the adjustment: ``month``, ``unit__uc_id``…)."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from suthra.billing.models import Adjustment, AdjustmentStatus

    qs = scope.scoped(actor, Adjustment.objects.all(), "unit__uc").filter(
        status=AdjustmentStatus.APPROVED,
        month__gte=first,
        month__lte=last,
        **place.filter_kwargs("unit__uc"),
    )
    rows = (
        qs.values(key)
        .annotate(a=Sum("amount"), d=Sum(Coalesce(F("fee_before"), F("new_fee")) - F("new_fee")))
        .order_by()
    )
    return [(row[key], row["a"] or 0, row["d"] or 0) for row in rows]


def monthly_stats(actor: Any, place: Place) -> QuerySet[MonthlyStat]:
    """The actor's summaries, limited to the picked city or UC."""
    return scope.scoped(actor, MonthlyStat.objects.all(), "uc").filter(**place.filter_kwargs("uc"))


def latest_month(actor: Any, place: Place) -> dt.date | None:
    """The newest billed month that has begun: a month's file imported early does not become
    the default before the calendar reaches it (suthra/core/months.py)."""
    stats = monthly_stats(actor, place).filter(month__lte=current_month())
    return stats.aggregate(m=Max("month"))["m"]


def future_months(
    actor: Any, place: Place, rows: Iterable[Mapping[str, Any]] | None = None
) -> list[dt.date]:
    """The months after the current one whose bills were imported early, in the actor's area:
    offered explicitly, marked "not yet due" (suthra/core/months.py). ``rows``: ``month_rows``
    when the caller already has them (no query)."""
    now = current_month()
    if rows is not None:
        return sorted({row["month"] for row in rows if row["month"] > now})
    months = monthly_stats(actor, place).filter(month__gt=now).values_list("month", flat=True)
    return sorted(set(months.order_by()))


def month_choices(months: Iterable[dt.date], base: str) -> list[dict[str, Any]]:
    """Links to the future months for a page (``base``: its query string without the month
    fields, ending in ``&`` or ``?``), each labelled "<month> (not yet due)"."""
    out = []
    for m in months:
        label = _("%(month)s (not yet due)") % {"month": date_format(m, "F Y")}
        out.append({"month": m, "label": label, "value": f"{m:%Y-%m}", "base": base})
    return out


@dataclass
class Kpi:
    key: str
    label: str
    value: Any
    previous: Any = None
    kind: str = "number"  # "number", "money", "percent"
    # True when a rise is good news (collection), False when it is bad (arrears), None: neutral.
    up_is_good: bool | None = None
    versus: str = field(default_factory=lambda: _("previous month"))

    @property
    def delta(self) -> Any:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def tone(self) -> str:
        d = self.delta
        if not d or self.up_is_good is None:
            return "flat"
        return "good" if (d > 0) == self.up_is_good else "bad"


def _ticket_counts(actor: Any, place: Place, now: dt.datetime, month_start: dt.datetime) -> dict:
    from suthra.tickets.models import Ticket, TicketStatus

    pending = Q(status=TicketStatus.PENDING)
    field_names = {f.name for f in Ticket._meta.get_fields()}
    if "due_at" in field_names:
        overdue = pending & Q(due_at__lt=now)
    else:  # before the field-work issue added SLA due times
        overdue = pending & Q(created_at__lt=now - dt.timedelta(days=7))
    # Pending at the start of this month: raised before it, not decided before it.
    was_pending = Q(created_at__lt=month_start) & (
        Q(decided_at__isnull=True) | Q(decided_at__gte=month_start)
    )
    qs = scope.scoped(actor, Ticket.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    return qs.aggregate(
        pending=Count("id", filter=pending),
        overdue=Count("id", filter=overdue),
        pending_before=Count("id", filter=was_pending),
    )


def _visit_counts(actor: Any, place: Place, today: dt.date) -> dict:
    from suthra.visits.models import ComplianceVisit

    week_start = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time())
    )
    last_week = week_start - dt.timedelta(days=7)
    qs = scope.scoped(actor, ComplianceVisit.objects.all(), "unit__uc").filter(
        visited_at__gte=last_week, **place.filter_kwargs("unit__uc")
    )
    return qs.aggregate(
        this_week=Count("id", filter=Q(visited_at__gte=week_start)),
        last_week=Count("id", filter=Q(visited_at__lt=week_start)),
    )


def month_rows(actor: Any, place: Place) -> list[dict[str, Any]]:
    """Sums per month × status × aging bucket of the actor's summaries: a few hundred rows that
    answer the trend, the status mix, the aging chart and the latest month in one query."""
    rows = monthly_stats(actor, place).values("month", "status", "aging").annotate(**SUMS)
    return [dict(row) for row in rows.order_by()]


def latest_of(rows: Iterable[Mapping[str, Any]]) -> dt.date | None:
    """The newest month of these summary rows that has begun (a future month's file imported
    early is not the default: suthra/core/months.py)."""
    now = current_month()
    return max((row["month"] for row in rows if row["month"] <= now), default=None)


def dashboard(
    actor: Any,
    place: Place,
    period: Period,
    *,
    by_uc: bool,
    rows: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the dashboard shows, from a handful of small queries. ``by_uc``: break the
    month down by UC (one city in view) rather than by city; ``rows``: ``month_rows`` when the
    caller already has them. Any logged-in staff."""
    stats = monthly_stats(actor, place)
    # 1. Per month × status × aging: the range, the KPI month and its previous month.
    first = min(period.start, period.previous)
    last = max(period.end, period.month)
    by_month: dict[dt.date, Totals] = {}
    status_mix: dict[int, int] = {s: 0 for s in BillStatus.values}
    aging = {a: {"bills": 0, "arrears": 0} for a in Aging.values if a != Aging.NONE}
    for row in month_rows(actor, place) if rows is None else rows:
        if not first <= row["month"] <= last:
            continue
        by_month.setdefault(row["month"], Totals()).add(row)
        if row["month"] == period.month:
            status_mix[row["status"]] += row["t_bills"] or 0
            if row["aging"] != Aging.NONE:
                aging[row["aging"]]["bills"] += row["t_bills"] or 0
                aging[row["aging"]]["arrears"] += row["t_arrears"] or 0
    for month, amount, fee_delta in adjustment_sums(actor, place, first, last, "month"):
        by_month.setdefault(month, Totals()).add_adjustments(amount, fee_delta)
    cur = by_month.get(period.month, Totals())
    prev = by_month.get(period.previous, Totals())
    trend = [(m, by_month.get(m, Totals())) for m in period.months]

    # 2. The KPI month by city (or by UC inside one city) for the drill-down.
    if by_uc or place.city is not None:
        group, label = "uc_id", "uc__name"
    else:
        group, label = "uc__city_id", "uc__city__name"
    breakdown: dict[int, tuple[str, Totals]] = {}
    for row in (
        stats.filter(month=period.month).values(group, label).annotate(**SUMS).order_by(label)
    ):
        breakdown.setdefault(row[group], (row[label], Totals()))[1].add(row)
    for key, amount, fee_delta in adjustment_sums(
        actor, place, period.month, period.month, f"unit__{group}"
    ):
        if key in breakdown:
            breakdown[key][1].add_adjustments(amount, fee_delta)

    # 3. Units, tickets and visits.
    units = (
        scope.scoped(actor, UnitStat.objects.all(), "uc")
        .filter(**place.filter_kwargs("uc"))
        .aggregate(active=Sum("active"), inactive=Sum("inactive"))
    )
    now = timezone.now()
    month_start = timezone.make_aware(
        dt.datetime.combine(timezone.localdate().replace(day=1), dt.time())
    )
    tickets = _ticket_counts(actor, place, now, month_start)
    visits = _visit_counts(actor, place, timezone.localdate())

    kpis = [
        Kpi("units_active", _("Active units"), units["active"] or 0),
        Kpi("units_inactive", _("Inactive units"), units["inactive"] or 0),
        Kpi("bills", _("Bills this month"), cur.bills, prev.bills),
        Kpi("opening", _("Opening balance"), cur.opening, prev.opening, "money", False),
        Kpi("billed", _("Amount billed"), cur.billed, prev.billed, "money"),
        Kpi("collected", _("Amount collected"), cur.collected, prev.collected, "money", True),
        Kpi("adjusted", _("Adjusted"), cur.adjusted, prev.adjusted, "money"),
        Kpi(
            "rate_amount",
            _("Collection rate (amount)"),
            cur.rate_amount,
            prev.rate_amount,
            "percent",
            True,
        ),
        Kpi(
            "rate_count",
            _("Collection rate (bills paid)"),
            cur.rate_count,
            prev.rate_count,
            "percent",
            True,
        ),
        Kpi("outstanding", _("Outstanding"), cur.outstanding, prev.outstanding, "money", False),
        Kpi("arrears", _("Total arrears"), cur.arrears, prev.arrears, "money", False),
        Kpi(
            "tickets_pending",
            _("Tickets pending"),
            tickets["pending"],
            tickets["pending_before"],
            up_is_good=False,
            versus=_("start of this month"),
        ),
        Kpi("tickets_overdue", _("Tickets overdue"), tickets["overdue"], up_is_good=False),
        Kpi(
            "visits_week",
            _("Visits this week"),
            visits["this_week"],
            visits["last_week"],
            up_is_good=True,
            versus=_("last week"),
        ),
    ]
    return {
        "kpis": kpis,
        "current": cur,
        "previous": prev,
        "trend": trend,
        "status_mix": [(str(BillStatus(s).label), n) for s, n in status_mix.items()],
        "breakdown": [
            {"id": key, "name": name, "totals": t} for key, (name, t) in breakdown.items()
        ],
        "breakdown_level": "uc" if group == "uc_id" else "city",
        "aging": [(str(Aging(a).label), v["bills"], v["arrears"]) for a, v in aging.items()],
    }


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """The numbers of the dashboard's charts, for ``json_script`` (tables show the same)."""
    return {
        "trend": {
            "labels": [date_format(m, "M Y") for m, _t in data["trend"]],
            "billed": [t.billed for _m, t in data["trend"]],
            "collected": [t.collected for _m, t in data["trend"]],
            "rate": [t.rate_amount for _m, t in data["trend"]],
        },
        "breakdown": {
            "labels": [b["name"] for b in data["breakdown"]],
            "rate": [b["totals"].rate_amount for b in data["breakdown"]],
        },
        "status": {
            "labels": [label for label, _n in data["status_mix"]],
            "bills": [n for _l, n in data["status_mix"]],
        },
        "aging": {
            "labels": [label for label, _n, _a in data["aging"]],
            "arrears": [amount for _l, _n, amount in data["aging"]],
        },
    }


def recent_imports(actor: Any, limit: int = 5) -> list[Any]:
    """Latest import batches the actor may see (MANAGER and up; scoped by uploader)."""
    from suthra.imports.selectors import batch_list

    if not actor.at_least("MANAGER"):
        return []
    return list(batch_list(actor=actor)[:limit])


def activity(actor: Any, limit: int = 10) -> list[Any]:
    """The dashboard's activity feed (suthra/reports/activity.py)."""
    from suthra.reports.activity import activity_for

    return list(activity_for(actor, limit=limit))


__all__ = [
    "dashboard",
    "chart_data",
    "recent_imports",
    "activity",
    "latest_month",
    "latest_of",
    "month_rows",
    "future_months",
    "month_choices",
    "month_add",
]
