"""The public bill lookup without a token (the same limits as ``/bill/``), and a bill's PDF
for staff. Reads go through ``suthra.consumers`` (lookup limits, masked name, PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from suthra.api.schemas import COMMON_ERRORS, responses
from suthra.consumers import lookup, selectors, services
from suthra.consumers.models import LookupCount
from suthra.consumers.views import bill_pdf_bytes
from suthra.core.audit import client_ip

router = Router(tags=["public"])

PSID_PATTERN = r"^[1-9]\d{0,17}$"
NOT_FOUND = "No bill was found for these details."


class LookupQuery(Schema):
    psid: str = Field("", max_length=40, description="The PSID printed on the bill.")
    survey_id: str = Field("", max_length=40, description="Or the survey id …")
    mobile4: str = Field("", max_length=10, description="… with the billing mobile's last 4.")


class PublicBillOut(Schema):
    psid: str
    month: str = Field(description="Billing month, YYYY-MM.")
    amount_due: int
    due_date: dt.date
    amount_after_due_date: int | None
    status: int = Field(description="0 unpaid, 1 partly paid, 2 paid")
    status_label: str
    paid_on: dt.date | None
    paid_amount: int
    channel_label: str
    uc: str
    city: str
    name: str = Field(description='Masked: "M**** A****".')


@router.get(
    "/public/bill",
    response=responses(PublicBillOut),
    operation_id="public_bill_lookup",
    auth=None,
    throttle=[],
    openapi_extra={"security": [{}]},
)
def public_bill_lookup(request: HttpRequest, q: Query[LookupQuery]) -> dict[str, Any]:
    """A consumer's bill without a token: by PSID, or survey id and the last four digits of
    the billing mobile. The same 404 for unknown and malformed input; rate limited per IP and
    per PSID like the page (429 with Retry-After)."""
    answer = lookup.find(
        ip=client_ip(request),
        psid=q.psid,
        survey_id=q.survey_id,
        mobile4=q.mobile4,
        channel=LookupCount.Channel.API,
    )
    if answer.limited:
        raise HttpError(429, f"Too many lookups. Try again in {answer.retry_after} seconds.")
    if answer.bill is None:
        raise HttpError(404, NOT_FOUND)
    b = selectors.public_bill(answer.bill)
    return {
        "psid": str(b.psid),
        "month": f"{b.month:%Y-%m}",
        "amount_due": b.amount_due,
        "due_date": b.due_date,
        "amount_after_due_date": b.after_due,
        "status": b.status,
        "status_label": b.status_label,
        "paid_on": b.paid_on,
        "paid_amount": b.paid_amount,
        "channel_label": b.channel,
        "uc": b.uc,
        "city": b.city,
        "name": b.name,
    }


@router.get(
    "/bills/{psid}/pdf",
    response=COMMON_ERRORS,
    operation_id="bills_pdf",
    tags=["bills"],
    openapi_extra={
        "responses": {"200": {"description": "The bill", "content": {"application/pdf": {}}}}
    },
)
def bills_pdf(
    request: HttpRequest, psid: str = Path(..., pattern=PSID_PATTERN), layout: str = "a4"
) -> HttpResponse:
    """One bill as a printable PDF (one bill a page, ``layout`` a4 or a5); 404 outside the
    caller's area."""
    if layout not in ("a4", "a5"):
        raise HttpError(400, "layout must be a4 or a5")
    bill = selectors.bill_for(actor=request.user, psid=int(psid))
    services.bill_printed(actor=request.user, psid=bill.psid, layout=layout, ip=client_ip(request))
    data = bill_pdf_bytes(bill, layout=layout, base=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bill-{bill.psid}.pdf"'
    return response
