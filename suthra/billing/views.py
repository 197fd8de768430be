"""Bill query tool, payment history and collection, exceptions queue, unit ledger, manual
payments and bulk status updates. Thin views: form → selector/service → render."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.billing import adjustments, selectors, services
from suthra.billing.forms import (
    AdjustmentDecisionForm,
    AdjustmentForm,
    BillFilterForm,
    BulkForm,
    PaymentFilterForm,
    PaymentForm,
    ResolveForm,
)
from suthra.billing.models import (
    Adjustment,
    AdjustmentKind,
    AdjustmentReason,
    AdjustmentStatus,
    Bill,
    BillStatus,
    PaymentChannel,
    bill_status,
)
from suthra.core import exports, photos
from suthra.core.audit import client_ip
from suthra.core.htmx import render_page
from suthra.core.models import AuditEvent
from suthra.core.paging import count_hint, paginate
from suthra.core.validators import choice_param
from suthra.units.selectors import unit_get

SAMPLE = 10


def _geo(request: HttpRequest) -> dict:
    return {
        "ucs": scope.visible_ucs(request.user),
        "cities": scope.visible_cities(request.user),
    }


def _estimate(actor: Any, filters: dict[str, Any]) -> Callable[[], int] | None:
    if not selectors.summary_countable(filters):
        return None
    return lambda: selectors.bill_count_estimate(actor=actor, filters=filters) or 0


@role_required(Role.AGENT)
@require_GET
def bills(request: HttpRequest) -> HttpResponse:
    """The bill query tool (every role, own area): filters, keyset pages, export link."""
    form = BillFilterForm(request.GET)
    filters = form.clean_or_400()
    qs = selectors.bill_query(actor=request.user, filters=filters)
    page = paginate(request, selectors.bill_page_rows(qs), keys=["-psid"], default_size=50)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render_page(
        request,
        "billing/bills.html",
        {
            "form": form,
            "page": page,
            # Above 1,000 bills, "about N" from the summaries (the planner's guess otherwise).
            "total": count_hint(qs, estimate=_estimate(request.user, filters)),
            "query": query.urlencode(),
            "can_bulk": request.user.at_least(Role.SUPERVISOR),  # type: ignore[union-attr]
            **_geo(request),
        },
    )


EXPORT_HEADER = [
    "psid",
    "bill_month",
    "survey_id",
    "consumer",
    "city",
    "uc",
    "monthly_fee",
    "arrears",
    "amount_due",
    "status",
    "paid_date",
    "paid_amount",
    "channel",
]
EXPORT_MAX = 500_000


# The values_list paths the export reads (the status is not stored: it follows from the paid
# amount and the amount due).
EXPORT_FIELDS = [
    "psid",
    "month",
    "unit__survey_id",
    "unit__consumer_name",
    "unit__uc__city__name",
    "unit__uc__name",
    "monthly_fee",
    "arrears",
    "amount_due_db",
    "paid_on",
    "paid_amount",
    "channel",
]


@role_required(Role.AGENT)
@require_GET
def bills_export(request: HttpRequest) -> HttpResponse:
    """The filtered bills as CSV (UTF-8 with BOM, formula-neutralised), read in keyset chunks
    by the shared export machinery (``core.exports``), at most ``EXPORT_MAX`` rows."""
    filters = BillFilterForm(request.GET).clean_or_400()
    qs = selectors.bill_query(actor=request.user, filters=filters)
    statuses = dict(BillStatus.choices)
    channels = dict(PaymentChannel.choices)
    columns = [exports.Column(name, name) for name in EXPORT_FIELDS]

    def rows() -> Iterator[list[Any]]:
        for r in itertools.islice(exports.iter_rows(qs, columns, chunk=5000), EXPORT_MAX):
            psid, month, survey, name, city, uc, fee, arrears, due, paid_on, paid, channel = r
            status = statuses[bill_status(paid, due)]
            channel_label = channels.get(channel, "") if paid else ""
            yield [
                *(psid, f"{month:%b-%Y}", survey, name, city, uc, fee, arrears, due, status),
                *(paid_on or "", paid or "", channel_label),
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # A streaming response; the role decorator is typed for HttpResponse.
    return exports.csv_response(f"bills-{stamp}.csv", EXPORT_HEADER, rows())  # type: ignore[return-value]


@role_required(Role.SUPERVISOR)
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    """Payment history with collection per day and per channel (last 30 days by default)."""
    data = request.GET.copy()
    if not data.get("paid_from") and not data.get("paid_to"):
        start, end = selectors.month_bounds(timezone.localdate())
        data["paid_from"], data["paid_to"] = start.isoformat(), end.isoformat()
    form = PaymentFilterForm(data)
    filters = form.clean_or_400()
    qs = selectors.payments_query(actor=request.user, filters=filters)
    page = paginate(
        request, selectors.payment_rows(qs), keys=["-paid_on", "-psid"], default_size=50
    )
    summary = selectors.collection(qs)
    channels = dict(PaymentChannel.choices)
    for row in summary["per_channel"]:
        row["label"] = channels.get(row["channel"], row["channel"])
    return render_page(
        request,
        "billing/payments.html",
        {"form": form, "page": page, "summary": summary, **_geo(request)},
    )


@role_required(Role.SUPERVISOR)
@require_GET
def exceptions(request: HttpRequest) -> HttpResponse:
    """The queue of payment rows that were not applied as they were."""
    qs = selectors.exceptions_for(request.user)
    page = paginate(request, qs, keys=["-id"], default_size=50)
    return render_page(request, "billing/exceptions.html", {"page": page, "form": ResolveForm()})


@role_required(Role.SUPERVISOR)
@require_POST
def exception_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    exception = selectors.exceptions_for(request.user, open_only=False).filter(pk=pk).first()
    if exception is None:
        raise Http404("Not found")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done before closing the exception."))
    else:
        try:
            services.payment_exception_resolve(
                actor=request.user,
                exception=exception,
                resolution=form.cleaned_data["resolution"],
                outcome=form.cleaned_data["outcome"],
                ip=client_ip(request),
            )
            messages.success(
                request, _("Exception for PSID %(psid)s closed.") % {"psid": exception.psid}
            )
        except services.BillingError as exc:
            messages.error(request, str(exc))
    return redirect("billing:exceptions")


@role_required(Role.AGENT)
@require_GET
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's bills and payments with the running balance."""
    unit, rows = selectors.unit_ledger(actor=request.user, unit_id=pk)
    selectors.ledger_notices(actor=request.user, unit=unit, rows=rows)
    return render_page(
        request,
        "billing/ledger.html",
        {
            "unit": unit,
            "rows": rows,
            "can_edit": request.user.at_least(Role.SUPERVISOR),  # type: ignore[union-attr]
        },
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def payment(request: HttpRequest, psid: int) -> HttpResponse:
    """Record or correct one bill's payment, with a mandatory reason."""
    bill = selectors.bill_get(actor=request.user, psid=psid)
    initial = {
        "paid_amount": bill.paid_amount or bill.amount_due,
        "paid_on": bill.paid_on or timezone.localdate(),
        "channel": bill.channel or PaymentChannel.BANK_COUNTER,
        "seen": services.seen_token(bill),
    }
    form = PaymentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.bill_payment_record(
                    actor=request.user,
                    psid=bill.psid,
                    paid_amount=d["paid_amount"],
                    paid_on=d["paid_on"],
                    channel=d["channel"],
                    reason=d["reason"],
                    seen=d["seen"],
                    ip=client_ip(request),
                )
            except services.StaleBill as exc:
                status = 409
                bill.refresh_from_db()
                # Keep what the user typed, but against the bill as it is now.
                data = request.POST.copy()
                data["seen"] = services.seen_token(bill)
                form = PaymentForm(data)
                form.is_valid()
                form.add_error(None, str(exc))
            except services.BillingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Payment of bill %(psid)s saved.") % {"psid": bill.psid}
                )
                return redirect("billing:ledger", pk=bill.unit_id)
    source = selectors.bill_import_batch(bill.psid, bill.month)
    return render(
        request,
        "billing/payment.html",
        {"bill": bill, "form": form, "source": source},
        status=status,
    )


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest) -> HttpResponse:
    """Bulk status update of a filtered selection: count and sample first, then confirm."""
    filter_form = BillFilterForm(request.GET)
    filters = filter_form.clean_or_400()
    if not any(v not in (None, "", []) for v in filters.values()):
        messages.error(request, _("Filter the bills first (month, UC, status or a list of PSIDs)."))
        return redirect(reverse("billing:bills"))
    selection = selectors.bill_query(actor=request.user, filters=filters)
    count = selection.count()
    form = BulkForm(request.POST or None, initial={"expected": count, "action": "paid"})
    status = 200
    result = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = services.bills_bulk_status(
                    actor=request.user,
                    selection=selection,
                    action=d["action"],
                    expected=d["expected"],
                    reason=d["reason"],
                    paid_on=d["paid_on"],
                    channel=d["channel"],
                    ip=client_ip(request),
                )
            except services.BillingError as exc:
                form.add_error(None, str(exc))
                status = 409 if isinstance(exc, services.StaleBill) else 400
            else:
                messages.success(
                    request,
                    _("%(changed)s bills updated (%(skipped)s already so).") % result,
                )
                return redirect(f"{reverse('billing:bills')}?{request.GET.urlencode()}")
        count = selection.count()
    sample = list(selectors.bill_rows(selection).order_by("psid")[:SAMPLE])
    return render(
        request,
        "billing/bulk.html",
        {
            "form": form,
            "filter_form": filter_form,
            "count": count,
            "sample": sample,
            "too_many": count > services.BULK_MAX,
            "query": request.GET.urlencode(),
            "today": timezone.localdate(),
        },
        status=status,
    )


# --- adjustments (maker–checker) ----------------------------------------------------------------


def _adjustment_or_404(request: HttpRequest, pk: int) -> Adjustment:
    return selectors.adjustment_get(actor=request.user, pk=pk)


def _ticket_prefill(request: HttpRequest, unit_id: int) -> tuple[int | None, dict[str, Any]]:
    """``?ticket=N``: an approved "Wrong bill" ticket of this unit prefills the request."""
    from suthra.tickets.models import Ticket, TicketStatus, TicketType

    raw = request.GET.get("ticket") or request.POST.get("ticket") or ""
    if not raw.isdigit():
        return None, {}
    ticket = (
        Ticket.objects.visible_to(request.user)
        .filter(
            pk=int(raw),
            unit_id=unit_id,
            type=TicketType.WRONG_BILL,
            status=TicketStatus.APPROVED,
        )
        .first()
    )
    if ticket is None:
        return None, {}
    note = _("Ticket #%(n)s (wrong bill): %(text)s") % {
        "n": ticket.pk,
        "text": ticket.description,
    }
    # A wrong bill is most often a wrong fee (business type or size).
    return ticket.pk, {
        "note": note[:2000],
        "reason": AdjustmentReason.OTHER,
        "kind": AdjustmentKind.FEE_CORRECTION,
    }


@role_required(Role.SUPERVISOR)
@require_GET
def adjustment_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Request adjustment" from the unit page: the request form of the unit's latest bill."""
    unit = unit_get(actor=request.user, pk=pk)
    bill = adjustments.latest_bill(unit.pk)
    if bill is None:
        messages.error(request, _("This unit has no bill to adjust."))
        return redirect("units:detail", pk=unit.pk)
    url = reverse("billing:adjustment_new", args=[bill.psid])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def adjustment_new(request: HttpRequest, psid: int) -> HttpResponse:
    """Request a waiver, write-off or correction of a bill (its unit's latest), with a note."""
    bill = selectors.bill_get(actor=request.user, psid=psid)
    ticket_id, prefill = _ticket_prefill(request, bill.unit_id)
    initial = {
        "kind": AdjustmentKind.WAIVER,
        "new_fee": bill.monthly_fee,
        "new_arrears": bill.arrears,
        **prefill,
    }
    form = AdjustmentForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    refusal = adjustments.bill_refusal(bill)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            proof_key = ""
            try:
                if d.get("proof"):
                    proof_key = photos.document_store(d["proof"], folder="adjustments")
                adjustment = adjustments.adjustment_request(
                    actor=request.user,
                    psid=bill.psid,
                    kind=d["kind"],
                    reason=d["reason"],
                    note=d["note"],
                    new_fee=d.get("new_fee"),
                    new_arrears=d.get("new_arrears"),
                    proof_key=proof_key,
                    ticket_id=ticket_id,
                    ip=client_ip(request),
                )
            except photos.PhotoError as exc:
                form.add_error("proof", str(exc))
            except services.BillingError as exc:
                if proof_key:
                    photos.photo_delete(proof_key)
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Adjustment #%(n)s requested: a manager decides it.") % {"n": adjustment.pk},
                )
                return redirect("billing:adjustment", pk=adjustment.pk)
    return render_page(
        request,
        "billing/adjustment_new.html",
        {
            "bill": bill,
            "form": form,
            "refusal": refusal,
            "ticket_id": ticket_id,
            "head_above": adjustments.head_above(),
        },
        status=status,
    )


@role_required(Role.SUPERVISOR)
@require_GET
def adjustment_list(request: HttpRequest) -> HttpResponse:
    """The approvers' queue (their own requests excluded), the requester's own, the area's."""
    default = "decide" if request.user.at_least(Role.MANAGER) else "mine"  # type: ignore[union-attr]
    queue = (
        choice_param(request.GET.get("queue"), name="queue", allowed=adjustments.QUEUES) or default
    )
    qs = adjustments.adjustment_queue(actor=request.user, queue=queue)
    page = paginate(request, qs, keys=["-id"], default_size=25)
    return render_page(
        request,
        "billing/adjustments.html",
        {
            "page": page,
            "queue": queue,
            "can_decide": request.user.at_least(Role.MANAGER),  # type: ignore[union-attr]
            "pending": adjustments.pending_count(request.user),
            "head_above": adjustments.head_above(),
        },
    )


@role_required(Role.SUPERVISOR)
@require_GET
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _adjustment_or_404(request, pk)
    bill = Bill.objects.filter(psid=adjustment.bill_id).first()
    user = request.user
    pending = adjustment.status == AdjustmentStatus.REQUESTED
    own = adjustment.requested_by_id == user.pk
    can_decide = pending and not own and user.at_least(Role.MANAGER)  # type: ignore[union-attr]
    current_amount = (
        bill.amount_due - adjustment.new_fee - adjustment.new_arrears
        if bill is not None and pending
        else adjustment.amount
    )
    head_only = adjustments.needs_head(current_amount)
    return render_page(
        request,
        "billing/adjustment.html",
        {
            "adjustment": adjustment,
            "bill": bill,
            "pending": pending,
            "own": own,
            "can_decide": can_decide,
            "can_approve": can_decide and (not head_only or user.at_least(Role.HEAD)),  # type: ignore[union-attr]
            "head_only": head_only,
            "current_amount": current_amount,
            "head_above": adjustments.head_above(),
            "refusal": adjustments.bill_refusal(bill) if bill is not None and pending else None,
            "proof_pdf": adjustment.proof_key.endswith(".pdf"),
            "form": AdjustmentDecisionForm(
                initial={"seen": services.seen_token(bill) if bill is not None else ""}
            ),
            "history": AuditEvent.objects.filter(
                object_type="adjustment", object_id=str(adjustment.pk)
            )
            .select_related("actor")
            .order_by("id"),
        },
    )


@role_required(Role.MANAGER)
@require_POST
def adjustment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    adjustment = _adjustment_or_404(request, pk)
    form = AdjustmentDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject and give a reason."))
        return redirect("billing:adjustment", pk=adjustment.pk)
    try:
        adjustments.adjustment_decide(
            actor=request.user,
            adjustment=adjustment,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            seen=form.cleaned_data.get("seen") or None,
            ip=client_ip(request),
        )
    except services.BillingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision saved."))
    return redirect("billing:adjustment", pk=adjustment.pk)


@role_required(Role.SUPERVISOR)
@require_GET
def adjustment_proof(request: HttpRequest, pk: int) -> HttpResponse:
    """The request's proof (photo or PDF), only for users whose area includes the unit."""
    adjustment = _adjustment_or_404(request, pk)
    return cast(HttpResponse, photos.document_response(adjustment.proof_key))


@role_required(Role.MANAGER)
@require_GET
def ledger_check(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The newest nightly ledger check's discrepancies in the user's area (or one UC)."""
    uc = scope.uc_or_404(request.user, pk) if pk is not None else None
    run, qs = selectors.ledger_discrepancies(request.user, uc_id=uc.id if uc else None)
    count = 0
    if run is not None:
        count = selectors.ledger_discrepancy_count(
            actor=request.user, run=run, uc_id=uc.id if uc is not None else None
        )
    page = paginate(request, qs, keys=["id"], default_size=100)
    return render_page(
        request,
        "billing/ledger_check.html",
        {"run": run, "page": page, "uc": uc, "count": count, "listed": qs.count()},
    )
