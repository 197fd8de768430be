"""Bills: a unit's bills, the bill query, one bill by PSID, and payments."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.auth import require_role
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.billing.models import Bill, BillStatus, PaymentChannel
from suthra.units.models import SurveyUnit

router = Router(tags=["bills"])

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PSID_PATTERN = r"^[1-9]\d{0,17}$"
MAX_AMOUNT = 2_000_000_000
StatusChoice = Annotated[int, one_of(BillStatus.values, "0 unpaid, 1 partly paid, 2 paid")]
ChannelChoice = Annotated[
    int, one_of(PaymentChannel.values, "Payment channel (see PaymentChannel)")
]


class BillOut(Schema):
    psid: str = Field(description="17-digit e-Pay PSID, as text (too long for a JSON number).")
    unit_id: int
    survey_id: str
    month: str = Field(description="Billing month, YYYY-MM.")
    monthly_fee: int
    arrears: int
    amount_due: int
    paid_amount: int
    paid_on: dt.date | None
    balance: int
    status: int = Field(description="0 unpaid, 1 partly paid, 2 paid")
    status_label: str
    channel: int
    channel_label: str


class BillPage(PageMeta):
    items: list[BillOut]


class BillFilters(Schema):
    month_from: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM")
    month_to: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM")
    status: StatusChoice | None = None
    city: int | None = Field(None, ge=1, le=32767)
    uc: int | None = Field(None, ge=1, le=32767)
    due_min: int | None = Field(None, ge=0, le=MAX_AMOUNT)
    due_max: int | None = Field(None, ge=0, le=MAX_AMOUNT)
    paid_from: dt.date | None = None
    paid_to: dt.date | None = None
    psid: str | None = Field(None, pattern=PSID_PATTERN)


class PaymentFilters(Schema):
    paid_from: dt.date | None = None
    paid_to: dt.date | None = None
    channel: ChannelChoice | None = None
    city: int | None = Field(None, ge=1, le=32767)
    uc: int | None = Field(None, ge=1, le=32767)
    amount_min: int | None = Field(None, ge=0, le=MAX_AMOUNT)
    amount_max: int | None = Field(None, ge=0, le=MAX_AMOUNT)


def _month(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def bill_row(b: Bill) -> dict[str, Any]:
    return {
        "psid": str(b.psid),
        "unit_id": b.unit_id,
        "survey_id": b.unit.survey_id,
        "month": f"{b.month:%Y-%m}",
        "monthly_fee": b.monthly_fee,
        "arrears": b.arrears,
        "amount_due": b.amount_due,
        "paid_amount": b.paid_amount,
        "paid_on": b.paid_on,
        "balance": b.balance,
        "status": b.status,
        "status_label": str(b.get_status_display()),
        "channel": b.channel,
        "channel_label": str(b.get_channel_display()),
    }


def _bills(actor: Any) -> QuerySet[Bill]:
    qs = Bill.objects.select_related("unit").only(
        "psid",
        "unit_id",
        "unit__survey_id",
        "month",
        "monthly_fee",
        "arrears",
        "paid_amount",
        "paid_on",
        "status",
        "channel",
    )
    return scope.scoped(actor, qs, "unit__uc")


@router.get(
    "/units/{unit_id}/bills",
    response=responses(BillPage),
    operation_id="units_bills",
    tags=["units"],
)
def units_bills(
    request: HttpRequest,
    page: Query[PageParams],
    unit_id: int = Path(..., ge=1, le=2**31 - 1),
) -> dict[str, Any]:
    """A unit's bills, newest month first; 404 when the unit is outside the caller's scope."""
    unit = scope.get_or_404(request.user, SurveyUnit.objects.all(), "uc", pk=unit_id)
    qs = _bills(request.user).filter(unit=unit)
    return cursor_page(qs, keys=["-month"], params=page, row=bill_row)


@router.get("/bills", response=responses(BillPage), operation_id="bills_query")
def bills_query(
    request: HttpRequest, filters: Query[BillFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The bill query: bills in scope by month, status, place, amount due, paid date or PSID."""
    qs = _bills(request.user)
    if filters.month_from:
        qs = qs.filter(month__gte=_month(filters.month_from))
    if filters.month_to:
        qs = qs.filter(month__lte=_month(filters.month_to))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.city is not None:
        qs = qs.filter(unit__uc__city_id=filters.city)
    if filters.uc is not None:
        qs = qs.filter(unit__uc_id=filters.uc)
    if filters.due_min is not None or filters.due_max is not None:
        qs = qs.with_amount_due()  # type: ignore[attr-defined]
        if filters.due_min is not None:
            qs = qs.filter(amount_due_db__gte=filters.due_min)
        if filters.due_max is not None:
            qs = qs.filter(amount_due_db__lte=filters.due_max)
    if filters.paid_from is not None:
        qs = qs.filter(paid_on__gte=filters.paid_from)
    if filters.paid_to is not None:
        qs = qs.filter(paid_on__lte=filters.paid_to)
    if filters.psid:
        qs = qs.filter(psid=int(filters.psid))
    return cursor_page(qs, keys=["-month", "-psid"], params=page, row=bill_row)


@router.get("/bills/{psid}", response=responses(BillOut), operation_id="bills_detail")
def bills_detail(
    request: HttpRequest, psid: str = Path(..., pattern=PSID_PATTERN)
) -> dict[str, Any]:
    """One bill by PSID; 404 when it is missing or outside the caller's scope."""
    bill = scope.get_or_404(request.user, _bills(request.user), "unit__uc", psid=int(psid))
    return bill_row(bill)


@router.get(
    "/payments", response=responses(BillPage), operation_id="payments_list", tags=["payments"]
)
def payments_list(
    request: HttpRequest, filters: Query[PaymentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Paid and partly paid bills in scope, latest payment first (SUPERVISOR and up)."""
    require_role(request, "SUPERVISOR")
    qs = _bills(request.user).filter(paid_amount__gt=0)
    if filters.paid_from is not None:
        qs = qs.filter(paid_on__gte=filters.paid_from)
    if filters.paid_to is not None:
        qs = qs.filter(paid_on__lte=filters.paid_to)
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.city is not None:
        qs = qs.filter(unit__uc__city_id=filters.city)
    if filters.uc is not None:
        qs = qs.filter(unit__uc_id=filters.uc)
    if filters.amount_min is not None:
        qs = qs.filter(paid_amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(paid_amount__lte=filters.amount_max)
    return cursor_page(qs, keys=["-paid_on", "-psid"], params=page, row=bill_row)
