"""Tickets: list and detail in scope; create and decide go through the tickets service."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, responses
from suthra.tickets.models import Ticket

router = Router(tags=["tickets"])


class TicketOut(Schema):
    id: int
    unit_id: int
    survey_id: str
    type: int
    type_label: str
    description: str
    status: str
    reported_by: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str


class TicketPage(PageMeta):
    items: list[TicketOut]


class TicketFilters(Schema):
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None
    type: Literal[1, 2, 3, 4, 5, 9] | None = None
    unit: int | None = Field(None, ge=1, le=2**31 - 1)
    uc: int | None = Field(None, ge=1, le=32767)
    mine: bool = Field(False, description="Only tickets I raised.")


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "unit_id": t.unit_id,
        "survey_id": t.unit.survey_id,
        "type": t.type,
        "type_label": str(t.get_type_display()),
        "description": t.description,
        "status": t.status,
        "reported_by": t.reported_by.username,
        "created_at": t.created_at,
        "decided_at": t.decided_at,
        "decided_by": t.decided_by.username if t.decided_by else None,
        "decision_reason": t.decision_reason,
    }


def _tickets(actor: Any) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("unit", "reported_by", "decided_by")
    return scope.scoped(actor, qs, "unit__uc")


@router.get("/tickets", response=responses(TicketPage), operation_id="tickets_list")
def tickets_list(
    request: HttpRequest, filters: Query[TicketFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Tickets on units in the caller's scope, newest first."""
    qs = _tickets(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.type is not None:
        qs = qs.filter(type=filters.type)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    if filters.uc is not None:
        qs = qs.filter(unit__uc_id=filters.uc)
    if filters.mine:
        qs = qs.filter(reported_by=request.user)  # type: ignore[misc]
    return cursor_page(qs, keys=["-id"], params=page, row=ticket_row)


@router.get("/tickets/{ticket_id}", response=responses(TicketOut), operation_id="tickets_detail")
def tickets_detail(
    request: HttpRequest, ticket_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One ticket; 404 when its unit is outside the caller's scope."""
    ticket = scope.get_or_404(request.user, _tickets(request.user), "unit__uc", pk=ticket_id)
    return ticket_row(ticket)
