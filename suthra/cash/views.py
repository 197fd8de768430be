"""Field cash pages: collect and the receipt (screen, PDF), the cash book and hand-over, the
supervisor's hand-over queue and cancellations, the offline receipt blocks, the cash report."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.shortcuts import render as render_page
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role, Staff
from suthra.cash import selectors, services
from suthra.cash.forms import CancelForm, CollectForm, ConfirmForm, HandOverForm
from suthra.cash.models import CashReceipt, HandOver
from suthra.cash.receipts import FORMATS, receipt_context, receipt_pdf
from suthra.core import exports, photos
from suthra.core.audit import audit_record
from suthra.core.validators import int_param
from suthra.units.models import SurveyUnit


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _receipt_or_404(request: HttpRequest, pk: int) -> CashReceipt:
    return scope.get_or_404(request.user, selectors.receipts_for(request.user), "uc", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def collect(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Take cash for a unit's current bill and issue a receipt. A repeated ``client_key``
    shows the receipt already made (idempotent for retries and the offline queue)."""
    unit = scope.get_or_404(request.user, SurveyUnit.objects.select_related("uc"), "uc", pk=unit_pk)
    bill = services.current_bill(unit)
    form = CollectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not services.may_collect(request.user):
            raise PermissionDenied("Only agents and supervisors collect cash.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt, created = services.cash_collect(
                    actor=request.user,  # type: ignore[arg-type]
                    unit_id=unit.pk,
                    amount=data["amount"],
                    payer_name=data["payer_name"],
                    payer_mobile=data["payer_mobile"],
                    client_key=data["client_key"],
                    receipt_number=data["receipt_number"],
                    collected_at=data["collected_at"],
                    ip=_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if created:
                    messages.success(
                        request, _("Receipt %(number)s issued.") % {"number": receipt.number}
                    )
                    if receipt.double_payment:
                        messages.warning(
                            request,
                            _(
                                "This bill was already paid: the cash is recorded and sent to "
                                "the payment exceptions queue as a double payment."
                            ),
                        )
                return redirect("cash:receipt", pk=receipt.pk)
    context = {
        "form": form,
        "unit": unit,
        "bill": bill,
        "allowed": services.amount_allowed(bill) if bill else 0,
        "may_collect": services.may_collect(request.user),
        "in_hand": services.cash_in_hand(request.user),
        "limit": services.cash_limit(),
    }
    return render_page(request, "cash/collect.html", context, status=status)


@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    r = _receipt_or_404(request, pk)
    can_cancel = (
        request.user.at_least(Role.SUPERVISOR)  # type: ignore[union-attr]
        and r.is_open
        and r.collector_id != request.user.pk
    )
    return render_page(
        request,
        "cash/receipt.html",
        {"r": r, "can_cancel": can_cancel, "cancel_form": CancelForm(), **receipt_context(r)},
    )


@login_required
@require_GET
def receipt_print(request: HttpRequest, pk: int) -> FileResponse:
    """The receipt as PDF: ?size=58 or 80 (thermal roll) or a6."""
    r = _receipt_or_404(request, pk)
    size = request.GET.get("size", "80")
    if size not in FORMATS:
        raise BadRequest("size must be 58, 80 or a6")
    response = FileResponse(io.BytesIO(receipt_pdf(r, size)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{r.number}-{size}.pdf"'
    return response


@role_required(Role.SUPERVISOR)
@require_POST
def receipt_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    r = _receipt_or_404(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for cancelling the receipt."))
        return redirect("cash:receipt", pk=r.pk)
    try:
        services.receipt_cancel(
            actor=request.user,  # type: ignore[arg-type]
            receipt=r,
            reason=form.cleaned_data["reason"],
            ip=_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Receipt %(number)s cancelled.") % {"number": r.number})
    return redirect("cash:receipt", pk=r.pk)


@login_required
@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """The actor's cash book; a supervisor and above may open a collector's (?collector=) whose
    receipts are in their area."""
    collector: Staff = request.user  # type: ignore[assignment]
    collector_id = int_param(request.GET.get("collector"), name="collector", minimum=1)
    if collector_id and collector_id != request.user.pk:
        if not request.user.at_least(Role.SUPERVISOR):  # type: ignore[union-attr]
            raise PermissionDenied("Only supervisors and above see another collector's book.")
        found = selectors.collector_in_scope(actor=request.user, collector_id=collector_id)
        if found is None:
            from django.http import Http404

            raise Http404
        collector = found
    data = selectors.cash_book(actor=request.user, collector=collector)
    data["own"] = collector.pk == request.user.pk
    data["handover_form"] = HandOverForm()
    return render_page(request, "cash/book.html", data)


@login_required
@require_POST
def handover_new(request: HttpRequest) -> HttpResponse:
    if not services.may_collect(request.user):
        raise PermissionDenied("Only agents and supervisors collect cash.")
    form = HandOverForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Check the hand-over form."))
        return redirect("cash:book")
    stored = None
    if form.cleaned_data.get("slip_photo"):
        try:
            stored = photos.photo_store(
                photos.photo_process(form.cleaned_data["slip_photo"]), folder="cash"
            )
        except photos.PhotoError as exc:
            messages.error(request, str(exc))
            return redirect("cash:book")
    try:
        handover = services.handover_create(
            actor=request.user,  # type: ignore[arg-type]
            method=form.cleaned_data["method"],
            slip_number=form.cleaned_data["slip_number"],
            slip_photo_key=stored.key if stored else "",
            ip=_ip(request),
        )
    except ValidationError as exc:
        if stored:
            photos.photo_delete(stored.key, stored.thumb_key)
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Hand-over of Rs %(amount)s recorded: your supervisor confirms it.")
            % {"amount": f"{handover.amount:,}"},
        )
    return redirect("cash:book")


@role_required(Role.SUPERVISOR)
@require_GET
def handovers(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.handovers_pending(request.user)[:100])
    recent = list(
        selectors.handovers_for(request.user).exclude(pk__in=[h.pk for h in pending])[:30]
    )
    return render_page(
        request,
        "cash/handovers.html",
        {"pending": pending, "recent": recent, "form": ConfirmForm()},
    )


def _handover_or_404(request: HttpRequest, pk: int) -> HandOver:
    found = selectors.handovers_for(request.user).filter(pk=pk).first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


@role_required(Role.SUPERVISOR)
@require_GET
def handover_slip(request: HttpRequest, pk: int) -> HttpResponse:
    return photos.photo_response(_handover_or_404(request, pk).slip_photo_key)  # type: ignore[return-value]


@role_required(Role.SUPERVISOR)
@require_POST
def handover_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _handover_or_404(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the amount received."))
        return redirect("cash:handovers")
    try:
        done = services.handover_confirm(
            actor=request.user,  # type: ignore[arg-type]
            handover=handover,
            received_amount=form.cleaned_data["received_amount"],
            note=form.cleaned_data["note"],
            ip=_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if done.difference:
            messages.warning(
                request,
                _("Hand-over confirmed with a difference of Rs %(diff)s.")
                % {"diff": f"{done.difference:,}"},
            )
        else:
            messages.success(request, _("Hand-over confirmed."))
    return redirect("cash:handovers")


@login_required
@require_POST
def block_reserve(request: HttpRequest) -> JsonResponse:
    """Reserve a block of receipt numbers for this phone's offline receipts (JSON)."""
    if not services.may_collect(request.user):
        raise PermissionDenied("Only agents and supervisors collect cash.")
    try:
        block = services.receipt_block_reserve(
            actor=request.user,  # type: ignore[arg-type]
            device=request.headers.get("User-Agent", "")[:80],
            ip=_ip(request),
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=409)
    book = block.book
    return JsonResponse(
        {
            "block": block.pk,
            "prefix": book.prefix,
            "first": block.first,
            "last": block.last,
            "numbers": [book.number(n) for n in range(block.first, block.last + 1)],
        }
    )


def _date_param(raw: str | None, default: dt.date) -> dt.date:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest("dates are YYYY-MM-DD") from exc


REPORT_HEADER = (
    ("day", "Day"),
    ("collector", "Collector"),
    ("uc", "UC"),
    ("receipts", "Receipts"),
    ("collected", "Collected (Rs)"),
    ("handed_over", "Handed over (Rs)"),
    ("in_hand", "In hand (Rs)"),
    ("difference", "Difference (Rs)"),
    ("cancelled", "Cancelled receipts"),
    ("cancelled_amount", "Cancelled (Rs)"),
)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponseBase:
    """Cash per day, collector and UC in the actor's area; ?format=csv|xlsx|pdf to export.
    SUPERVISOR and up."""
    if not request.user.at_least(Role.SUPERVISOR):  # type: ignore[union-attr]
        raise PermissionDenied("Your role does not allow this page.")
    today = timezone.localdate()
    end = _date_param(request.GET.get("end"), today)
    start = _date_param(request.GET.get("start"), end - dt.timedelta(days=6))
    if start > end or (end - start).days > 366:
        raise BadRequest("start must be before end, at most a year apart")
    uc_id = int_param(request.GET.get("uc"), name="uc", minimum=1)
    if uc_id:
        scope.uc_or_404(request.user, uc_id)
    rows = selectors.cash_report(actor=request.user, start=start, end=end, uc_id=uc_id)
    header = [_(label) for _k, label in REPORT_HEADER]
    table = [[r[k] for k, _label in REPORT_HEADER] for r in rows]
    totals = {
        k: sum(r[k] for r in rows) for k, _l in REPORT_HEADER if k not in ("day", "collector", "uc")
    }
    fmt = request.GET.get("format", "")
    if fmt and fmt not in ("csv", "xlsx", "pdf"):
        raise BadRequest("format must be csv, xlsx or pdf")
    if fmt:
        # As the other reports' exports: who exported what, with which filters.
        audit_record(
            actor=request.user,
            action="export.report",
            object_type="report",
            object_id="cash",
            changes={
                "format": fmt,
                "filters": {"start": str(start), "end": str(end), "uc": str(uc_id or "")},
            },
            ip=_ip(request),
        )
    stem = f"cash-{start:%Y%m%d}-{end:%Y%m%d}"
    title = _("Field cash")
    if fmt == "csv":
        return exports.csv_response(exports.export_filename(stem, "csv"), header, table)
    if fmt == "xlsx":
        return exports.xlsx_response(
            exports.export_filename(stem, "xlsx"), header, table, title=title
        )
    if fmt == "pdf":
        return exports.pdf_response(
            exports.export_filename(stem, "pdf"),
            title=title,
            tables=[("", header, table)],
            filters=[(_("From"), str(start)), (_("To"), str(end))],
            user=request.user.get_username(),
        )
    return render_page(
        request,
        "cash/report.html",
        {
            "rows": rows,
            "totals": totals,
            "start": start,
            "end": end,
            "uc_id": uc_id or "",
            "ucs": scope.visible_ucs(request.user),
        },
    )
