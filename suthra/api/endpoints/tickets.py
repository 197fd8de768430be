"""Tickets: list, detail, raise and decide. Writes go through ``suthra.tickets.services``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from suthra.api.auth import require_role
from suthra.api.forms_bridge import cleaned
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.tickets import selectors, services
from suthra.tickets.forms import TicketForm
from suthra.tickets.models import Ticket, TicketType
from suthra.units.selectors import unit_get

router = Router(tags=["tickets"])

TypeChoice = Annotated[
    int,
    one_of(
        TicketType.values,
        "1 wrong bill, 2 business closed, 3 name/mobile change, 4 duplicate unit, "
        "5 unit not found, 9 other",
    ),
]


class TicketOut(Schema):
    id: int
    unit_id: int
    survey_id: str
    type: int = Field(
        description="1 wrong bill, 2 business closed, 3 name/mobile change, "
        "4 duplicate unit, 5 unit not found, 9 other"
    )
    type_label: str
    description: str
    new_name: str
    new_mobile: str
    status: str
    escalation_level: int
    due_at: dt.datetime | None
    reported_by: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str


class TicketPage(PageMeta):
    items: list[TicketOut]


class TicketFilters(Schema):
    queue: Literal["mine", "area", "overdue"] = Field(
        "area",
        description="mine: raised by me (agents) or waiting for my level (supervisors and up); "
        "area: every ticket in my area; overdue: pending past the SLA.",
    )
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None
    type: TypeChoice | None = None
    uc: int | None = Field(None, ge=1, le=32767)
    unit: int | None = Field(None, ge=1, le=2**31 - 1)


class TicketIn(Schema):
    unit_id: int = Field(..., ge=1, le=2**31 - 1)
    type: TypeChoice
    description: str = Field(..., min_length=1, max_length=2000)
    new_name: str = Field("", max_length=120, description="For a name/mobile change.")
    new_mobile: str = Field("", max_length=20, description="For a name/mobile change.")


class DecisionIn(Schema):
    approve: bool
    reason: str = Field(..., min_length=1, max_length=2000)


def ticket_row(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.pk,
        "unit_id": t.unit_id,
        "survey_id": t.unit.survey_id,
        "type": t.type,
        "type_label": str(t.get_type_display()),
        "description": t.description,
        "new_name": t.new_name,
        "new_mobile": t.new_mobile,
        "status": t.status,
        "escalation_level": t.escalation_level,
        "due_at": t.due_at,
        "reported_by": t.reported_by.username,
        "created_at": t.created_at,
        "decided_at": t.decided_at,
        "decided_by": t.decided_by.username if t.decided_by else None,
        "decision_reason": t.decision_reason,
    }


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    return selectors.ticket_get(actor=request.user, pk=ticket_id)


@router.get("/tickets", response=responses(TicketPage), operation_id="tickets_list")
def tickets_list(
    request: HttpRequest, filters: Query[TicketFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Tickets on units in the caller's area (the queues of the tickets page), newest first."""
    qs = selectors.ticket_queue(
        actor=request.user,
        queue=filters.queue,
        status=filters.status,
        type=filters.type,
        uc_id=filters.uc,
    ).select_related("decided_by")
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    return cursor_page(qs, keys=["-id"], params=page, row=ticket_row)


@router.get("/tickets/{ticket_id}", response=responses(TicketOut), operation_id="tickets_detail")
def tickets_detail(
    request: HttpRequest, ticket_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One ticket; 404 when its unit is outside the caller's area."""
    return ticket_row(_ticket(request, ticket_id))


@router.post("/tickets", response=responses(TicketOut, status=201), operation_id="tickets_create")
def tickets_create(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    """Raise a ticket on a unit in the caller's area (any staff). It is routed to the
    supervisors of the unit's city and escalates after its SLA."""
    unit = unit_get(actor=request.user, pk=payload.unit_id)
    data = cleaned(TicketForm(payload.dict()))
    ticket = services.ticket_raise(
        actor=request.user,  # type: ignore[arg-type]
        unit=unit,
        type=data["type"],
        description=data["description"],
        new_name=data.get("new_name", ""),
        new_mobile=data.get("new_mobile", ""),
    )
    return Status(201, ticket_row(_ticket(request, ticket.pk)))


@router.post(
    "/tickets/{ticket_id}/decide", response=responses(TicketOut), operation_id="tickets_decide"
)
def tickets_decide(
    request: HttpRequest, payload: DecisionIn, ticket_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """Approve or reject a pending ticket with a reason (SUPERVISOR and up, in their area).
    Approving a name/mobile change or a closure applies it to the unit."""
    require_role(request, "SUPERVISOR")
    ticket = _ticket(request, ticket_id)
    services.ticket_decide(
        actor=request.user,  # type: ignore[arg-type]
        ticket=ticket,
        approve=payload.approve,
        reason=payload.reason,
    )
    return ticket_row(_ticket(request, ticket_id))
