"""Compliance visits: list and detail in scope; create and approve go through the visits service."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, responses
from suthra.visits.models import ComplianceVisit

router = Router(tags=["visits"])


class VisitOut(Schema):
    id: int
    unit_id: int
    survey_id: str
    staff: str
    visited_at: dt.datetime
    outcome: int
    outcome_label: str
    notes: str
    status: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    has_photo: bool


class VisitPage(PageMeta):
    items: list[VisitOut]


class VisitFilters(Schema):
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None
    unit: int | None = Field(None, ge=1, le=2**31 - 1)
    uc: int | None = Field(None, ge=1, le=32767)
    mine: bool = Field(False, description="Only my visits.")


def visit_row(v: ComplianceVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "unit_id": v.unit_id,
        "survey_id": v.unit.survey_id,
        "staff": v.staff.username,
        "visited_at": v.visited_at,
        "outcome": v.outcome,
        "outcome_label": str(v.get_outcome_display()),
        "notes": v.notes,
        "status": v.status,
        "lat": v.lat,
        "lon": v.lon,
        "accuracy_m": v.accuracy_m,
        "has_photo": bool(v.photo_key),
    }


def _visits(actor: Any) -> QuerySet[ComplianceVisit]:
    qs = ComplianceVisit.objects.select_related("unit", "staff")
    return scope.scoped(actor, qs, "unit__uc")


@router.get("/visits", response=responses(VisitPage), operation_id="visits_list")
def visits_list(
    request: HttpRequest, filters: Query[VisitFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Visits to units in the caller's scope, newest first."""
    qs = _visits(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    if filters.uc is not None:
        qs = qs.filter(unit__uc_id=filters.uc)
    if filters.mine:
        qs = qs.filter(staff=request.user)  # type: ignore[misc]
    return cursor_page(qs, keys=["-id"], params=page, row=visit_row)


@router.get("/visits/{visit_id}", response=responses(VisitOut), operation_id="visits_detail")
def visits_detail(
    request: HttpRequest, visit_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One visit; 404 when its unit is outside the caller's scope."""
    visit = scope.get_or_404(request.user, _visits(request.user), "unit__uc", pk=visit_id)
    return visit_row(visit)
