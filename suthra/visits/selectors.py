"""Reads for visits and the agent's worklist. Every function starts from the actor's scope."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Window
from django.utils import timezone

from suthra.accounts import scope
from suthra.billing.models import Bill, BillStatus, status_q
from suthra.consumers.selectors import notice_states
from suthra.locations.models import UnionCouncil
from suthra.units.models import SurveyUnit
from suthra.units.selectors import latest_bill_month
from suthra.visits.geo import bbox, haversine_m
from suthra.visits.models import ComplianceVisit, VisitStatus

# Above this many UCs in scope the worklist asks for one UC (supervisors and up).
WORKLIST_MAX_UCS = 12
WORKLIST_MAX_ROWS = 3000


def visits_visible(actor: Any) -> QuerySet[ComplianceVisit]:
    """Every visit to a unit in the actor's area."""
    return ComplianceVisit.objects.visible_to(actor)  # type: ignore[no-any-return]


def visit_get(*, actor: Any, pk: Any) -> ComplianceVisit:
    """One visit (unit, agent, decider) in the actor's scope, or 404. Any role."""
    return ComplianceVisit.objects.select_related(
        "unit", "unit__uc", "staff", "decided_by"
    ).get_visible(actor, pk=pk)


def visit_history(
    *,
    actor: Any,
    unit_id: int | None = None,
    staff_id: int | None = None,
    status: str | None = None,
    flagged: bool | None = None,
) -> QuerySet[ComplianceVisit]:
    """Visits in the actor's area, optionally of one unit or one agent (history pages)."""
    qs = visits_visible(actor).select_related("unit", "unit__uc", "staff")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    if status:
        qs = qs.filter(status=status)
    if flagged is not None:
        qs = qs.filter(flagged=flagged)
    return qs


def approval_queue(*, actor: Any) -> QuerySet[ComplianceVisit]:
    """Pending visits in the actor's area, flagged first then oldest first (SUPERVISOR+), except
    those the actor recorded (maker–checker: nobody decides their own visit)."""
    return (
        visits_visible(actor)
        .filter(status=VisitStatus.PENDING)
        .exclude(staff=actor)
        .select_related("unit", "unit__uc", "staff")
    )


def recheck_sample(
    *, actor: Any, size: int = 5, exclude: list[int] | None = None
) -> list[ComplianceVisit]:
    """A random handful of pending, unflagged visits for a spot check (not those in
    ``exclude``, already on screen): a random start in the id range, then the next ``size``
    (cheap indexed queries, no ORDER BY RANDOM())."""
    base = (
        visits_visible(actor).filter(status=VisitStatus.PENDING, flagged=False).exclude(staff=actor)
    )
    if exclude:
        base = base.exclude(id__in=exclude)
    bounds = base.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    start = random.randint(bounds["lo"], bounds["hi"])
    rows = list(base.filter(id__gte=start).select_related("unit", "staff").order_by("id")[:size])
    if len(rows) < size:
        rows += list(
            base.filter(id__lt=start)
            .select_related("unit", "staff")
            .order_by("id")[: size - len(rows)]
        )
    return rows


@dataclass
class WorkItem:
    unit_id: int
    survey_id: str
    name: str
    address: str
    lat: float | None
    lon: float | None
    psid: int
    amount_due: int
    arrears: int
    balance: int
    distance_m: float | None = None
    visited_today: bool = False
    # The unit's newest defaulter notice: "" none, "to_serve" or "served" (and its id).
    notice: str = ""
    notice_id: int | None = None


@dataclass
class Worklist:
    items: list[WorkItem]
    month: dt.date | None
    uc: UnionCouncil | None
    ucs: list[UnionCouncil]
    total: int
    done: int
    needs_uc: bool


def _today_start() -> dt.datetime:
    local = timezone.localtime()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def worklist(
    *,
    actor: Any,
    uc_id: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    limit: int = 100,
) -> Worklist:
    """Today's list: active units in the actor's UCs whose latest bill is unpaid or part paid,
    the most owed first (nearest first when ``lat``/``lon`` are given); units visited today
    are ticked and go to the end.

    Four or five queries: the latest bill month (from the bill summaries), today's visits in
    those UCs, and the unpaid bills of that month with their units — without GPS only the
    first ``limit`` (plus the units visited today, which go last) with the total counted by
    the same query, how many of the visited units are on the list, and the newest defaulter
    notice of the units shown ("notice to serve" / "notice served").
    """
    visible = list(scope.visible_ucs(actor))
    chosen: list[UnionCouncil]
    uc = None
    if uc_id:
        uc = next((u for u in visible if u.pk == uc_id), None)
        if uc is None:
            from django.http import Http404

            raise Http404("Not found")
        chosen = [uc]
    elif len(visible) > WORKLIST_MAX_UCS:
        return Worklist([], None, None, visible, 0, 0, needs_uc=True)
    else:
        chosen = visible
    ids = [u.pk for u in chosen]
    if not ids:
        return Worklist([], None, uc, visible, 0, 0, needs_uc=False)
    month = latest_bill_month(uc_ids=ids)
    if month is None:
        return Worklist([], None, uc, visible, 0, 0, needs_uc=False)
    visited = set(
        ComplianceVisit.objects.filter(unit__uc_id__in=ids, visited_at__gte=_today_start())
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    bills = Bill.objects.filter(
        status_q(BillStatus.UNPAID, BillStatus.PARTIAL),
        month=month,
        unit__uc_id__in=ids,
        unit__is_active=True,
    ).order_by(
        # The most owed first (what the unit still owes on its latest bill), then the most
        # arrears, then a stable order: Rs 5,000 before Rs 200 whether or not there are arrears.
        (F("monthly_fee") + F("arrears") - F("paid_amount")).desc(),
        "-arrears",
        "unit_id",
    )
    near = lat is not None and lon is not None
    if near:
        # Nearest first needs every unit's position: all rows (at most WORKLIST_MAX_ROWS).
        rows = list(bills.values_list(*WORK_FIELDS)[:WORKLIST_MAX_ROWS])
        total = len(rows)
    else:
        # Highest arrears first: the units visited today go last, so the first ``limit``
        # unvisited ones are among the first ``limit + len(visited)``.
        counted = bills.annotate(total=Window(Count("pk")))
        rows = list(counted.values_list(*WORK_FIELDS, "total")[: limit + len(visited)])
        total = min(rows[0][-1], WORKLIST_MAX_ROWS) if rows else 0
    items = [_work_item(row, lat, lon) for row in rows]
    for item in items:
        item.visited_today = item.unit_id in visited
    if near:
        items.sort(key=lambda i: (i.distance_m is None, i.distance_m or 0.0))
        done = sum(1 for i in items if i.visited_today)
    else:
        done = bills.filter(unit_id__in=visited).count() if visited else 0
    # Stable sort: ticked units go last, keeping the order within each group.
    items.sort(key=lambda i: i.visited_today)
    items = items[:limit]
    # "Notice to serve" / "notice served" (the units are the actor's: one more query).
    notices = notice_states([i.unit_id for i in items])
    for item in items:
        notice = notices.get(item.unit_id)
        if notice is not None:
            item.notice = "served" if notice.served_at else "to_serve"
            item.notice_id = notice.pk
    return Worklist(items, month, uc, visible, total, done, needs_uc=False)


WORK_FIELDS = [
    "psid",
    "unit_id",
    "unit__survey_id",
    "unit__consumer_name",
    "unit__billing_name",
    "unit__address",
    "unit__billing_address",
    "unit__lat",
    "unit__lon",
    "monthly_fee",
    "arrears",
    "paid_amount",
]


def _work_item(row: Any, lat: float | None, lon: float | None) -> WorkItem:
    psid, unit_id, sid, cname, bname, addr, baddr, ulat, ulon, fee, arrears, paid = row[:12]
    distance = None
    if lat is not None and lon is not None and ulat is not None and ulon is not None:
        distance = haversine_m(lat, lon, ulat, ulon)
    return WorkItem(
        unit_id=unit_id,
        survey_id=sid,
        name=bname or cname,
        address=baddr or addr,
        lat=ulat,
        lon=ulon,
        psid=psid,
        amount_due=fee + arrears,
        arrears=arrears,
        balance=max(0, fee + arrears - paid),
        distance_m=distance,
    )


def units_for_visit(
    *, actor: Any, q: str = "", lat: float | None = None, lon: float | None = None, limit: int = 20
) -> list[tuple[SurveyUnit, float | None]]:
    """Pick a unit to visit: by survey id / name / mobile, or nearest to a GPS fix (within
    1 km) — only units in the actor's area."""
    qs = scope.scoped(actor, SurveyUnit.objects.select_related("uc"), "uc").filter(is_active=True)
    if lat is not None and lon is not None:
        lo_lat, hi_lat, lo_lon, hi_lon = bbox(lat, lon, 1000)
        near = list(qs.filter(lat__range=(lo_lat, hi_lat), lon__range=(lo_lon, hi_lon))[:2000])
        scored = [
            (unit, haversine_m(lat, lon, unit.lat, unit.lon))
            for unit in near
            if unit.lat is not None and unit.lon is not None
        ]
        scored.sort(key=lambda pair: pair[1])
        return [(unit, d) for unit, d in scored[:limit]]
    term = q.strip()
    if len(term) < 2:
        return []
    digits = "".join(ch for ch in term if ch.isdigit())
    cond = Q(survey_id__iexact=term) | Q(survey_id__icontains=term)
    cond |= Q(consumer_name__icontains=term) | Q(billing_name__icontains=term)
    if len(digits) >= 7:
        cond |= Q(mobile__endswith=digits[-7:]) | Q(billing_mobile__endswith=digits[-7:])
    return [(unit, None) for unit in qs.filter(cond).order_by("survey_id")[:limit]]


def unit_visits(*, actor: Any, unit: SurveyUnit, limit: int = 20) -> list[ComplianceVisit]:
    """The visits of one unit (in the actor's scope), newest first: the unit page's section,
    registered in ``units.history`` by ``VisitsConfig.ready``."""
    qs = scope.scoped(actor, ComplianceVisit.objects.filter(unit=unit), "unit__uc")
    return list(qs.select_related("staff").order_by("-visited_at")[:limit])
