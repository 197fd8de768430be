"""Unit pages: the UC browser and search, the unit page, edits, bulk activation and the UC map."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.core.audit import client_ip
from suthra.core.htmx import render_page
from suthra.core.paging import count_hint, paginate
from suthra.units import history, selectors, services
from suthra.units.forms import ActiveForm, BillingForm, BrowseForm, BulkForm
from suthra.units.models import SizeCategory, SurveyUnit

BULK_SAMPLE = 10


STATUS_LABELS = {
    "paid": _("Paid"),
    "partial": _("Partly paid"),
    "unpaid": _("Unpaid"),
    "nobill": _("no bill"),
}


def _decorate(units: Any) -> None:
    # Display values computed once per row in Python: the list template then only prints
    # plain attributes (template lookups and filters dominate render time at 100+ rows).
    # Labels translated once per page, not once per row (lazy strings cost a lookup each).
    detail = reverse("units:detail", args=[0])[:-2]
    categories = {value: str(label) for value, label in SizeCategory.choices}
    bill_labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    for u in units:
        has_bill = getattr(u, "cur_psid", None) is not None
        status = getattr(u, "cur_status", None)
        u.url = f"{detail}{u.pk}/"
        u.category_label = categories.get(u.category, "")
        u.bill_key = selectors.status_key(status, True) if has_bill else "nobill"
        u.bill_label = bill_labels[u.bill_key]
        arrears = getattr(u, "cur_arrears", 0)
        u.due_text = f"{(u.cur_fee or 0) + arrears:,}" if has_bill else ""
        u.arrears_text = f"{arrears:,}"


@login_required
@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    """Pick a city and UC, filter and page through its units; or search the whole scope."""
    form = BrowseForm(request.GET)
    ctx: dict[str, Any] = {"form": form, "cities": scope.visible_cities(request.user)}
    if not form.is_valid():
        ctx.update(ucs=[], filters_open=True)
        return render_page(request, "units/browse.html", ctx, status=400)
    data = form.cleaned_data
    ctx["filters_open"] = form.has_filters() or bool(data.get("sort") or request.GET.get("size"))
    uc = scope.uc_or_404(request.user, data["uc"]) if data.get("uc") else None
    if uc is None and not data.get("city"):
        only = list(scope.visible_ucs(request.user)[:2])
        uc = only[0] if len(only) == 1 else None
    city_id = uc.city_id if uc else data.get("city")
    ucs = scope.visible_ucs(request.user).filter(city_id=city_id) if city_id else []
    ctx.update(uc=uc, city_id=city_id, ucs=ucs, query_string=request.GET.urlencode())
    query = selectors.parse_search(data.get("q") or "")
    filters = form.filters()
    if query.text:
        search_uc = None if query.names_one_unit else uc
        found = selectors.unit_search_page(actor=request.user, query=query, uc=search_uc)
        units = found.units.select_related("uc", "business_type")
        ctx.update(mode="search", search=query, search_narrow=found.narrow, search_uc=search_uc)
        page = paginate(request, units, keys=found.keys, default_size=50)
        _decorate(page)
        if search_uc is not None and not page.items and not request.GET.get("cursor"):
            # Nothing in this UC: say how many the whole area has, with a link to them.
            wider = selectors.unit_search_page(actor=request.user, query=query, uc=None)
            hint = count_hint(wider.units, exact_up_to=100)
            if hint.value:
                params = request.GET.copy()
                for key in ("uc", "city", "cursor"):
                    params.pop(key, None)
                ctx["wider"] = {"count": hint, "url": f"{request.path}?{params.urlencode()}"}
    elif uc is not None:
        month = selectors.current_month(uc=uc)
        units = selectors.unit_browse(actor=request.user, uc=uc, filters=filters, month=month)
        page = paginate(request, units, keys=selectors.SORTS[filters.sort], default_size=50)
        selectors.attach_current_bills(page, month)
        _decorate(page)
        ctx.update(mode="browse", browsing=True, month=month)
    else:
        return render_page(request, "units/browse.html", {**ctx, "mode": "pick"})
    # A search counts at most 101 matches (a common name has thousands: "about N" then). A
    # whole UC (about 3,000 units) is counted exactly from the (uc, name, id) index alone;
    # with filters at most 501 rows are read, then the planner estimates.
    exact_up_to = 100 if ctx["mode"] == "search" else 500
    if ctx["mode"] == "browse" and not form.has_filters():
        exact_up_to = 10_000
    ctx.update(page=page, count=count_hint(units, exact_up_to=exact_up_to))
    staff: Any = request.user
    if uc is not None and staff.at_least(Role.SUPERVISOR) and ctx["mode"] == "browse":
        ctx["bulk_url"] = (
            reverse("units:bulk", args=[uc.pk]) + "?" + _filter_query(request.GET.copy())
        )
    return render_page(request, "units/browse.html", ctx)


def _filter_query(params: Any) -> str:
    for key in ("cursor", "size", "q", "uc", "city", "sort"):
        params.pop(key, None)
    return str(params.urlencode())


@login_required
@require_GET
def uc_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the UC select for a city (htmx dependent select)."""
    raw = request.GET.get("city", "")
    ucs = scope.visible_ucs(request.user).filter(city_id=int(raw)) if raw.isdigit() else []
    return render(request, "units/_uc_options.html", {"ucs": ucs})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one unit: survey fields, photo, map pin, bills, visits, tickets, audit."""
    unit = selectors.unit_get(actor=request.user, pk=pk)
    visits = selectors.unit_visits(actor=request.user, unit=unit)
    tickets = selectors.unit_tickets(actor=request.user, unit=unit)
    for v in visits:
        v.url = reverse("visits:detail", args=[v.pk])
    for t in tickets:
        t.url = reverse("tickets:detail", args=[t.pk])
    # Field cash receipts (suthra.cash registers the reader in units.history).
    receipts = history.read("cash", actor=request.user, unit=unit, limit=20)
    for r in receipts:
        r.url = reverse("cash:receipt", args=[r.pk])
    # Defaulter notices issued (the consumers app registers the reader).
    notices = history.read("notices", actor=request.user, unit=unit, limit=20)
    for n in notices:
        n.url = reverse("consumers:notice_pdf", args=[n.pk])
    ctx = {
        "unit": unit,
        "bills": selectors.unit_bills(actor=request.user, unit=unit),
        "visits": visits,
        "tickets": tickets,
        "receipts": receipts,
        "notices": notices,
        "audit": selectors.unit_audit(actor=request.user, unit=unit),
        "photo": _photo(unit),
        "map_tiles": settings.MAP_TILE_URL,
        "can_edit": getattr(request.user, "at_least", lambda r: False)(Role.SUPERVISOR),
        "active_form": ActiveForm(initial={"active": "0" if unit.is_active else "1"}),
        "new_ticket_url": reverse("tickets:new", args=[unit.pk]),
        "ledger_url": reverse("billing:ledger", args=[unit.pk]),
        "bill_pdf_url": reverse("consumers:unit_bill_pdf", args=[unit.pk]),
        "new_visit_url": reverse("visits:new", args=[unit.pk]),
        "adjust_url": reverse("billing:adjustment_unit", args=[unit.pk])
        if getattr(request.user, "at_least", lambda r: False)(Role.SUPERVISOR)
        else None,
        "collect_cash_url": reverse("cash:collect", args=[unit.pk]) if unit.is_active else None,
    }
    return render(request, "units/detail.html", ctx)


def _photo(unit: SurveyUnit) -> dict[str, str] | None:
    ref = unit.photo_ref
    if not ref:
        return None
    if ref.startswith(("http://", "https://")):
        return {"kind": "link", "url": ref}
    from suthra.core.photos import photo_available

    if not photo_available(ref):
        return {"kind": "missing", "url": ""}
    url = reverse("units:photo", args=[unit.pk])
    return {"kind": "stored", "url": url}


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The unit's stored photo (only for users who can see the unit)."""
    from suthra.core.photos import photo_response

    unit = selectors.unit_get(actor=request.user, pk=pk)
    key = unit.photo_ref
    if key.startswith(("http://", "https://")):  # a legacy portal URL, not in our storage
        raise Http404("No stored photo")
    return photo_response(key)


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def edit_billing(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the billing name, mobile and address (SUPERVISOR and up)."""
    unit = selectors.unit_get(actor=request.user, pk=pk)
    if request.method == "POST":
        form = BillingForm(request.POST)
        if form.is_valid():
            try:
                services.unit_update_billing(
                    actor=request.user,
                    unit_id=unit.pk,
                    ip=client_ip(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Billing details saved."))
                return redirect("units:detail", pk=unit.pk)
        status = 400
    else:
        form = BillingForm(
            initial={
                "billing_name": unit.billing_name_effective,
                "billing_mobile": unit.billing_mobile_effective,
                "billing_address": unit.billing_address_effective,
            }
        )
        status = 200
    return render(request, "units/billing_form.html", {"unit": unit, "form": form}, status=status)


@role_required(Role.SUPERVISOR)
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Activate or deactivate one unit with a reason (SUPERVISOR and up)."""
    unit = selectors.unit_get(actor=request.user, pk=pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose activate or deactivate and give a reason."))
        return redirect("units:detail", pk=unit.pk)
    services.unit_set_active(
        actor=request.user,
        unit_id=unit.pk,
        active=form.cleaned_data["active"],
        reason=form.cleaned_data["reason"],
        ip=client_ip(request),
    )
    messages.success(
        request, _("Unit activated.") if form.cleaned_data["active"] else _("Unit deactivated.")
    )
    return redirect("units:detail", pk=unit.pk)


@role_required(Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest, uc: int) -> HttpResponse:
    """Bulk activate/deactivate the filtered units of a UC: preview (count + sample), then
    confirm. The filters travel in the query string, the action and reason in the form."""
    union_council = scope.uc_or_404(request.user, uc)
    filter_form = BrowseForm(request.GET)
    if not filter_form.is_valid():
        raise BadRequest(_("The filters are not valid."))
    filters = filter_form.filters()
    month = selectors.current_month(uc=union_council)
    units = selectors.unit_browse(
        actor=request.user, uc=union_council, filters=filters, month=month
    )
    form = BulkForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        active = form.cleaned_data["active"]
        targets = units.exclude(is_active=active)
        total = targets.count()
        confirmed = form.cleaned_data.get("confirm") == ("1" if active else "0")
        if confirmed and form.cleaned_data.get("expected") == total:
            try:
                done = services.unit_bulk_set_active(
                    actor=request.user,
                    unit_ids=list(targets.values_list("pk", flat=True)),
                    active=active,
                    reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                text = _("%(n)s units activated.") if active else _("%(n)s units deactivated.")
                messages.success(request, text % {"n": f"{done:,}"})
                back = reverse("units:browse") + "?" + urlencode({"uc": union_council.pk})
                return redirect(back + "&" + _filter_query(request.GET.copy()))
        sample = list(targets.order_by("consumer_name", "pk")[:BULK_SAMPLE])
        preview = {"total": total, "sample": sample, "active": active}
        form = BulkForm(
            initial={
                "active": "1" if active else "0",
                "reason": form.cleaned_data["reason"],
                "confirm": "1" if active else "0",
                "expected": total,
            }
        )
    ctx = {
        "uc": union_council,
        "form": form,
        "preview": preview,
        "has_filters": filter_form.has_filters(),
        "query": request.GET.urlencode(),
        "back_url": reverse("units:browse") + "?" + request.GET.urlencode(),
    }
    return render(request, "units/bulk.html", ctx, status=400 if form.errors else 200)


@login_required
@require_GET
def uc_map(request: HttpRequest, uc: int) -> HttpResponse:
    """A map of the UC's units coloured by the status of their current bill, clustered."""
    union_council = scope.uc_or_404(request.user, uc)
    ctx = {
        "uc": union_council,
        "bounds": selectors.uc_bounds(actor=request.user, uc=union_council),
        "map_tiles": settings.MAP_TILE_URL,
        "points_url": reverse("units:map_points", args=[union_council.pk]),
        "detail_url": reverse("units:detail", args=[0]),
    }
    return render(request, "units/map.html", ctx)


def _bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        south, west, north, east = (float(x) for x in raw.split(","))
    except ValueError as exc:
        raise BadRequest("bbox must be south,west,north,east in degrees") from exc
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise BadRequest("bbox is outside the world or upside down")
    return south, west, north, east


@login_required
@require_GET
def map_points(request: HttpRequest, uc: int) -> JsonResponse:
    """JSON points of the UC's units inside ``?bbox=south,west,north,east`` (scoped)."""
    union_council = scope.uc_or_404(request.user, uc)
    bbox = _bbox(request.GET.get("bbox") or "-90,-180,90,180")
    month = selectors.current_month(uc=union_council)
    points, truncated = selectors.map_points(
        actor=request.user, uc=union_council, bbox=bbox, month=month
    )
    return JsonResponse({"points": points, "truncated": truncated})
