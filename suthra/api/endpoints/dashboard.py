"""Dashboard KPIs, from the same selector as the dashboard page (scoped summaries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from ninja import Field, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.auth import require_role
from suthra.api.schemas import responses
from suthra.reports import selectors
from suthra.reports.filters import period_param, place_param, this_month

router = Router(tags=["dashboard"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class KpiOut(Schema):
    key: str
    label: str
    value: int | float | None
    previous: int | float | None
    delta: int | float | None
    kind: str = Field(description="number, money (rupees) or percent")
    versus: str


class TotalsOut(Schema):
    """One month's ledger: opening + billed − collected − adjusted = outstanding (closing)."""

    bills: int
    opening: int = Field(description="arrears the bills brought in, as billed")
    billed: int = Field(description="the fees as billed (arrears are not billed again)")
    collected: int = Field(description="paid towards what the bills ask")
    adjusted: int = Field(description="approved adjustments")
    outstanding: int = Field(description="what the bills leave owed (closing balance)")
    overpaid: int = Field(description="paid beyond what the bills ask (not in the identity)")
    arrears: int
    paid_bills: int
    rate_amount: float | None
    rate_count: float | None


class MonthTotalsOut(TotalsOut):
    month: str


class PlaceTotalsOut(TotalsOut):
    id: int
    name: str


class AgingOut(Schema):
    bucket: str
    bills: int
    arrears: int


class DashboardOut(Schema):
    month: str
    place: str
    kpis: list[KpiOut]
    trend: list[MonthTotalsOut]
    breakdown_level: str = Field(description="city or uc")
    breakdown: list[PlaceTotalsOut]
    status_mix: dict[str, int]
    aging: list[AgingOut]


class DashboardParams(Schema):
    month: str | None = Field(None, pattern=MONTH, description="KPI month, YYYY-MM")
    from_: str | None = Field(None, alias="from", pattern=MONTH, description="Trend from")
    to: str | None = Field(None, pattern=MONTH, description="Trend to")
    city: int | None = Field(None, ge=1, le=32767)
    uc: int | None = Field(None, ge=1, le=32767)


def _totals(t: Any) -> dict[str, Any]:
    return {
        "bills": t.bills,
        "opening": t.opening,
        "billed": t.billed,
        "collected": t.collected,
        "adjusted": t.adjusted,
        "outstanding": t.outstanding,
        "overpaid": t.overpaid,
        "arrears": t.arrears,
        "paid_bills": t.paid_bills,
        "rate_amount": t.rate_amount,
        "rate_count": t.rate_count,
    }


@router.get("/dashboard", response=responses(DashboardOut), operation_id="dashboard")
def dashboard(request: HttpRequest, params: Query[DashboardParams]) -> dict[str, Any]:
    """KPIs for the caller's area (or one city/UC in it) with the previous month, the
    collection trend, the city/UC breakdown, the status mix and arrears aging."""
    query = QueryDict(mutable=True)
    for name, value in (
        ("month", params.month),
        ("from", params.from_),
        ("to", params.to),
        ("city", params.city),
        ("uc", params.uc),
    ):
        if value is not None:
            query[name] = str(value)
    actor = request.user
    place = place_param(actor, query)
    period = period_param(query, default_month=selectors.latest_month(actor, place) or this_month())
    cities = {u.city_id for u in scope.visible_ucs(actor)}
    data = selectors.dashboard(actor, place, period, by_uc=len(cities) <= 1)
    return {
        "month": f"{period.month:%Y-%m}",
        "place": place.label,
        "kpis": [
            {
                "key": k.key,
                "label": str(k.label),
                "value": k.value,
                "previous": k.previous,
                "delta": k.delta,
                "kind": k.kind,
                "versus": k.versus,
            }
            for k in data["kpis"]
        ],
        "trend": [{"month": f"{m:%Y-%m}", **_totals(t)} for m, t in data["trend"]],
        "breakdown_level": data["breakdown_level"],
        "breakdown": [
            {"id": b["id"], "name": b["name"], **_totals(b["totals"])} for b in data["breakdown"]
        ],
        "status_mix": {str(label): n for label, n in data["status_mix"]},
        "aging": [
            {"bucket": str(label), "bills": bills, "arrears": arrears}
            for label, bills, arrears in data["aging"]
        ],
    }


class LedgerOut(Schema):
    """A range's ledger: opening + billed − collected − adjusted = closing (docs/REPORTS.md)."""

    units: int
    bills: int
    opening: int = Field(description="what each unit's first bill in the range brought in")
    billed: int = Field(description="the fees of the range's bills, as billed")
    collected: int = Field(description="paid towards what the bills ask")
    adjusted: int = Field(description="approved adjustments of the range's bills")
    closing: int = Field(description="what each unit's last bill in the range leaves owed")
    overpaid: int = Field(description="paid beyond what the bills ask (not in the identity)")
    paid_bills: int
    rate_amount: float | None
    rate_count: float | None


class LedgerRowOut(LedgerOut):
    key: str = Field(description="the group's id (city, UC, business type), month or code")
    name: str


class CollectionOut(Schema):
    place: str
    first: str
    last: str
    group: str
    rows: list[LedgerRowOut]
    total: LedgerOut


class CollectionParams(Schema):
    from_: str | None = Field(None, alias="from", pattern=MONTH, description="First month")
    to: str | None = Field(None, pattern=MONTH, description="Last month")
    group: str | None = Field(
        None, description="city, uc, month, status, business_type or category (default city)"
    )
    city: int | None = Field(None, ge=1, le=32767)
    uc: int | None = Field(None, ge=1, le=32767)
    status: int | None = Field(None, ge=0, le=2, description="status of each unit's last bill")
    category: int | None = Field(None, ge=1, le=3)
    business_type: int | None = Field(None, ge=1, le=32767)


def _ledger(led: Any) -> dict[str, Any]:
    return {
        name: getattr(led, name)
        for name in (
            "units",
            "bills",
            "opening",
            "billed",
            "collected",
            "adjusted",
            "closing",
            "overpaid",
            "paid_bills",
            "rate_amount",
            "rate_count",
        )
    }


@router.get(
    "/reports/collection",
    response=responses(CollectionOut),
    operation_id="report_collection",
)
def report_collection(request: HttpRequest, params: Query[CollectionParams]) -> dict[str, Any]:
    """The collection report's ledger (SUPERVISOR and up): the same figures as the page and its
    CSV / XLSX / PDF, per group and in total."""
    from suthra.reports.reports import collection_group_names, collection_ledger

    require_role(request, "SUPERVISOR")
    actor = request.user
    query = QueryDict(mutable=True)
    for name, value in params.dict(by_alias=True).items():
        if value is not None:
            query[name] = str(value)
    place, period, group, _status, _cat, _bt, led = collection_ledger(actor, query)
    names = collection_group_names(group, [row.key for row in led.rows])
    return {
        "place": place.label,
        "first": f"{period.start:%Y-%m}",
        "last": f"{period.end:%Y-%m}",
        "group": group,
        "rows": [
            {
                "key": f"{row.key:%Y-%m}" if group == "month" else str(row.key),
                "name": str(names.get(row.key, row.key)),
                **_ledger(row.ledger),
            }
            for row in led.rows
        ],
        "total": _ledger(led.total),
    }
