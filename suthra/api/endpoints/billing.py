"""Bills and payments: a unit's bills, the bill query, one bill by PSID, the payments list and
recording a payment. Reads go through ``suthra.billing.selectors``; the payment through
``suthra.billing.services.bill_payment_record`` (audited, no lost update, stats refreshed)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from suthra.api import selectors as api_selectors
from suthra.api import services as api_services
from suthra.api.auth import require_role
from suthra.api.forms_bridge import cleaned
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import ErrorOut, PageMeta, one_of, responses
from suthra.billing import selectors, services
from suthra.billing.forms import PaymentForm
from suthra.billing.models import Bill, BillStatus, PaymentChannel
from suthra.core.audit import client_ip
from suthra.units.selectors import unit_get

router = Router(tags=["bills"])

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PSID_PATTERN = r"^[1-9]\d{0,17}$"
MAX_AMOUNT = 2_000_000_000
StatusChoice = Annotated[int, one_of(BillStatus.values, "0 unpaid, 1 partly paid, 2 paid")]
ChannelChoice = Annotated[
    int,
    one_of(
        PaymentChannel.values,
        "1 bank counter, 2 ATM, 3 internet banking, 4 mobile banking, 5 JazzCash, "
        "6 Easypaisa, 7 other wallet, 8 cash to field staff, 9 other (0: none)",
    ),
]
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    max_length=100,
    pattern=r"^[A-Za-z0-9_\-:.]{8,100}$",
    description="Any unique string (a UUID) per payment; a retry with the same key and body "
    "returns the first result instead of writing again.",
)


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


class BillDetailOut(BillOut):
    seen: str = Field(
        description="The bill's payment state; send it back with a payment so a change made "
        "meanwhile by someone else is refused (409) instead of overwritten."
    )


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


class PaymentIn(Schema):
    psid: str = Field(..., pattern=PSID_PATTERN)
    paid_amount: int = Field(..., ge=0, le=10_000_000, description="Rupees; 0 clears a payment.")
    paid_on: dt.date | None = Field(None, description="Required unless paid_amount is 0.")
    channel: ChannelChoice | None = None
    reason: str = Field(..., min_length=3, max_length=255)
    seen: str | None = Field(
        None,
        max_length=500,
        description="The bill's `seen` from GET /bills/{psid}. Omit only to overwrite "
        "whatever is there (the audit trail keeps the old values).",
    )


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


def bill_detail(b: Bill) -> dict[str, Any]:
    return {**bill_row(b), "seen": services.seen_token(b)}


def _bills(actor: Any) -> QuerySet[Bill]:
    return selectors.bills_for(actor).select_related("unit")


def _bill(request: HttpRequest, psid: int) -> Bill:
    return selectors.bill_get(actor=request.user, psid=psid)


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
    """A unit's bills, newest month first; 404 when the unit is outside the caller's area."""
    unit = unit_get(actor=request.user, pk=unit_id)
    qs = _bills(request.user).filter(unit=unit)
    return cursor_page(qs, keys=["-month"], params=page, row=bill_row)


@router.get("/bills", response=responses(BillPage), operation_id="bills_query")
def bills_query(
    request: HttpRequest, filters: Query[BillFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The bill query: bills in the caller's area by month, status, place, amount due, paid
    date or PSID, newest month first."""
    f = filters.dict()
    f["month_from"] = _month(filters.month_from) if filters.month_from else None
    f["month_to"] = _month(filters.month_to) if filters.month_to else None
    f["psid"] = int(filters.psid) if filters.psid else None
    qs = selectors.bill_rows(selectors.bill_query(actor=request.user, filters=f))
    return cursor_page(qs, keys=["-month", "-psid"], params=page, row=bill_row)


@router.get("/bills/{psid}", response=responses(BillDetailOut), operation_id="bills_detail")
def bills_detail(
    request: HttpRequest, psid: str = Path(..., pattern=PSID_PATTERN)
) -> dict[str, Any]:
    """One bill by PSID; 404 when it is missing or outside the caller's area."""
    return bill_detail(_bill(request, int(psid)))


@router.get(
    "/payments", response=responses(BillPage), operation_id="payments_list", tags=["payments"]
)
def payments_list(
    request: HttpRequest, filters: Query[PaymentFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Paid and partly paid bills in the caller's area, latest payment first (SUPERVISOR+)."""
    require_role(request, "SUPERVISOR")
    qs = selectors.bill_rows(selectors.payments_query(actor=request.user, filters=filters.dict()))
    return cursor_page(qs, keys=["-paid_on", "-psid"], params=page, row=bill_row)


@router.post(
    "/payments",
    response={**responses(BillDetailOut), 409: ErrorOut},
    operation_id="payments_record",
    tags=["payments"],
)
def payments_record(
    request: HttpRequest, payload: PaymentIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> Status[dict[str, Any]]:
    """Record or correct one bill's payment with a reason (SUPERVISOR and up, in their area).

    409 when the bill changed since ``seen`` was read. With ``Idempotency-Key`` a retry of the
    same request returns the first result and writes nothing.
    """
    require_role(request, "SUPERVISOR")
    bill = _bill(request, int(payload.psid))
    body = payload.dict()
    print_ = api_selectors.fingerprint(body)
    if idempotency_key:
        done = api_selectors.idempotency_find(
            user=request.user, operation="payment", key=idempotency_key, fingerprint=print_
        )
        if done is not None:
            return Status(200, bill_detail(_bill(request, int(done.object_id))))
    form_data = {
        "paid_amount": payload.paid_amount,
        "paid_on": payload.paid_on or "",
        "channel": payload.channel or "",
        "reason": payload.reason,
        "seen": payload.seen or services.seen_token(bill),
    }
    data = cleaned(PaymentForm(form_data))
    try:
        api_services.idempotent_write(
            user=request.user,
            operation="payment",
            key=idempotency_key,
            fingerprint=print_,
            write=lambda: services.bill_payment_record(
                actor=request.user,
                psid=bill.psid,
                paid_amount=data["paid_amount"],
                paid_on=data["paid_on"],
                channel=data["channel"],
                reason=data["reason"],
                seen=data["seen"],
                ip=client_ip(request),
            ),
            object_id=lambda _result: bill.psid,
        )
    except services.StaleBill as exc:
        raise HttpError(409, str(exc)) from exc
    except services.BillingError as exc:
        raise ValidationError(str(exc)) from exc
    except IntegrityError:
        # The same key raced in from a second connection and won: answer with its result.
        won = idempotency_key and api_selectors.idempotency_find(
            user=request.user, operation="payment", key=idempotency_key, fingerprint=print_
        )
        if not won:
            raise
    return Status(200, bill_detail(_bill(request, bill.psid)))
