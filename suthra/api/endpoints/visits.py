"""Compliance visits: list, detail, record (photo + GPS, idempotent) and decide; the worklist.

Writes go through ``suthra.visits.services``; the input is checked by the page's own VisitForm
and the photo by ``suthra.core.photos`` (re-encoded, EXIF read then stripped).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Header, Path, Query, Router, Schema, Status, UploadedFile

from suthra.api.auth import require_role
from suthra.api.forms_bridge import cleaned
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.consumers.models import Notice
from suthra.core import photos
from suthra.units.selectors import unit_get
from suthra.visits import selectors, services
from suthra.visits.forms import VisitForm
from suthra.visits.models import ComplianceVisit, VisitOutcome

router = Router(tags=["visits"])

OutcomeChoice = Annotated[
    int,
    one_of(
        VisitOutcome.values,
        "1 paid on the spot, 2 promised, 3 refused, 4 closed, 5 not found, 6 dispute",
    ),
]


# The camera photo; optional in the schema, required by VisitForm unless VISIT_PHOTO_REQUIRED=false.
PHOTO_PARAM = File(None, description="The camera photo (JPEG, PNG or WebP).")
IDEMPOTENCY_KEY = Header(
    None, alias="Idempotency-Key", description="The same as client_key (a UUID), as a header."
)


class VisitOut(Schema):
    id: int
    unit_id: int
    survey_id: str
    staff: str
    visited_at: dt.datetime
    outcome: int = Field(
        description="1 paid on the spot, 2 promised, 3 refused, 4 closed, 5 not found, 6 dispute"
    )
    outcome_label: str
    notes: str
    status: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    distance_m: float | None = Field(description="Metres from the unit's surveyed position.")
    flagged: bool
    flags: list[str]
    photo_url: str | None = Field(description="GET it with the same token (JPEG).")
    ticket_id: int | None = Field(description="The ticket a dispute opened.")
    client_key: uuid.UUID | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str
    notice_served_id: int | None = Field(
        description="The defaulter notice this visit recorded as handed over."
    )


class VisitPage(PageMeta):
    items: list[VisitOut]


class VisitFilters(Schema):
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None
    flagged: bool | None = None
    unit: int | None = Field(None, ge=1, le=2**31 - 1)
    staff: int | None = Field(None, ge=1, le=2**31 - 1)
    uc: int | None = Field(None, ge=1, le=32767)
    mine: bool = Field(False, description="Only my visits.")


class VisitIn(Schema):
    unit_id: int = Field(..., ge=1, le=2**31 - 1)
    outcome: OutcomeChoice
    notes: str = Field("", max_length=2000)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    visited_at: dt.datetime | None = Field(
        None, description="When the visit happened (for visits queued offline; ≤ 7 days ago)."
    )
    client_key: uuid.UUID | None = Field(
        None,
        description="Idempotency key: a UUID made on the phone. Sending the same key again "
        "returns the visit already recorded (200) instead of a duplicate.",
    )
    notice_served: bool = Field(
        False, description="The agent handed over the unit's defaulter notice on this visit."
    )
    notice_id: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="Which notice (the worklist's notice_id); else the newest unserved one.",
    )


class VisitDecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=2000, description="Required to reject.")


class WorkItemOut(Schema):
    unit_id: int
    survey_id: str
    name: str
    address: str
    lat: float | None
    lon: float | None
    psid: str
    amount_due: int
    arrears: int
    balance: int
    distance_m: float | None
    visited_today: bool
    notice: Literal["", "to_serve", "served"] = Field(
        description='The newest defaulter notice: "" none, "to_serve" or "served".'
    )
    notice_id: int | None


class WorklistOut(Schema):
    month: str | None = Field(description="The billing month, YYYY-MM.")
    uc_id: int | None
    needs_uc: bool = Field(description="Too many UCs in scope: pass ?uc= to pick one.")
    total: int
    done: int
    items: list[WorkItemOut]


class WorklistParams(Schema):
    uc: int | None = Field(None, ge=1, le=32767)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    limit: int = Field(100, ge=1, le=500)


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
        "distance_m": v.distance_m,
        "flagged": v.flagged,
        "flags": v.flag_labels,
        "photo_url": reverse("api:visits_photo", args=[v.pk]) if v.photo_key else None,
        "ticket_id": v.ticket_id,
        "client_key": v.client_key,
        "decided_by": v.decided_by.username if v.decided_by else None,
        "decided_at": v.decided_at,
        "decision_reason": v.decision_reason,
        "notice_served_id": getattr(v, "notice_served_id", None),
    }


def _with_notice(qs: Any) -> Any:
    # The notice a visit served, in the same query (no query per row of a page).
    served = Notice.objects.filter(served_visit=OuterRef("pk")).values("pk")[:1]
    return qs.annotate(notice_served_id=Subquery(served))


def _visits(actor: Any) -> Any:
    return _with_notice(
        selectors.visits_visible(actor).select_related("unit", "staff", "decided_by")
    )


def _visit(request: HttpRequest, visit_id: int) -> ComplianceVisit:
    # One visit in the caller's scope (404 otherwise), with the notice it served.
    return _visits(request.user).get_visible(request.user, pk=visit_id)  # type: ignore[no-any-return]


@router.get("/visits", response=responses(VisitPage), operation_id="visits_list")
def visits_list(
    request: HttpRequest, filters: Query[VisitFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Visits to units in the caller's area, newest first (history per unit or per agent)."""
    qs = selectors.visit_history(
        actor=request.user,
        unit_id=filters.unit,
        staff_id=filters.staff,
        status=filters.status,
        flagged=filters.flagged,
    ).select_related("decided_by")
    qs = _with_notice(qs)
    if filters.uc is not None:
        qs = qs.filter(unit__uc_id=filters.uc)
    if filters.mine:
        qs = qs.filter(staff=request.user)  # type: ignore[misc]
    return cursor_page(qs, keys=["-id"], params=page, row=visit_row)


@router.get("/visits/{visit_id}", response=responses(VisitOut), operation_id="visits_detail")
def visits_detail(
    request: HttpRequest, visit_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One visit; 404 when its unit is outside the caller's area."""
    return visit_row(_visit(request, visit_id))


class PhotoParams(Schema):
    size: Literal["full", "thumb"] = "full"


@router.get(
    "/visits/{visit_id}/photo",
    response=responses(None),
    operation_id="visits_photo",
    openapi_extra={
        "responses": {
            200: {
                "description": "The photo (JPEG)",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def visits_photo(
    request: HttpRequest,
    params: Query[PhotoParams],
    visit_id: int = Path(..., ge=1, le=2**31 - 1),
) -> FileResponse:
    """The visit's photo (or ``?size=thumb``), for callers whose area includes the unit."""
    visit = _visit(request, visit_id)
    return photos.photo_of(visit, thumb=params.size == "thumb")


@router.post(
    "/visits",
    response={**responses(VisitOut, status=201), 200: VisitOut},
    operation_id="visits_create",
)
def visits_create(
    request: HttpRequest,
    payload: Form[VisitIn],
    photo: UploadedFile | None = PHOTO_PARAM,
    idempotency_key: uuid.UUID | None = IDEMPOTENCY_KEY,
) -> Status[dict[str, Any]]:
    """Record a visit to a unit in the caller's area (multipart form: fields + ``photo``).

    201 with the new visit; 200 with the earlier visit when ``client_key`` was already used by
    the caller (a retry). Far-away, low-accuracy or stale-photo visits are recorded but flagged.
    """
    if payload.client_key is None and idempotency_key is not None:
        payload.client_key = idempotency_key
    existing = services.visit_by_key(payload.client_key)
    if existing is not None and existing.staff_id == request.user.pk:
        # A retry: do not process the photo again.
        return Status(200, visit_row(_visit(request, existing.pk)))
    unit = unit_get(actor=request.user, pk=payload.unit_id)
    fields = {
        "outcome": payload.outcome,
        "notes": payload.notes,
        "lat": payload.lat,
        "lon": payload.lon,
        "accuracy": payload.accuracy_m,
        "client_key": payload.client_key,
        "visited_at": payload.visited_at,
        "notice_served": payload.notice_served,
        "notice": payload.notice_id,
    }
    form_data = {k: ("" if v is None else v) for k, v in fields.items()}
    data = cleaned(VisitForm(form_data, {"photo": photo} if photo is not None else {}))
    try:
        visit, created = services.visit_record_with_photo(
            actor=request.user,  # type: ignore[arg-type]
            unit=unit,
            data=data,
        )
    except photos.PhotoError as exc:
        raise ValidationError({"photo": [str(exc)]}) from exc
    return Status(201 if created else 200, visit_row(_visit(request, visit.pk)))


@router.post(
    "/visits/{visit_id}/decide", response=responses(VisitOut), operation_id="visits_decide"
)
def visits_decide(
    request: HttpRequest, payload: VisitDecisionIn, visit_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """Approve or reject a pending visit (SUPERVISOR and up, in their area; a reason is
    required to reject). The agent is notified."""
    require_role(request, "SUPERVISOR")
    visit = _visit(request, visit_id)
    services.visit_decide(
        actor=request.user,  # type: ignore[arg-type]
        visit=visit,
        approve=payload.approve,
        reason=payload.reason,
    )
    return visit_row(_visit(request, visit_id))


@router.get("/worklist", response=responses(WorklistOut), operation_id="worklist")
def worklist(request: HttpRequest, params: Query[WorklistParams]) -> dict[str, Any]:
    """Today's list: units in the caller's UCs with an unpaid bill, highest arrears first
    (nearest first with ``lat``/``lon``); units visited today are ticked and come last."""
    if (params.lat is None) != (params.lon is None):
        raise ValidationError({"lat": ["Send both lat and lon, or neither."]})
    result = selectors.worklist(
        actor=request.user, uc_id=params.uc, lat=params.lat, lon=params.lon, limit=params.limit
    )
    return {
        "month": f"{result.month:%Y-%m}" if result.month else None,
        "uc_id": result.uc.pk if result.uc else None,
        "needs_uc": result.needs_uc,
        "total": result.total,
        "done": result.done,
        "items": [
            {
                "unit_id": i.unit_id,
                "survey_id": i.survey_id,
                "name": i.name,
                "address": i.address,
                "lat": i.lat,
                "lon": i.lon,
                "psid": str(i.psid),
                "amount_due": i.amount_due,
                "arrears": i.arrears,
                "balance": i.balance,
                "distance_m": i.distance_m,
                "visited_today": i.visited_today,
                "notice": i.notice,
                "notice_id": i.notice_id,
            }
            for i in result.items
        ],
    }
