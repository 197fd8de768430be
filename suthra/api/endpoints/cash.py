"""Field cash: record a cash receipt (idempotent, online or from a reserved block), the receipts
list and one receipt, the caller's cash book, and reserving a block of receipt numbers.

Writes go through ``suthra.cash.services`` (the same service, checks and messages as the
collect page); the input is checked by the page's own ``CollectForm``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Header, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from suthra.accounts.models import Role, Staff
from suthra.api.forms_bridge import cleaned
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.cash import selectors, services
from suthra.cash.forms import CollectForm
from suthra.cash.models import CashReceipt, HandOver, ReceiptStatus
from suthra.core.audit import client_ip

router = Router(tags=["cash"])

MAX_ID = 2**31 - 1
StatusChoice = Annotated[int, one_of(ReceiptStatus.values, "1 issued, 2 cancelled")]
IDEMPOTENCY_KEY = Header(
    None, alias="Idempotency-Key", description="The same as client_key (a UUID), as a header."
)
NOT_A_COLLECTOR = "Only agents and supervisors collect cash."


class ReceiptOut(Schema):
    id: int
    number: str = Field(description="e.g. LAH-0007-000123: city, collector, running number.")
    unit_id: int
    survey_id: str
    uc_id: int
    psid: str = Field(description="The bill the cash pays (17 digits, as text).")
    month: str = Field(description="The bill's month, YYYY-MM.")
    amount: int
    payer_name: str
    payer_mobile: str
    collector: str
    collector_id: int
    collected_at: dt.datetime
    offline: bool = Field(description="Written offline with a number from a reserved block.")
    double_payment: bool = Field(
        description="The bill was already paid: the cash went to the payment exceptions queue."
    )
    status: int = Field(description="1 issued, 2 cancelled")
    status_label: str
    handed_over: bool = Field(description="In a hand-over: closed, no longer cancellable.")
    handover_id: int | None
    cancelled_by: str | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    sms_sent: bool
    client_key: uuid.UUID | None
    print_url: str = Field(description="The printable receipt (PDF; ?size=58, 80 or a6).")


class ReceiptPage(PageMeta):
    items: list[ReceiptOut]


class ReceiptFilters(Schema):
    unit: int | None = Field(None, ge=1, le=MAX_ID)
    collector: int | None = Field(None, ge=1, le=MAX_ID)
    uc: int | None = Field(None, ge=1, le=32767)
    status: StatusChoice | None = None
    # Bounded: a day turns into an aware datetime, which year 1 or 9999 would overflow.
    collected_from: dt.date | None = Field(None, ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1))
    collected_to: dt.date | None = Field(None, ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1))
    mine: bool = Field(False, description="Only the receipts I wrote.")


class ReceiptIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    amount: int = Field(
        ...,
        ge=-10_000_000,
        le=10_000_000,
        description="Rupees received; more than zero and at most what the unit owes plus one "
        "month's fee (CASH_MAX_ADVANCE_MONTHS).",
    )
    payer_name: str = Field("", max_length=120)
    payer_mobile: str = Field(
        "", max_length=16, description="For the SMS receipt, e.g. 03001234567."
    )
    client_key: uuid.UUID | None = Field(
        None,
        description="Idempotency key: a UUID made on the phone once per receipt. Sending it "
        "again returns the receipt already recorded (200), never a second one.",
    )
    receipt_number: str = Field(
        "",
        max_length=32,
        description="For a receipt written offline: a number from a block this caller reserved "
        "(POST /cash/blocks). Omit online: the next number is taken.",
    )
    collected_at: dt.datetime | None = Field(
        None,
        description="When the cash was taken (for receipts queued offline; at most 7 days ago, "
        "not in the future). Default: now.",
    )


class HistoryDayOut(Schema):
    day: dt.date
    receipts: int
    collected: int
    cancelled: int


class HandOverOut(Schema):
    id: int
    created_at: dt.datetime
    method: int = Field(description="1 cash to the supervisor, 2 bank deposit")
    method_label: str
    amount: int
    receipts_count: int
    status: int = Field(description="1 waiting for the supervisor, 2 confirmed")
    status_label: str
    received_amount: int | None
    difference: int = Field(description="received − amount: negative is cash short.")


class BookOut(Schema):
    collector: str
    collector_id: int
    may_collect: bool = Field(description="Agents and supervisors collect; others do not.")
    day: dt.date
    today: list[ReceiptOut]
    today_total: int = Field(description="Today's issued receipts, rupees.")
    in_hand: int = Field(description="Issued receipts not in a confirmed hand-over, rupees.")
    not_handed_over: int = Field(description="Issued receipts in no hand-over yet, rupees.")
    limit: int = Field(description="CASH_IN_HAND_LIMIT: at it, new receipts are refused.")
    over_limit: bool
    handovers: list[HandOverOut]
    history: list[HistoryDayOut]


class BookParams(Schema):
    collector: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Another collector's book (SUPERVISOR and up, receipts in their area).",
    )


class BlockOut(Schema):
    block: int
    prefix: str
    first: int
    last: int
    numbers: list[str] = Field(description="The receipt numbers this phone may use offline.")


def receipt_row(r: CashReceipt) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "unit_id": r.unit_id,
        "survey_id": r.unit.survey_id,
        "uc_id": r.uc_id,
        "psid": str(r.bill_id),
        "month": f"{r.month:%Y-%m}",
        "amount": r.amount,
        "payer_name": r.payer_name,
        "payer_mobile": r.payer_mobile,
        "collector": r.collector.username,
        "collector_id": r.collector_id,
        "collected_at": r.collected_at,
        "offline": r.offline,
        "double_payment": r.double_payment,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "handed_over": r.handover_id is not None,
        "handover_id": r.handover_id,
        "cancelled_by": r.cancelled_by.username if r.cancelled_by else None,
        "cancelled_at": r.cancelled_at,
        "cancel_reason": r.cancel_reason,
        "sms_sent": r.sms_sent,
        "client_key": r.client_key,
        "print_url": reverse("cash:receipt_print", args=[r.pk]),
    }


def _handover_row(h: HandOver) -> dict[str, Any]:
    return {
        "id": h.pk,
        "created_at": h.created_at,
        "method": h.method,
        "method_label": str(h.get_method_display()),
        "amount": h.amount,
        "receipts_count": h.receipts_count,
        "status": h.status,
        "status_label": str(h.get_status_display()),
        "received_amount": h.received_amount,
        "difference": h.difference,
    }


def _receipt(request: HttpRequest, receipt_id: int) -> CashReceipt:
    found = selectors.receipts_for(request.user).filter(pk=receipt_id).first()
    if found is None:
        raise Http404
    return found


def _collector(request: HttpRequest) -> Staff:
    """The caller, if they collect cash (agents and supervisors), else 403."""
    if not services.may_collect(request.user):
        raise HttpError(403, NOT_A_COLLECTOR)
    return request.user  # type: ignore[return-value]


@router.get("/cash/receipts", response=responses(ReceiptPage), operation_id="cash_receipts_list")
def cash_receipts_list(
    request: HttpRequest, filters: Query[ReceiptFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Cash receipts of units in the caller's area, newest first (per unit, collector, UC,
    status or collection day)."""
    qs = selectors.receipts_for(request.user)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    if filters.collector is not None:
        qs = qs.filter(collector_id=filters.collector)
    if filters.mine:
        qs = qs.filter(collector_id=request.user.pk)
    if filters.uc is not None:
        qs = qs.filter(uc_id=filters.uc)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.collected_from is not None:
        qs = qs.filter(collected_at__gte=selectors.day_start(filters.collected_from))
    if filters.collected_to is not None:
        qs = qs.filter(
            collected_at__lt=selectors.day_start(filters.collected_to + dt.timedelta(days=1))
        )
    return cursor_page(qs, keys=["-id"], params=page, row=receipt_row)


@router.get(
    "/cash/receipts/{receipt_id}",
    response=responses(ReceiptOut),
    operation_id="cash_receipts_detail",
)
def cash_receipts_detail(
    request: HttpRequest, receipt_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """One cash receipt; 404 when its unit is outside the caller's area."""
    return receipt_row(_receipt(request, receipt_id))


@router.post(
    "/cash/receipts",
    response={**responses(ReceiptOut, status=201), 200: ReceiptOut},
    operation_id="cash_receipts_create",
)
def cash_receipts_create(
    request: HttpRequest,
    payload: ReceiptIn,
    idempotency_key: uuid.UUID | None = IDEMPOTENCY_KEY,
) -> Status[dict[str, Any]]:
    """Record cash taken for a unit's current bill and issue a receipt (AGENT in their UCs,
    SUPERVISOR in their city; managers and head office do not collect: 403).

    201 with the new receipt; 200 with the earlier one when ``client_key`` (or the
    ``Idempotency-Key`` header) was already used by the caller — a retry of the offline queue is
    applied once. 422 with the reason, nothing written: a zero or negative amount, more than
    owed plus one month's fee, an inactive unit, a receipt number already submitted or not from
    the caller's blocks, the cash-in-hand limit. 404 for a unit outside the caller's area.
    """
    actor = _collector(request)
    key = payload.client_key or idempotency_key
    fields = {
        "amount": payload.amount,
        "payer_name": payload.payer_name,
        "payer_mobile": payload.payer_mobile,
        "client_key": key,
        "receipt_number": payload.receipt_number,
        "collected_at": payload.collected_at.isoformat() if payload.collected_at else None,
    }
    data = cleaned(CollectForm({k: ("" if v is None else v) for k, v in fields.items()}))
    receipt, created = services.cash_collect(
        actor=actor,
        unit_id=payload.unit_id,
        amount=data["amount"],
        payer_name=data["payer_name"],
        payer_mobile=data["payer_mobile"],
        client_key=data["client_key"],
        receipt_number=data["receipt_number"],
        collected_at=data["collected_at"],
        ip=client_ip(request),
    )
    return Status(201 if created else 200, receipt_row(_receipt(request, receipt.pk)))


@router.get("/cash/book", response=responses(BookOut), operation_id="cash_book")
def cash_book(request: HttpRequest, params: Query[BookParams]) -> dict[str, Any]:
    """The caller's cash book: today's receipts, cash in hand and the limit, the last
    hand-overs and the history by day. A supervisor and up may read a collector's book
    (``?collector=``) whose receipts are in their area; an agent only their own (403)."""
    user: Any = request.user
    collector: Staff = user
    if params.collector and params.collector != user.pk:
        if not user.at_least(Role.SUPERVISOR):
            raise HttpError(403, "Only supervisors and above see another collector's book.")
        found = selectors.collector_in_scope(actor=user, collector_id=params.collector)
        if found is None:
            raise Http404
        collector = found
    data = selectors.cash_book(actor=user, collector=collector)
    return {
        "collector": collector.username,
        "collector_id": collector.pk,
        "may_collect": services.may_collect(collector),
        "day": data["day"],
        "today": [receipt_row(r) for r in data["today"]],
        "today_total": data["today_total"],
        "in_hand": data["in_hand"],
        "not_handed_over": data["not_handed_over"],
        "limit": data["limit"],
        "over_limit": data["over_limit"],
        "handovers": [_handover_row(h) for h in data["handovers"]],
        "history": [
            {
                "day": h["day"],
                "receipts": h["receipts"],
                "collected": h["collected"] or 0,
                "cancelled": h["cancelled"],
            }
            for h in data["history"]
        ],
    }


@router.post("/cash/blocks", response=responses(BlockOut), operation_id="cash_blocks_reserve")
def cash_blocks_reserve(request: HttpRequest) -> dict[str, Any]:
    """Reserve the next block of receipt numbers (``CASH_RECEIPT_BLOCK_SIZE``, default 20) of
    the caller's receipt book for a phone's offline receipts (AGENT, SUPERVISOR). 422 once the
    cash in hand has reached the limit: hand over first."""
    actor = _collector(request)
    block = services.receipt_block_reserve(
        actor=actor,
        device=request.headers.get("User-Agent", "")[:80],
        ip=client_ip(request),
    )
    book = block.book
    return {
        "block": block.pk,
        "prefix": book.prefix,
        "first": block.first,
        "last": block.last,
        "numbers": [book.number(n) for n in range(block.first, block.last + 1)],
    }
