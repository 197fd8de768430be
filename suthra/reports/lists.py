"""The lists anyone may export (an allow-list of kinds), each built from the actor's scope.

``reports:export?kind=<kind>&<filters>`` works for every list before its own app wires a button;
the filters are the common ones (city, uc, month, status, from, to) checked against an allow-list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.billing.models import Bill, BillStatus, PaymentChannel, status_case, status_q
from suthra.core.exports import Column, choices_fmt
from suthra.core.validators import choice_param, date_param, int_param, month_param
from suthra.reports.filters import Place, place_param
from suthra.units.models import SizeCategory, SurveyUnit


def _text(v: Any) -> str:
    # 17-digit PSIDs lose digits as spreadsheet numbers: export them as text.
    return "" if v is None else str(v)


def _yes_no(v: Any) -> str:
    return _("yes") if v else _("no")


@dataclass(frozen=True)
class ListKind:
    slug: str
    title: str | Promise
    minimum: str  # lowest role that may export it
    statuses: tuple[str, ...]  # allowed ?status= values
    columns: Callable[[], list[Column]]
    queryset: Callable[[Any, Place, dict[str, Any]], QuerySet[Any]]


def _between(qs: QuerySet[Any], path: str, params: dict[str, Any]) -> QuerySet[Any]:
    if params.get("from"):
        start = timezone.make_aware(dt.datetime.combine(params["from"], dt.time()))
        qs = qs.filter(**{f"{path}__gte": start})
    if params.get("to"):
        end = timezone.make_aware(dt.datetime.combine(params["to"], dt.time()))
        qs = qs.filter(**{f"{path}__lt": end + dt.timedelta(days=1)})
    return qs


def _units(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    qs = scope.scoped(actor, SurveyUnit.objects.all(), "uc").filter(**place.filter_kwargs("uc"))
    if params.get("status") in ("active", "inactive"):
        qs = qs.filter(is_active=params["status"] == "active")
    return qs


def _unit_columns() -> list[Column]:
    return [
        Column(_("Survey id"), "survey_id"),
        Column(_("City"), "uc__city__name"),
        Column(_("UC"), "uc__name"),
        Column(_("Consumer name"), "consumer_name"),
        Column(_("Billing name"), "billing_name"),
        Column(_("Mobile"), "mobile"),
        Column(_("Billing mobile"), "billing_mobile"),
        Column(_("Address"), "address"),
        Column(_("Business type"), "business_type__name"),
        Column(_("Category"), "category", choices_fmt(SizeCategory.choices)),
        Column(_("Active"), "is_active", _yes_no),
        Column(_("Latitude"), "lat"),
        Column(_("Longitude"), "lon"),
    ]


def _bills(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    qs = scope.scoped(actor, Bill.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    if params.get("month"):
        qs = qs.filter(month=params["month"])
    status = params.get("status")
    if status:
        qs = qs.filter(status_q(BillStatus[status.upper()]))
    # The status is not stored: it follows from the paid amount (a column of the export).
    return qs.annotate(bill_status=status_case())


def _bill_columns() -> list[Column]:
    return [
        Column("PSID", "psid", _text),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Bill month"), "month"),
        Column(_("Monthly fee"), "monthly_fee"),
        Column(_("Arrears"), "arrears"),
        Column(_("Paid amount"), "paid_amount"),
        Column(_("Paid on"), "paid_on"),
        Column(_("Status"), "bill_status", choices_fmt(BillStatus.choices)),
        Column(_("Channel"), "channel", choices_fmt(PaymentChannel.choices)),
    ]


def _payments(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    qs = _bills(actor, place, {"month": params.get("month")}).filter(
        status_q(BillStatus.PARTIAL, BillStatus.PAID)
    )
    if params.get("from"):
        qs = qs.filter(paid_on__gte=params["from"])
    if params.get("to"):
        qs = qs.filter(paid_on__lte=params["to"])
    return qs


def _payment_columns() -> list[Column]:
    return [
        Column("PSID", "psid", _text),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Bill month"), "month"),
        Column(_("Paid amount"), "paid_amount"),
        Column(_("Paid on"), "paid_on"),
        Column(_("Channel"), "channel", choices_fmt(PaymentChannel.choices)),
        Column(_("Status"), "bill_status", choices_fmt(BillStatus.choices)),
    ]


def _visits(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    from suthra.visits.models import ComplianceVisit

    qs = scope.scoped(actor, ComplianceVisit.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    if params.get("status"):
        qs = qs.filter(status=params["status"].upper())
    return _between(qs, "visited_at", params)


def _visit_columns() -> list[Column]:
    from suthra.visits.models import VisitOutcome, VisitStatus

    return [
        Column(_("Visit"), "id"),
        Column(_("Visit time"), "visited_at"),
        Column(_("Staff"), "staff__username"),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Outcome"), "outcome", choices_fmt(VisitOutcome.choices)),
        Column(_("Status"), "status", choices_fmt(VisitStatus.choices)),
        Column(_("Latitude"), "lat"),
        Column(_("Longitude"), "lon"),
        Column(_("Notes"), "notes"),
    ]


def _tickets(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    from suthra.tickets.models import Ticket

    qs = scope.scoped(actor, Ticket.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    if params.get("status"):
        qs = qs.filter(status=params["status"].upper())
    return _between(qs, "created_at", params)


def _ticket_columns() -> list[Column]:
    from suthra.tickets.models import TicketStatus, TicketType

    return [
        Column(_("Ticket"), "id"),
        Column(_("Raised"), "created_at"),
        Column(_("Type"), "type", choices_fmt(TicketType.choices)),
        Column(_("Status"), "status", choices_fmt(TicketStatus.choices)),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Raised by"), "reported_by__username"),
        Column(_("Decided by"), "decided_by__username"),
        Column(_("Decided"), "decided_at"),
        Column(_("Description"), "description"),
    ]


def _adjustments(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    from suthra.billing.models import Adjustment, AdjustmentStatus

    qs = scope.scoped(actor, Adjustment.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    if params.get("month"):
        qs = qs.filter(month=params["month"])
    if params.get("status"):
        qs = qs.filter(status=AdjustmentStatus[params["status"].upper()])
    return _between(qs, "requested_at", params)


def _adjustment_columns() -> list[Column]:
    from suthra.billing.models import AdjustmentKind, AdjustmentReason, AdjustmentStatus

    return [
        Column(_("Adjustment"), "id"),
        Column("PSID", "bill_id", _text),
        Column(_("Bill month"), "month"),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Kind"), "kind", choices_fmt(AdjustmentKind.choices)),
        Column(_("Reason"), "reason", choices_fmt(AdjustmentReason.choices)),
        Column(_("Status"), "status", choices_fmt(AdjustmentStatus.choices)),
        Column(_("Fee before"), "fee_before"),
        Column(_("Arrears before"), "arrears_before"),
        Column(_("Fee after"), "new_fee"),
        Column(_("Arrears after"), "new_arrears"),
        Column(_("Adjusted (Rs)"), "amount"),
        Column(_("Requested by"), "requested_by__username"),
        Column(_("Requested"), "requested_at"),
        Column(_("Decided by"), "decided_by__username"),
        Column(_("Decided"), "decided_at"),
        Column(_("Note"), "note"),
    ]


def _notices(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    from suthra.consumers.models import Notice

    qs = scope.scoped(actor, Notice.objects.all(), "unit__uc").filter(
        **place.filter_kwargs("unit__uc")
    )
    if params.get("batch"):
        qs = qs.filter(batch_id=params["batch"])
    if params.get("status") == "served":
        qs = qs.filter(served_at__isnull=False)
    elif params.get("status") == "unserved":
        qs = qs.filter(served_at__isnull=True)
    return _between(qs, "issued_on", params)


def _notice_columns() -> list[Column]:
    return [
        Column(_("Notice"), "id"),
        Column(_("Run"), "batch_id"),
        Column("PSID", "psid", _text),
        Column(_("Survey id"), "unit__survey_id"),
        Column(_("UC"), "unit__uc__name"),
        Column(_("Issued on"), "issued_on"),
        Column(_("Amount owed"), "amount"),
        Column(_("Months unpaid"), "months", lambda v: len(v or [])),
        Column(_("Pay by"), "deadline"),
        Column(_("Served"), "served_at"),
        Column(_("Served by"), "served_by__username"),
    ]


def _audit(actor: Any, place: Place, params: dict[str, Any]) -> QuerySet[Any]:
    from suthra.core.models import AuditEvent

    # The audit log is not geographic; only HEAD may export it (see ``minimum``).
    return _between(AuditEvent.objects.all(), "at", params)


def _audit_columns() -> list[Column]:
    return [
        Column(_("Event"), "id"),
        Column(_("Time"), "at"),
        Column(_("Actor"), "actor__username"),
        Column(_("Action"), "action"),
        Column(_("Object type"), "object_type"),
        Column(_("Object id"), "object_id"),
        Column(_("IP"), "ip"),
        Column(_("Changes"), "changes", lambda v: "" if not v else str(v)),
    ]


KINDS: dict[str, ListKind] = {
    k.slug: k
    for k in (
        ListKind(
            "units", gettext_lazy("Units"), "AGENT", ("active", "inactive"), _unit_columns, _units
        ),
        ListKind(
            "bills",
            gettext_lazy("Bills"),
            "AGENT",
            ("unpaid", "partial", "paid"),
            _bill_columns,
            _bills,
        ),
        ListKind(
            "payments",
            gettext_lazy("Payments"),
            "SUPERVISOR",
            ("partial", "paid"),
            _payment_columns,
            _payments,
        ),
        ListKind(
            "visits",
            gettext_lazy("Visits"),
            "AGENT",
            ("pending", "approved", "rejected"),
            _visit_columns,
            _visits,
        ),
        ListKind(
            "tickets",
            gettext_lazy("Tickets"),
            "AGENT",
            ("pending", "approved", "rejected"),
            _ticket_columns,
            _tickets,
        ),
        ListKind(
            "adjustments",
            gettext_lazy("Adjustments"),
            "SUPERVISOR",
            ("requested", "approved", "rejected"),
            _adjustment_columns,
            _adjustments,
        ),
        # Defaulter notices (suthra.consumers); ?batch= one run. Printed in the background
        # when a run is large (consumers: NOTICE_PDF_BACKGROUND_ABOVE).
        ListKind(
            "notices",
            gettext_lazy("Defaulter notices"),
            "MANAGER",
            ("served", "unserved"),
            _notice_columns,
            _notices,
        ),
        ListKind("audit", gettext_lazy("Audit log"), "HEAD", (), _audit_columns, _audit),
    )
}
FORMATS = ("csv", "xlsx", "pdf", "zip")
# Printed bills (suthra/consumers/bulk.py): only the bills list, for MANAGER and up; a zip holds
# one PDF per union council (a city, or everything visible).
PRINT_FORMATS = ("pdf", "zip")
PRINT_KINDS = ("bills", "notices")
PRINT_MINIMUM = "MANAGER"


def parse(actor: Any, data: QueryDict) -> tuple[ListKind, str, Place, dict[str, Any]]:
    """Validate ``kind``, ``format`` and the filters (400 on bad input, 404 out of scope)."""
    kind = KINDS[choice_param(data.get("kind"), name="kind", allowed=KINDS, default="units") or ""]
    formats = FORMATS if kind.slug in PRINT_KINDS else ("csv", "xlsx")
    fmt = choice_param(data.get("format"), name="format", allowed=formats, default="csv") or "csv"
    place = place_param(actor, data)
    params: dict[str, Any] = {
        "month": month_param(data.get("month"), name="month"),
        "status": choice_param(data.get("status"), name="status", allowed=kind.statuses),
        "from": date_param(data.get("from"), name="from"),
        "to": date_param(data.get("to"), name="to"),
        "batch": _batch_param(actor, kind, data.get("batch")),
    }
    return kind, fmt, place, {k: v for k, v in params.items() if v}


def _batch_param(actor: Any, kind: ListKind, raw: str | None) -> int | None:
    """A run of notices (``?batch=``): only for the notices list, and only a run with notices
    in the actor's area (else 404, as for a UC out of scope)."""
    from django.http import Http404

    from suthra.consumers.models import Notice

    batch = int_param(raw, name="batch", minimum=1)
    if batch is None or kind.slug != "notices":
        return None
    if not scope.scoped(actor, Notice.objects.filter(batch_id=batch), "unit__uc").exists():
        raise Http404("Not found")
    return batch


def params_query(place: Place, params: dict[str, Any]) -> dict[str, str]:
    """The filters as query parameters (stored on the job, shown to the user)."""
    out = {}
    if place.uc is not None:
        out["uc"] = str(place.uc.id)
    elif place.city is not None:
        out["city"] = str(place.city.id)
    for key, value in params.items():
        out[key] = f"{value:%Y-%m}" if key == "month" else str(value)
    return out
