"""Dashboard KPIs, from the same selector as the dashboard page (scoped summaries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from ninja import Field, Query, Router, Schema

from suthra.accounts import scope
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
    bills: int
    billed: int
    collected: int
    outstanding: int
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
        "billed": t.billed,
        "collected": t.collected,
        "outstanding": t.outstanding,
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
