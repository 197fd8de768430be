"""Printed bills for staff, the bill settings, and the public bill lookup (no login)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.billing.models import Bill
from suthra.consumers import lookup, printing, selectors, services
from suthra.consumers.forms import BillSettingsForm, NoticeRunForm
from suthra.consumers.models import BillSettings, LookupCount, Notice, NoticeBatch
from suthra.core.audit import client_ip
from suthra.core.htmx import render_page
from suthra.core.validators import choice_param, int_param
from suthra.units.selectors import unit_get


def bill_pdf_bytes(bill: Bill, *, layout: str, base: str) -> bytes:
    sheets = selectors.bill_sheets(Bill.objects.filter(psid=bill.psid), base=base)
    return printing.render(sheets, layout=layout, texts=selectors.texts())


def _pdf(data: bytes, filename: str, *, inline: bool = False) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        as_attachment=not inline,
        filename=filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _layout(request: HttpRequest) -> str:
    return (
        choice_param(request.GET.get("layout"), name="layout", allowed=("a4", "a5"), default="a4")
        or "a4"
    )


@login_required
@require_GET
def bill_pdf(request: HttpRequest, psid: int) -> FileResponse:
    """One bill as a PDF (one bill per A4 or A5 page), for staff who can see its unit."""
    bill = selectors.bill_for(actor=request.user, psid=psid)
    layout = _layout(request)
    services.bill_printed(actor=request.user, psid=bill.psid, layout=layout, ip=client_ip(request))
    return _pdf(bill_pdf_bytes(bill, layout=layout, base=_base(request)), f"bill-{bill.psid}.pdf")


@login_required
@require_GET
def unit_bill_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The unit's newest bill as a PDF."""
    unit = unit_get(actor=request.user, pk=pk)
    bill = selectors.current_bill(unit)
    if bill is None:
        raise Http404("No bill")
    layout = _layout(request)
    services.bill_printed(actor=request.user, psid=bill.psid, layout=layout, ip=client_ip(request))
    return _pdf(bill_pdf_bytes(bill, layout=layout, base=_base(request)), f"bill-{bill.psid}.pdf")


@role_required(Role.HEAD)
@require_http_methods(["GET", "POST"])
def bill_settings(request: HttpRequest) -> HttpResponse:
    """What every printed bill says: helpline, due day, late charge, how to pay (HEAD)."""
    row = BillSettings.load()
    form = BillSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        services.settings_update(actor=request.user, data=form.cleaned_data, ip=client_ip(request))
        messages.success(request, _("Bill settings saved."))
        return redirect("consumers:settings")
    status = 400 if request.method == "POST" else 200
    return render_page(request, "consumers/settings.html", {"form": form}, status=status)


# --- public -----------------------------------------------------------------------------------


def _public_answer(request: HttpRequest, channel: int) -> tuple[lookup.Answer, bool]:
    q = request.GET
    asked = any(q.get(k) for k in ("psid", "survey_id", "mobile4"))
    if not asked:
        return lookup.Answer(), False
    answer = lookup.find(
        ip=client_ip(request),
        psid=q.get("psid", "")[:40],
        survey_id=q.get("survey_id", "")[:40],
        mobile4=q.get("mobile4", "")[:10],
        channel=channel,
    )
    return answer, True


@require_GET
def public_lookup(request: HttpRequest) -> HttpResponse:
    """``/bill/``: a consumer finds their bill by PSID, or survey id and the mobile's last four
    digits. Shows only that bill; the same message for anything not found."""
    answer, asked = _public_answer(request, LookupCount.Channel.WEB)
    ctx = {
        "asked": asked,
        "limited": answer.limited,
        "retry_minutes": max(1, (answer.retry_after + 59) // 60),
        "bill": selectors.public_bill(answer.bill) if answer.bill else None,
        "q": {k: request.GET.get(k, "")[:40] for k in ("psid", "survey_id", "mobile4")},
    }
    response = render(request, "consumers/lookup.html", ctx, status=429 if answer.limited else 200)
    if answer.limited:
        response["Retry-After"] = str(answer.retry_after)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def public_lookup_pdf(request: HttpRequest) -> HttpResponseBase:
    """The bill PDF for the public: the same lookup and limits as the page."""
    answer, _asked = _public_answer(request, LookupCount.Channel.PDF)
    if answer.limited:
        response = HttpResponse(_("Too many lookups. Try again later."), status=429)
        response["Retry-After"] = str(answer.retry_after)
        return response
    if answer.bill is None:
        raise Http404("Not found")
    data = bill_pdf_bytes(answer.bill, layout="a4", base=_base(request))
    return _pdf(data, f"bill-{answer.bill.psid}.pdf")


# --- defaulter notices ------------------------------------------------------------------------


@dataclass
class Place:
    uc: Any = None
    city: Any = None

    @property
    def label(self) -> str:
        return f"{self.uc.name}, {self.uc.city.name}" if self.uc else str(self.city.name)


def _place_bills(request: HttpRequest, data: Any) -> tuple[Place, QuerySet[Bill], Any]:
    """The bills of the newest month of the chosen UC or city (in the actor's scope)."""
    uc_id = int_param(data.get("uc"), name="uc", minimum=1)
    city_id = int_param(data.get("city"), name="city", minimum=1)
    bills = scope.scoped(request.user, Bill.objects.all(), "unit__uc")
    if uc_id is not None:
        place = Place(uc=scope.uc_or_404(request.user, uc_id))
        bills = bills.filter(unit__uc_id=place.uc.id)
    elif city_id is not None:
        city = scope.visible_cities(request.user).filter(id=city_id).first()
        if city is None:
            raise Http404("Not found")
        place = Place(city=city)
        bills = bills.filter(unit__uc__city_id=city.id)
    else:
        raise Http404("Choose a union council or a city")
    newest = bills.aggregate(m=Max("month"))["m"]
    return place, bills.filter(month=newest), newest


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def notices(request: HttpRequest) -> HttpResponse:
    """Issue defaulter notices for a UC or a city: GET shows the form, POST records a batch."""
    data = request.POST if request.method == "POST" else request.GET
    place, bills, newest = _place_bills(request, data)
    form = NoticeRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        params = {"uc": str(place.uc.id)} if place.uc else {"city": str(place.city.id)}
        if newest:
            params["month"] = f"{newest:%Y-%m}"
        batch = services.notices_issue(
            actor=request.user,
            bills=bills,
            min_months=form.cleaned_data.get("min_months"),
            min_amount=form.cleaned_data.get("min_amount"),
            deadline=form.cleaned_data["deadline"],
            params=params,
            ip=client_ip(request),
        )
        messages.success(request, _("%(n)s notices issued.") % {"n": batch.notices})
        return redirect("consumers:notice_batch", pk=batch.pk)
    ctx = {"form": form, "place": place, "month": newest, "batches": _batches(request)}
    return render_page(
        request, "consumers/notices.html", ctx, status=400 if request.method == "POST" else 200
    )


def _batches(request: HttpRequest) -> list[NoticeBatch]:
    return list(NoticeBatch.objects.filter(created_by_id=request.user.pk).order_by("-id")[:10])


def _own_batch(request: HttpRequest, pk: int) -> NoticeBatch:
    # The batch's notices must be in the actor's scope; another's batch with none visible: 404.
    batch = NoticeBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise Http404("Not found")
    visible = scope.scoped(request.user, batch.items.all(), "unit__uc")
    if batch.notices and not visible.exists():
        raise Http404("Not found")
    return batch


@role_required(Role.MANAGER)
@require_GET
def notice_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A run of notices: a small run downloads at once, a large one (more than
    ``NOTICE_PDF_BACKGROUND_ABOVE``) is built by the background export (reports)."""
    batch = _own_batch(request, pk)
    ctx = {"batch": batch, "background": selectors.notices_in_background(batch.notices)}
    return render_page(request, "consumers/notice_batch.html", ctx)


@role_required(Role.MANAGER)
@require_GET
def notice_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's notices, three a page (only those in the actor's scope). A large run is
    not built in the request: back to its page, which starts the background export."""
    batch = _own_batch(request, pk)
    items = scope.scoped(request.user, batch.items.all(), "unit__uc")
    if selectors.notices_in_background(batch.notices):
        messages.info(request, _("This run is large: its PDF is prepared in the background."))
        return redirect("consumers:notice_batch", pk=batch.pk)
    sheets = selectors.notice_sheets(items, base=_base(request))
    data = printing.render(sheets, layout="a4-3", texts=selectors.texts())
    return _pdf(data, f"notices-{batch.pk}.pdf")  # type: ignore[return-value]


@login_required
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """One notice (one a page), for staff who can see its unit."""
    notice = scope.get_or_404(request.user, Notice.objects.all(), "unit__uc", pk=pk)
    sheets = selectors.notice_sheets(Notice.objects.filter(pk=notice.pk), base=_base(request))
    return _pdf(printing.render(sheets, layout="a4", texts=selectors.texts()), f"notice-{pk}.pdf")
