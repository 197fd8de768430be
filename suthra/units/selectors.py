"""Reads of units: the UC browser, one-box search, the unit page and the UC map.

Every selector takes ``actor=`` and starts from the actor's scoped queryset
(``suthra.accounts.scope``); anything outside the actor's geography is invisible (a 404 for
single objects). Any logged-in staff member may call them.

The unit page shows the bills, visits and tickets of one unit: those apps depend on units, so
visits and tickets register their readers in ``units.history`` (units imports neither); bills
are still read here (see the allow-list in ``suthra/core/tests/test_layering.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce

from suthra.accounts import scope
from suthra.billing.models import Bill, BillQuerySet, BillStatus, bill_status, status_q
from suthra.core.models import AuditEvent
from suthra.core.months import current_month as calendar_month
from suthra.core.phone import try_normalise_mobile
from suthra.locations.models import UnionCouncil
from suthra.units import history
from suthra.units.models import SurveyUnit, shown_name_expression

# --- search ----------------------------------------------------------------------------------
# The columns of the trigram index (migration 0004, ``unit_name_mobile_trgm``): names and
# mobiles, the partial matches of a search over all 300 k units. Survey ids are matched exactly
# (their unique index); addresses and partial survey ids only in a narrow search (below).
SEARCH_FIELDS = ["consumer_name", "billing_name", "mobile", "billing_mobile"]
# Matched with a plain ILIKE over the UC's rows when the search is narrow: the address is the
# longest text and would double the index (39 → 19 MB at 300 k units without it).
NARROW_FIELDS = ["survey_id", "address", "billing_address"]
# A search is narrow inside a chosen UC, or when the actor sees at most this many UCs (an
# agent): about 3,000 units per UC, read through the (uc, consumer_name, id) index.
NARROW_MAX_UCS = 5
MIN_SEARCH_CHARS = 3
PSID_RE = re.compile(r"\d{17}")
SURVEY_ID_RE = re.compile(r"[A-Za-z]{1,4}-[A-Za-z]{1,6}-\d{1,10}|[A-Za-z0-9]+-\d+")


class SearchText(Func):
    """``lower(consumer_name || ' ' || billing_name || ' ' || ...)`` — one searchable string.

    On PostgreSQL one trigram GIN index over exactly this expression (migration 0004) serves
    partial, case-insensitive matches on names and mobiles, in any script. The SQL uses ``||``
    (immutable, so indexable); the columns are NOT NULL, so nothing is lost.
    """

    template = "LOWER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


def search_expression() -> SearchText:
    return SearchText(*[F(name) for name in SEARCH_FIELDS])


@dataclass
class SearchQuery:
    """What the one search box understood: the text, and the mobile/PSID it recognised."""

    text: str
    mobile: str | None = None
    psid: int | None = None
    too_short: bool = False

    @property
    def names_one_unit(self) -> bool:
        """A PSID, mobile or survey id: it names a unit wherever it is, so the search looks in
        the user's whole area even when a UC is selected (issue 19)."""
        return (
            self.psid is not None
            or self.mobile is not None
            or bool(SURVEY_ID_RE.fullmatch(self.text))
        )


def parse_search(raw: str) -> SearchQuery:
    text = " ".join((raw or "").split())[:100]
    query = SearchQuery(text=text)
    compact = re.sub(r"[\s\-]", "", text)
    if PSID_RE.fullmatch(compact):
        query.psid = int(compact)
    query.mobile = try_normalise_mobile(text)
    query.too_short = len(text) < MIN_SEARCH_CHARS and not query.mobile
    return query


def search_is_narrow(*, actor: Any, uc: UnionCouncil | None) -> bool:
    """Whether a search also matches addresses and partial survey ids (see NARROW_FIELDS)."""
    if uc is not None:
        return True
    ids = scope.uc_ids(actor)
    return ids is not None and len(ids) <= NARROW_MAX_UCS


@dataclass
class UnitSearch:
    """The matching units and the keyset keys to page them with (``core.paging``)."""

    units: QuerySet[SurveyUnit]
    keys: list[str]
    narrow: bool


def unit_search(
    *, actor: Any, query: SearchQuery, uc: UnionCouncil | None = None
) -> QuerySet[SurveyUnit]:
    """Units in the actor's scope (and in ``uc``, which the caller has checked is in scope)
    matching the search box: survey id, PSID, mobile (any spelling), consumer or billing name
    (partial, any case, Urdu too); and, in a narrow search, address and part of a survey id."""
    return unit_search_page(actor=actor, query=query, uc=uc).units


def unit_search_page(*, actor: Any, query: SearchQuery, uc: UnionCouncil | None) -> UnitSearch:
    """``unit_search`` with the order to page it in, chosen so that no plan sorts every match.

    A wide search is ordered by primary key: for a common name ("Malik", 5 % of the units)
    PostgreSQL walks the primary key and stops after a page of matches; for a rare one it
    collects the few matches from the trigram index and sorts them (the planner knows which
    from the index's statistics). A narrow search reads the UC's few thousand rows and sorts
    the matches: its key (``search_order``, the id through an expression) keeps the planner
    from walking the whole table in id order looking for a UC's rows.
    """
    units = scope.scoped(actor, SurveyUnit.objects.all(), "uc")
    if uc is not None:
        units = units.filter(uc=uc)
    narrow = search_is_narrow(actor=actor, uc=uc)
    keys = ["search_order"] if narrow else ["pk"]
    if narrow:
        units = units.annotate(search_order=F("id") + Value(0))
    if query.too_short or not query.text:
        return UnitSearch(units.none(), keys, narrow)
    if query.psid is not None:
        # 17 digits are no name, mobile or survey id: only the bill's unit can match.
        unit_id = Bill.objects.filter(psid=query.psid).values_list("unit_id", flat=True).first()
        return UnitSearch(units.filter(pk=unit_id) if unit_id else units.none(), keys, narrow)
    survey_id = Q(survey_id=query.text.upper())
    if query.mobile is None and SURVEY_ID_RE.fullmatch(query.text):
        condition = survey_id  # shaped like a survey id: no name or mobile looks like one
    else:
        # Every branch of a wide search is indexable, so PostgreSQL can combine them (BitmapOr).
        condition = Q(search_text__contains=(query.mobile or query.text).lower())
        if " " not in query.text:
            condition |= survey_id
    if narrow:
        for name in NARROW_FIELDS:
            condition |= Q(**{f"{name}__icontains": query.text})
    units = units.alias(search_text=search_expression()).filter(condition)
    return UnitSearch(units, keys, narrow)


# --- browse ----------------------------------------------------------------------------------
SORTS: dict[str, list[str]] = {
    # By the name the list shows (billing name, else surveyed name): unit_uc_shown_idx.
    "name": ["shown_name"],
    "-name": ["-shown_name"],
    "arrears": ["cur_arrears"],
    "-arrears": ["-cur_arrears"],
    "surveyed": ["surveyed_key"],
    "-surveyed": ["-surveyed_key"],
    "survey_id": ["survey_id"],
}
NO_BILL = "none"
# Units without a survey time sort first (oldest) under "surveyed".
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class BrowseFilters:
    """Filters of the UC browser (already validated by ``forms.BrowseForm``)."""

    business_type: int | None = None
    category: int | None = None
    active: bool | None = None
    # A BillStatus value, or NO_BILL for units without a bill in the current month.
    status: int | str | None = None
    arrears_above: int | None = None
    surveyed_from: dt.date | None = None
    surveyed_to: dt.date | None = None
    sort: str = "name"
    extra: dict[str, Any] = field(default_factory=dict)


def current_month(*, uc: UnionCouncil) -> dt.date | None:
    """The latest billing month with bills in this UC ("the current bill" of the browser)."""
    return latest_bill_month(uc_ids=[uc.pk])


def latest_bill_month(*, uc_ids: list[int]) -> dt.date | None:
    """The latest billing month with bills in these UCs (the caller has scoped them) that has
    begun by the calendar (suthra/core/months.py).

    Read from the bill summaries (a few hundred rows per UC, kept in step with the bills by
    every service that writes bills); only UCs without summaries look at their bills, one
    probe of the (unit, month) index per unit (a join would scan the whole bills table).
    """
    from suthra.stats.models import MonthlyStat

    # A month whose file was imported early is not "current" before the calendar reaches it.
    now = calendar_month()
    stats = MonthlyStat.objects.filter(uc_id__in=uc_ids, month__lte=now)
    value: dt.date | None = stats.aggregate(m=Max("month"))["m"]
    if value is None:
        newest = (
            Bill.objects.filter(unit_id=OuterRef("pk"), month__lte=now)
            .order_by("-month")
            .values("month")
        )
        units = SurveyUnit.objects.filter(uc_id__in=uc_ids)
        value = units.annotate(newest=Subquery(newest[:1])).aggregate(m=Max("newest"))["m"]
    return value


def _day_start(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _bill_of_month(month: dt.date | None, field: str) -> Subquery:
    # A correlated subquery: one probe of the (unit, month) index per unit. A join would let
    # PostgreSQL hash-join against every bill of the month (300 k rows) when sorting a UC.
    # "status" is not a column: ``with_status`` derives it from the paid amount.
    return Subquery(_bills_of_month(month).with_status().values(field)[:1])


def _bills_of_month(month: dt.date | None) -> BillQuerySet:
    bills = Bill.objects.filter(unit=OuterRef("pk"))
    return bills.filter(month=month) if month is not None else bills.none()


def unit_browse(
    *, actor: Any, uc: UnionCouncil, filters: BrowseFilters, month: dt.date | None
) -> QuerySet[SurveyUnit]:
    """The units of one UC (which must be in the actor's scope), filtered by ``filters``,
    each with ``cur_arrears`` (arrears of its bill of ``month``, 0 without one) and
    ``surveyed_key`` (sortable survey time). The other fields of the month's bill are added
    to a page's rows by ``attach_current_bills`` (one query per page)."""
    units = scope.scoped(actor, SurveyUnit.objects.filter(uc=uc), "uc")
    units = units.select_related("business_type").annotate(
        cur_arrears=Coalesce(
            _bill_of_month(month, "arrears"), Value(0), output_field=IntegerField()
        ),
        surveyed_key=Coalesce(F("surveyed_at"), Value(EPOCH)),
        shown_name=shown_name_expression(),
    )
    return apply_filters(units, filters, month)


def apply_filters(
    units: QuerySet[SurveyUnit], f: BrowseFilters, month: dt.date | None
) -> QuerySet[SurveyUnit]:
    if f.business_type is not None:
        units = units.filter(business_type_id=f.business_type)
    if f.category is not None:
        units = units.filter(category=f.category)
    if f.active is not None:
        units = units.filter(is_active=f.active)
    if f.status == NO_BILL:
        units = units.filter(~Exists(_bills_of_month(month)))
    elif f.status is not None:
        # Plain comparisons on the month's bill (one index probe per unit), no CASE.
        units = units.filter(Exists(_bills_of_month(month).filter(status_q(int(f.status)))))
    if f.arrears_above is not None:
        units = units.filter(**{"cur_arrears__gt": f.arrears_above})
    if f.surveyed_from is not None:
        units = units.filter(surveyed_at__gte=_day_start(f.surveyed_from))
    if f.surveyed_to is not None:
        units = units.filter(surveyed_at__lt=_day_start(f.surveyed_to + dt.timedelta(days=1)))
    return units


def attach_current_bills(units: Any, month: dt.date | None) -> None:
    """Set ``cur_psid``, ``cur_status``, ``cur_fee``, ``cur_paid`` on a page of units from
    their bills of ``month`` (None without a bill). One query for the whole page."""
    ids = [u.pk for u in units]
    found: dict[int, tuple[int, int, int, int]] = {}
    if ids and month is not None:
        rows = Bill.objects.filter(unit_id__in=ids, month=month).values_list(
            "unit_id", "psid", "monthly_fee", "arrears", "paid_amount"
        )
        found = {
            unit_id: (psid, bill_status(paid, fee + arrears), fee, paid)
            for unit_id, psid, fee, arrears, paid in rows
        }
    for u in units:
        psid, status, fee, paid = found.get(u.pk, (None, None, None, None))
        u.cur_psid, u.cur_status, u.cur_fee, u.cur_paid = psid, status, fee, paid


# --- the unit page ---------------------------------------------------------------------------
def unit_get(*, actor: Any, pk: Any) -> SurveyUnit:
    """One unit in the actor's scope, or 404 (missing and out of scope look the same)."""
    return SurveyUnit.objects.select_related("uc__city", "business_type").get_visible(actor, pk=pk)


BILL_ROWS = 36


def unit_bills(*, actor: Any, unit: SurveyUnit, limit: int = BILL_ROWS) -> list[dict[str, Any]]:
    """The unit's bill history, newest first, at most ``limit`` months, each row with the
    running balance (billing's ledger: archived months included, arrears carried forward)."""
    from suthra.billing.selectors import unit_ledger

    _unit, rows = unit_ledger(actor=actor, unit_id=unit.pk)
    return list(reversed(rows))[:limit]


def unit_visits(*, actor: Any, unit: SurveyUnit, limit: int = 20) -> list[Any]:
    """The unit's visits, newest first (read by the visits app: ``units.history``)."""
    return history.read("visits", actor=actor, unit=unit, limit=limit)


def unit_tickets(*, actor: Any, unit: SurveyUnit, limit: int = 20) -> list[Any]:
    """The unit's tickets, newest first (read by the tickets app: ``units.history``)."""
    return history.read("tickets", actor=actor, unit=unit, limit=limit)


def unit_audit(*, actor: Any, unit: SurveyUnit, limit: int = 50) -> list[AuditEvent]:
    """Audit events about this unit. The caller has already checked the unit is in scope."""
    qs = AuditEvent.objects.filter(object_type="unit", object_id=str(unit.pk))
    events = list(qs.select_related("actor").order_by("-id")[:limit])
    for event in events:
        event.lines = describe_changes(event.changes)  # type: ignore[attr-defined]
    return events


def describe_changes(changes: Any) -> list[str]:
    """``{"field": [before, after], "reason": "..."}`` as short human-readable lines."""
    if not isinstance(changes, dict):
        return [str(changes)]
    lines = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            before, after = ("—" if v in (None, "") else v for v in value)
            lines.append(f"{key}: {before} → {after}")
        elif value is not True:
            lines.append(f"{key}: {value}")
    return lines


# --- map -------------------------------------------------------------------------------------
MAP_MAX_POINTS = 5000


def map_points(
    *,
    actor: Any,
    uc: UnionCouncil,
    bbox: tuple[float, float, float, float],
    month: dt.date | None,
    limit: int = MAP_MAX_POINTS,
) -> tuple[list[dict[str, Any]], bool]:
    """Units of the UC inside ``bbox`` (south, west, north, east) with their current status;
    at most ``limit`` points, and whether more were left out."""
    south, west, north, east = bbox
    units = scope.scoped(actor, SurveyUnit.objects.filter(uc=uc), "uc").filter(
        lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east
    )
    rows = list(
        units.annotate(st=_bill_of_month(month, "status"))
        .order_by("pk")
        .values_list("pk", "lat", "lon", "consumer_name", "billing_name", "st", "is_active")[
            : limit + 1
        ]
    )
    points = [
        {
            "id": pk,
            "lat": lat,
            "lon": lon,
            "name": billing or name,
            "s": status_key(st, active),
        }
        for pk, lat, lon, name, billing, st, active in rows[:limit]
    ]
    return points, len(rows) > limit


def uc_bounds(*, actor: Any, uc: UnionCouncil) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) around the UC's units with a position, or ``None``."""
    from django.db.models import Min

    units = scope.scoped(actor, SurveyUnit.objects.filter(uc=uc), "uc")
    agg = units.aggregate(s=Min("lat"), w=Min("lon"), n=Max("lat"), e=Max("lon"))
    if agg["s"] is None or agg["w"] is None:
        return None
    return agg["s"], agg["w"], agg["n"], agg["e"]


def status_key(status: int | None, active: bool = True) -> str:
    """A short colour key for a unit: inactive / nobill / unpaid / partial / paid."""
    if not active:
        return "inactive"
    if status is None:
        return "nobill"
    keys: dict[int, str] = {
        BillStatus.UNPAID: "unpaid",
        BillStatus.PARTIAL: "partial",
        BillStatus.PAID: "paid",
    }
    return keys.get(int(status), "nobill")
