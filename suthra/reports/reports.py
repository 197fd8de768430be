"""The reports: each one turns an actor and URL filters into tables (and a chart where it helps).

Reports are for SUPERVISOR and up (a supervisor sees their city). Every query starts from the
actor's scope (``suthra.accounts.scope``); sums come from the summaries where they can.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Greatest
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.billing.models import Bill, BillStatus, PaymentChannel, status_q
from suthra.core.validators import choice_param, int_param, month_param
from suthra.locations.models import City, UnionCouncil
from suthra.reports import ledger
from suthra.reports.filters import Period, Place, month_add, period_param, place_param
from suthra.reports.ledger import Ledger
from suthra.reports.selectors import SUMS, Totals, adjustment_sums, latest_month, rate
from suthra.stats.models import (
    PATTERN_WINDOWS,
    Aging,
    MonthlyStat,
    PaymentPatternStat,
    UnitFlowStat,
    UnitStat,
)
from suthra.units.models import BusinessType, SizeCategory, SurveyUnit


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # Per row: a drill-down query string for the first cell, or None.
    links: list[str | None] = field(default_factory=list)
    footer: list[Any] | None = None
    chart: dict[str, Any] | None = None
    # Index of the first numeric column (right-aligned from there on).
    first_num: int = 1

    @property
    def linked_rows(self) -> list[tuple[str | None, list[Any]]]:
        links = self.links or [None] * len(self.rows)
        return list(zip(links, self.rows, strict=True))


@dataclass
class Result:
    tables: list[Table]
    filters: list[tuple[str, str]]
    period: Period | None = None
    place: Place | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str | Promise
    description: str | Promise
    build: Callable[[Any, QueryDict], Result]
    # Which filter controls the page shows.
    controls: tuple[str, ...]
    groups: tuple[tuple[str, str | Promise], ...] = ()


def _period(actor: Any, data: QueryDict, place: Place, span: int = 12) -> Period:
    from suthra.reports.filters import this_month

    return period_param(data, default_month=latest_month(actor, place) or this_month(), span=span)


def _money_rows(label: Any, t: Ledger) -> list[Any]:
    return [
        label,
        t.units,
        t.bills,
        t.opening,
        t.billed,
        t.collected,
        t.adjusted,
        t.closing,
        t.overpaid,
        t.rate_amount,
        t.paid_bills,
        t.rate_count,
    ]


# Module-level labels stay lazy (translated when shown, in the reader's language); the report
# functions turn them into str for the CSV/XLSX/PDF writers. The arithmetic is
# suthra/reports/ledger.py: opening + billed − collected − adjusted = closing on every row.
MONEY_COLUMNS = [
    gettext_lazy("Units"),
    gettext_lazy("Bills"),
    gettext_lazy("Opening balance (Rs)"),
    gettext_lazy("Billed (Rs)"),
    gettext_lazy("Collected (Rs)"),
    gettext_lazy("Adjusted (Rs)"),
    gettext_lazy("Closing balance (Rs)"),
    gettext_lazy("Overpaid (Rs)"),
    gettext_lazy("Rate by amount %"),
    gettext_lazy("Bills paid in full"),
    gettext_lazy("Rate by count %"),
]
STATUS_LABELS = {s.value: s.label for s in BillStatus}
CATEGORY_LABELS = {c.value: c.label for c in SizeCategory}
COLLECTION_GROUPS = (
    ("city", gettext_lazy("City / tehsil")),
    ("uc", gettext_lazy("Union council")),
    ("month", gettext_lazy("Month")),
    ("status", gettext_lazy("Bill status")),
    ("business_type", gettext_lazy("Business type")),
    ("category", gettext_lazy("Size category")),
)
_GROUP_FIELDS = {
    "city": ("uc__city_id", "uc__city__name"),
    "uc": ("uc_id", "uc__name"),
    "month": ("month", "month"),
    "status": ("status", "status"),
    "business_type": ("business_type_id", "business_type__name"),
    "category": ("category", "category"),
}


def _label(group: str, value: Any) -> Any:
    if group == "month":
        return f"{value:%Y-%m}"
    if group == "status":
        return str(STATUS_LABELS.get(value, value))
    if group == "category":
        return str(CATEGORY_LABELS.get(value, value))
    return value


def _span(start: dt.date, end: dt.date) -> str:
    return _("%(start)s to %(end)s") % {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"}


def _base_filters(place: Place, period: Period | None) -> list[tuple[str, str]]:
    out = [(_("Area"), str(place.label))]
    if period is not None:
        out.append((_("Months"), _span(period.start, period.end)))
    return out


def collection_group_names(group: str, keys: Iterable[Any]) -> dict[Any, Any]:
    """What each group key is called in a report row."""
    keys = [k for k in keys if k is not None]
    if group == "city":
        return dict(City.objects.filter(id__in=keys).values_list("id", "name"))
    if group == "uc":
        return dict(UnionCouncil.objects.filter(id__in=keys).values_list("id", "name"))
    if group == "business_type":
        return dict(BusinessType.objects.filter(id__in=keys).values_list("id", "name"))
    return {k: _label(group, k) for k in keys}


def collection_ledger(actor: Any, data: QueryDict) -> tuple[Any, ...]:
    """The collection report's filters and its ledger (``suthra.reports.ledger``): what the
    page, the exports and the API share."""
    place = place_param(actor, data)
    period = _period(actor, data, place)
    group = (
        choice_param(data.get("group"), name="group", allowed=_GROUP_FIELDS, default="city")
        or "city"
    )
    status = int_param(data.get("status"), name="status", minimum=0, maximum=2)
    category = int_param(data.get("category"), name="category", minimum=1, maximum=3)
    business_type = int_param(data.get("business_type"), name="business_type", minimum=1)
    result = ledger.ledger(
        actor,
        period.start,
        period.end,
        group=group,
        place_filter=place.filter_kwargs("unit__uc"),
        business_type=business_type,
        category=category,
        status=status,
    )
    return place, period, group, status, category, business_type, result


def collection(actor: Any, data: QueryDict) -> Result:
    """Collection by city, UC, month, status, business type or size category: the ledger of the
    range (opening, billed, collected, adjusted, closing) per group and in total."""
    place, period, group, status, category, business_type, led = collection_ledger(actor, data)
    filters = _base_filters(place, period)
    if status is not None:
        filters.append((_("Status"), str(STATUS_LABELS[status])))
    if category is not None:
        filters.append((_("Category"), str(CATEGORY_LABELS[category])))
    if business_type is not None:
        filters.append(
            (_("Business type"), str(BusinessType.objects.filter(id=business_type).first() or "?"))
        )
    names = collection_group_names(group, [row.key for row in led.rows])
    order = sorted(led.rows, key=lambda r: (group != "month", str(names.get(r.key, r.key))))
    rows, links = [], []
    span = f"&from={period.start:%Y-%m}&to={period.end:%Y-%m}"
    for row in order:
        rows.append(_money_rows(names.get(row.key, row.key), row.ledger))
        links.append(
            f"?city={row.key}&group=uc{span}"
            if group == "city"
            else (f"?uc={row.key}&group=month{span}" if group == "uc" else None)
        )
    group_label = str(dict(COLLECTION_GROUPS)[group])
    filters.append((_("Grouped by"), group_label))
    table = Table(
        title=_("Collection by %(group)s") % {"group": group_label.lower()},
        columns=[group_label, *map(str, MONEY_COLUMNS)],
        rows=rows,
        links=links,
        footer=_money_rows(_("Total"), led.total),
        chart={
            "type": "line" if group == "month" else "bar",
            "labels": [str(r[0]) for r in rows],
            "series": [
                {"label": _("Billed (Rs)"), "data": [r[4] for r in rows]},
                {"label": _("Collected (Rs)"), "data": [r[5] for r in rows]},
            ],
        },
    )
    tables = [table]
    if category is None and business_type is None:  # bills alone know their channel
        tables.append(_by_channel(actor, period, place, status))
    return Result(tables, filters, period, place, {"group": group, "ledger": led})


def _by_channel(actor: Any, period: Period, place: Place, status: int | None) -> Table:
    """Collection by payment channel (e-Pay's channels and cash to field staff) of the months
    still in the bills table (the month's BRIN index keeps the scan to those months)."""
    qs = scope.scoped(
        actor,
        Bill.objects.filter(
            month__gte=period.start,
            month__lte=period.end,
            paid_amount__gt=0,
            **place.filter_kwargs("unit__uc"),
        ),
        "unit__uc",
    )
    if status is not None:
        qs = qs.filter(status_q(status))
    grouped = qs.values("channel").annotate(n=Count("psid"), paid=Sum("paid_amount"))
    rows = [
        [str(PaymentChannel(r["channel"]).label), r["n"], r["paid"] or 0]
        for r in grouped.order_by("channel")
    ]
    return Table(
        title=_("Collection by channel"),
        columns=[_("Channel"), _("Bills paid"), _("Collected (Rs)")],
        rows=rows,
        footer=[_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)],
    )


def aging(actor: Any, data: QueryDict) -> Result:
    """Arrears aging of one month: months owed ≈ arrears ÷ monthly fee, by city or UC."""
    place = place_param(actor, data)
    period = _period(actor, data, place)
    group = choice_param(data.get("group"), name="group", allowed=("city", "uc"), default=None)
    group = group or ("uc" if place.city is not None else "city")
    key, label = _GROUP_FIELDS[group]
    buckets = [a for a in Aging if a != Aging.NONE]
    pivot: dict[Any, dict[str, Any]] = {}
    qs = scope.scoped(actor, MonthlyStat.objects.all(), "uc").filter(
        month=period.month, aging__gt=Aging.NONE, **place.filter_kwargs("uc")
    )
    for row in qs.values(key, label, "aging").annotate(n=Sum("bills"), amount=Sum("arrears")):
        entry = pivot.setdefault(row[key], {"name": row[label], "cells": {}})
        entry["cells"][row["aging"]] = (row["n"] or 0, row["amount"] or 0)
    rows, links = [], []
    totals = [0] * (2 * len(buckets) + 1)
    for k, entry in sorted(pivot.items(), key=lambda kv: str(kv[1]["name"])):
        cells: list[Any] = [entry["name"]]
        for b in buckets:
            cells.extend(entry["cells"].get(b, (0, 0)))
        cells.append(sum(entry["cells"].get(b, (0, 0))[1] for b in buckets))
        for i, v in enumerate(cells[1:]):
            totals[i] += v
        rows.append(cells)
        links.append(f"?city={k}&group=uc&month={period.month:%Y-%m}" if group == "city" else None)
    columns = [_("City / tehsil") if group == "city" else _("Union council")]
    for b in buckets:
        columns += [
            _("%(age)s: bills") % {"age": b.label},
            _("%(age)s: arrears (Rs)") % {"age": b.label},
        ]
    columns.append(_("Total arrears (Rs)"))
    filters = [(_("Area"), str(place.label)), (_("Month"), f"{period.month:%Y-%m}")]
    chart = {
        "type": "bar",
        "stacked": True,
        "labels": [str(r[0]) for r in rows],
        "series": [
            {"label": str(b.label), "data": [r[2 + 2 * i] for r in rows]}
            for i, b in enumerate(buckets)
        ],
    }
    table = Table(
        _("Arrears aging, %(month)s") % {"month": date_format(period.month, "F Y")},
        columns,
        rows,
        links,
        [_("Total"), *totals],
        chart,
    )
    return Result([table], filters, period, place, {"group": group})


# How many of the month's top bills a scoped defaulters report looks through before it falls
# back to joining every bill of the month to its unit.
CANDIDATES = 2000


def _top_owed(actor: Any, place: Place, month: dt.date, limit: int) -> list[int]:
    """The PSIDs of the ``limit`` unpaid bills of ``month`` that owe most, in the actor's area.

    A top-N sort of the month's bills alone (no join: 300 k units joined before the LIMIT
    doubled the time). For a smaller area, the month's top ``CANDIDATES`` first: those in the
    area are the answer when there are enough of them, since every other bill of the area owes
    less; otherwise the area's bills are sorted (exact, slower).
    """
    owed = Greatest(F("monthly_fee") + F("arrears") - F("paid_amount"), Value(0))
    ranked = (
        Bill.objects.filter(status_q(BillStatus.UNPAID, BillStatus.PARTIAL), month=month)
        .annotate(owed=owed)
        .order_by("-owed", "psid")
    )
    area = place.filter_kwargs("unit__uc")
    ids = scope.uc_ids(actor)
    if ids is None and not area:
        return list(ranked.values_list("psid", flat=True)[:limit])
    if place.uc is None:
        k = max(CANDIDATES, limit)
        candidates = list(ranked.values_list("psid", "unit_id")[:k])
        # Where the candidates' units are, by primary key; the area is checked here (a filter on
        # the UC next to 2,000 ids made PostgreSQL walk the UC's units instead).
        inside = {
            unit_id
            for unit_id, uc_id, city_id in SurveyUnit.objects.filter(
                id__in=sorted({u for _, u in candidates})
            ).values_list("id", "uc_id", "uc__city_id")
            if (ids is None or uc_id in ids) and (place.city is None or city_id == place.city.id)
        }
        top = [psid for psid, unit_id in candidates if unit_id in inside][:limit]
        if len(top) == limit or len(candidates) < k:
            return top
    return list(
        scope.scoped(actor, ranked, "unit__uc")
        .filter(**area)
        .values_list("psid", flat=True)[:limit]
    )


def defaulters(actor: Any, data: QueryDict) -> Result:
    """The bills of one month with the most still owed (fee + arrears − paid)."""
    place = place_param(actor, data)
    period = _period(actor, data, place)
    limit = int_param(data.get("limit"), name="limit", default=50, minimum=1, maximum=500) or 50
    top = _top_owed(actor, place, period.month, limit)
    bills = Bill.objects.filter(psid__in=top).select_related(
        "unit__uc__city", "unit__business_type"
    )
    by_psid = {b.psid: b for b in bills}
    rows = []
    for b in (by_psid[p] for p in top):
        u = b.unit
        rows.append(
            [
                str(b.psid),
                u.survey_id,
                u.billing_name_effective,
                u.billing_mobile_effective,
                u.uc.city.name,
                u.uc.name,
                u.business_type.name,
                b.monthly_fee,
                b.arrears,
                round(b.arrears / b.monthly_fee, 1) if b.monthly_fee else None,
                max(0, b.monthly_fee + b.arrears - b.paid_amount),
            ]
        )
    table = Table(
        _("Top %(limit)s defaulters, %(month)s")
        % {"limit": limit, "month": date_format(period.month, "F Y")},
        [
            "PSID",
            _("Survey id"),
            _("Name"),
            _("Mobile"),
            _("City"),
            _("UC"),
            _("Business type"),
            _("Monthly fee (Rs)"),
            _("Arrears (Rs)"),
            _("Months owed"),
            _("Owed (Rs)"),
        ],
        rows,
        first_num=7,
    )
    filters = [
        (_("Area"), str(place.label)),
        (_("Month"), f"{period.month:%Y-%m}"),
        (_("Top"), str(limit)),
    ]
    return Result([table], filters, period, place)


def consumers(actor: Any, data: QueryDict) -> Result:
    """Active vs inactive units, payment pattern over the last N months, new and closed units."""
    place = place_param(actor, data)
    period = _period(actor, data, place)
    n = int(
        choice_param(
            data.get("months"),
            name="months",
            allowed=[str(w) for w in PATTERN_WINDOWS],
            default="6",
        )
        or 6
    )
    # 1. Active / inactive by city (or UC inside a city).
    group = "uc" if place.city is not None else "city"
    key, label = _GROUP_FIELDS[group]
    units_rows = []
    for row in (
        scope.scoped(actor, UnitStat.objects.all(), "uc")
        .filter(**place.filter_kwargs("uc"))
        .values(key, label)
        .annotate(a=Sum("active"), i=Sum("inactive"))
        .order_by(label)
    ):
        a, i = row["a"] or 0, row["i"] or 0
        units_rows.append([row[label], a, i, a + i, rate(a, a + i)])
    foot = [sum(r[c] for r in units_rows) for c in (1, 2, 3)]
    t_units = Table(
        _("Active and inactive units"),
        [str(dict(COLLECTION_GROUPS)[group]), _("Active"), _("Inactive"), _("All"), _("Active %")],
        units_rows,
        footer=[_("Total"), *foot, rate(foot[0], foot[2])],
        chart={
            "type": "bar",
            "stacked": True,
            "labels": [str(r[0]) for r in units_rows],
            "series": [
                {"label": _("Active"), "data": [r[1] for r in units_rows]},
                {"label": _("Inactive"), "data": [r[2] for r in units_rows]},
            ],
        },
    )
    # 2. Payment pattern over the window, counted per UC by the summaries (suthra/stats).
    start = month_add(period.month, -(n - 1))
    pattern = (
        scope.scoped(actor, PaymentPatternStat.objects.all(), "uc")
        .filter(month=period.month, months=n, **place.filter_kwargs("uc"))
        .aggregate(units=Sum("units"), always=Sum("always"), never=Sum("never"))
    )
    units = pattern["units"] or 0
    always, never = pattern["always"] or 0, pattern["never"] or 0
    sometimes = units - always - never
    t_pattern = Table(
        _("Payment pattern, %(start)s to %(end)s (%(n)s months)")
        % {"start": date_format(start, "M Y"), "end": date_format(period.month, "M Y"), "n": n},
        [_("Pattern"), _("Units"), _("Share %")],
        [
            [_("Always paid in full"), always, rate(always, units)],
            [_("Sometimes paid"), sometimes, rate(sometimes, units)],
            [_("Never paid"), never, rate(never, units)],
        ],
        footer=[_("Units billed"), units, 100.0 if units else None],
        chart={
            "type": "doughnut",
            "labels": [_("Always"), _("Sometimes"), _("Never")],
            "series": [{"label": _("Units"), "data": [always, sometimes, never]}],
        },
    )
    # 3. New units (by survey month) and closed units (inactive, by their last bill month).
    flows = {
        row["month"]: row
        for row in scope.scoped(actor, UnitFlowStat.objects.all(), "uc")
        .filter(month__gte=period.start, month__lte=period.end, **place.filter_kwargs("uc"))
        .values("month")
        .annotate(new=Sum("new"), closed=Sum("closed"))
        .order_by()
    }
    new = Counter({m: row["new"] or 0 for m, row in flows.items()})
    closed = Counter({m: row["closed"] or 0 for m, row in flows.items()})
    flow_rows = [[f"{m:%Y-%m}", new.get(m, 0), closed.get(m, 0)] for m in period.months]
    t_flow = Table(
        _("New and closed units"),
        [_("Month"), _("New (surveyed)"), _("Closed (inactive, last billed)")],
        flow_rows,
        footer=[_("Total"), sum(r[1] for r in flow_rows), sum(r[2] for r in flow_rows)],
        chart={
            "type": "bar",
            "labels": [r[0] for r in flow_rows],
            "series": [
                {"label": _("New"), "data": [r[1] for r in flow_rows]},
                {"label": _("Closed"), "data": [r[2] for r in flow_rows]},
            ],
        },
    )
    filters = [
        *_base_filters(place, period),
        (
            _("Pattern window"),
            _("%(n)s months to %(month)s") % {"n": n, "month": f"{period.month:%Y-%m}"},
        ),
    ]
    return Result(
        [t_units, t_pattern, t_flow],
        filters,
        period,
        place,
        {"months": n, "windows": PATTERN_WINDOWS},
    )


def staff_performance(actor: Any, data: QueryDict) -> Result:
    """Per agent and supervisor in scope: visits, approvals, tickets, collection in their UCs."""
    from suthra.tickets.models import Ticket, TicketStatus
    from suthra.visits.models import ComplianceVisit, VisitStatus

    place = place_param(actor, data)
    period = _period(actor, data, place, span=1)
    lo = timezone.make_aware(dt.datetime.combine(period.start, dt.time()))
    hi = timezone.make_aware(dt.datetime.combine(month_add(period.end, 1), dt.time()))
    ucs = {u.id: u for u in scope.visible_ucs(actor)}
    if place.uc is not None:
        ucs = {place.uc.id: place.uc}
    elif place.city is not None:
        ucs = {k: u for k, u in ucs.items() if u.city_id == place.city.id}
    city_ids = {u.city_id for u in ucs.values()}
    people = (
        Staff.objects.filter(is_active=True)
        .filter(
            Q(role=Role.AGENT, ucs__id__in=sorted(ucs))
            | Q(role=Role.SUPERVISOR, cities__id__in=sorted(city_ids))
        )
        .distinct()
        .prefetch_related("ucs", "cities")
        .order_by("role", "full_name")
    )
    visits: dict[int, Mapping[str, Any]] = {
        r["staff_id"]: r
        for r in scope.scoped(actor, ComplianceVisit.objects.all(), "unit__uc")
        .filter(visited_at__gte=lo, visited_at__lt=hi, unit__uc_id__in=sorted(ucs))
        .values("staff_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(status=VisitStatus.APPROVED)))
        .order_by()
    }
    # Approvals made: visits a supervisor approved or rejected in the period.
    judged = dict(
        scope.scoped(actor, ComplianceVisit.objects.all(), "unit__uc")
        .filter(decided_at__gte=lo, decided_at__lt=hi, unit__uc_id__in=sorted(ucs))
        .values("decided_by_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("decided_by_id", "n")
    )
    tickets = scope.scoped(actor, Ticket.objects.all(), "unit__uc").filter(
        unit__uc_id__in=sorted(ucs)
    )
    raised = dict(
        tickets.filter(created_at__gte=lo, created_at__lt=hi)
        .values("reported_by_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("reported_by_id", "n")
    )
    decided = dict(
        tickets.filter(decided_at__gte=lo, decided_at__lt=hi)
        .exclude(status=TicketStatus.PENDING)
        .values("decided_by_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("decided_by_id", "n")
    )
    money: dict[int, Totals] = defaultdict(Totals)
    for row in (
        scope.scoped(actor, MonthlyStat.objects.all(), "uc")
        .filter(month__gte=period.start, month__lte=period.end, uc_id__in=sorted(ucs))
        .values("uc_id")
        .annotate(**SUMS)
        .order_by()
    ):
        money[row["uc_id"]].add(row)
    for uc_id, amount, fee_delta in adjustment_sums(
        actor, place, period.start, period.end, "unit__uc_id"
    ):
        if uc_id in ucs:
            money[uc_id].add_adjustments(amount, fee_delta)
    rows = []
    for person in people:
        if person.role == Role.AGENT:
            mine = [u.id for u in person.ucs.all() if u.id in ucs]
            area = ", ".join(ucs[i].name for i in mine)
        else:
            mine = [i for i, u in ucs.items() if u.city_id in {c.id for c in person.cities.all()}]
            area = ", ".join(c.name for c in person.cities.all())
        t = Totals()
        for uc_id in mine:
            t.merge(money[uc_id])
        v = visits.get(person.id, {})
        rows.append(
            [
                person.full_name or person.username,
                str(person.get_role_display()),
                area,
                v.get("n", 0),
                v.get("ok", 0),
                judged.get(person.id, 0),
                raised.get(person.id, 0),
                decided.get(person.id, 0),
                t.billed,
                t.collected,
                t.rate_amount,
            ]
        )
    table = Table(
        _("Staff performance"),
        [
            _("Staff"),
            _("Role"),
            _("Area"),
            _("Visits"),
            _("Visits approved"),
            _("Visits decided"),
            _("Tickets raised"),
            _("Tickets decided"),
            _("Billed in area (Rs)"),
            _("Collected in area (Rs)"),
            _("Rate %"),
        ],
        rows,
        first_num=3,
        chart={
            "type": "bar",
            "labels": [r[0] for r in rows],
            "series": [
                {"label": _("Visits"), "data": [r[3] for r in rows]},
                {"label": _("Tickets raised"), "data": [r[6] for r in rows]},
            ],
        },
    )
    return Result([table], _base_filters(place, period), period, place)


REPORTS: dict[str, Spec] = {
    s.slug: s
    for s in (
        Spec(
            "collection",
            gettext_lazy("Collection"),
            gettext_lazy(
                "Billed, collected and collection rate by city, UC, month, status, business type "
                "or size category."
            ),
            collection,
            ("range", "place", "group", "status", "category", "business_type"),
            COLLECTION_GROUPS,
        ),
        Spec(
            "aging",
            gettext_lazy("Arrears aging"),
            gettext_lazy("Bills and arrears by months owed (0–3, 3–6, 6–12, 12+), by city or UC."),
            aging,
            ("month", "place", "group"),
            COLLECTION_GROUPS[:2],
        ),
        Spec(
            "defaulters",
            gettext_lazy("Top defaulters"),
            gettext_lazy("The units that owe the most in a month."),
            defaulters,
            ("month", "place", "limit"),
        ),
        Spec(
            "consumers",
            gettext_lazy("Consumer analytics"),
            gettext_lazy(
                "Active and inactive units, who always / sometimes / never pays, new and closed "
                "units."
            ),
            consumers,
            ("range", "place", "months"),
        ),
        Spec(
            "staff",
            gettext_lazy("Staff performance"),
            gettext_lazy("Visits, approvals, tickets and collection in each agent's UCs."),
            staff_performance,
            ("range", "place"),
        ),
    )
}


__all__ = ["REPORTS", "Result", "Spec", "Table", "month_param"]
