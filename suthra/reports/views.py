"""Dashboard, reports and exports. Thin views: parse filters, call a selector, render."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.billing.selectors import ledger_warning
from suthra.core import exports
from suthra.core.audit import client_ip
from suthra.core.htmx import render_page
from suthra.core.months import is_future_month
from suthra.core.validators import choice_param
from suthra.reports import adjustments as adjustments_report  # registers REPORTS["adjustments"]
from suthra.reports import lists, selectors, services
from suthra.reports.filters import period_param, place_param, query_string, this_month
from suthra.reports.models import ExportJob
from suthra.reports.reports import REPORTS, Result, Spec


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """KPIs, charts and drill-down from the summaries; every number within the user's scope."""
    actor = request.user
    place = place_param(actor, request.GET)
    ucs = list(scope.visible_ucs(actor))
    rows = selectors.month_rows(actor, place)
    period = period_param(request.GET, default_month=selectors.latest_of(rows) or this_month())
    cities = {u.city_id: u.city for u in ucs}
    data = selectors.dashboard(actor, place, period, by_uc=len(cities) <= 1, rows=rows)
    return render_page(
        request,
        "reports/dashboard.html",
        {
            **data,
            "charts": selectors.chart_data(data),
            "place": place,
            "period": period,
            # UCs to pick from: those of the chosen city (or of the user's only city); a list
            # of every UC of Punjab helps nobody and costs render time.
            "ucs": [
                u for u in ucs if len(cities) <= 1 or u.city_id == getattr(place.city, "id", 0)
            ],
            "cities": sorted(cities.values(), key=lambda c: c.name),
            "activity": selectors.activity(actor, limit=8),
            "adjustments": adjustments_report.dashboard_adjustments(actor, place, period.month),
            "imports": selectors.recent_imports(actor),
            "ledger_warning": ledger_warning(actor),
            "qs_without_place": query_string(request, city=None, uc=None),
            "future_months": selectors.month_choices(
                selectors.future_months(actor, place, rows),
                query_string(request, month=None, **{"from": None, "to": None}),
            ),
            "not_yet_due": is_future_month(period.month),
        },
    )


@role_required(Role.SUPERVISOR)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "reports/index.html", {"reports": REPORTS.values(), "kinds": _kinds(request)}
    )


def _kinds(request: HttpRequest) -> list[lists.ListKind]:
    return [k for k in lists.KINDS.values() if request.user.at_least(k.minimum)]  # type: ignore[union-attr]


def _report_view(slug: str):  # type: ignore[no-untyped-def]
    spec = REPORTS[slug]

    @role_required(Role.SUPERVISOR)
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        result = spec.build(request.user, request.GET)
        fmt = choice_param(request.GET.get("format"), name="format", allowed=("csv", "xlsx", "pdf"))
        if fmt:
            return cast(HttpResponse, _report_download(request, spec, result, fmt))
        return render_page(
            request,
            "reports/report.html",
            {
                "spec": spec,
                "result": result,
                "charts": {f"chart-{i}": t.chart for i, t in enumerate(result.tables) if t.chart},
                "ucs": scope.visible_ucs(request.user),
                "business_types": _business_types() if "business_type" in spec.controls else [],
                "group": result.extra.get("group"),
                "future_months": selectors.month_choices(
                    selectors.future_months(request.user, result.place)
                    if result.place is not None
                    else [],
                    query_string(request, month=None, **{"from": None, "to": None}),
                ),
                "not_yet_due": result.period is not None
                and is_future_month(max(result.period.end, result.period.month)),
            },
        )

    view.__name__ = f"report_{slug}"
    view.__doc__ = spec.build.__doc__
    return view


def _business_types() -> list:
    from suthra.units.models import BusinessType

    return list(BusinessType.objects.order_by("name"))


def _flat_rows(result: Result) -> tuple[list[str], list[list]]:
    """All tables of a report as one sheet: a title row and a header row before each table."""
    header = result.tables[0].columns
    rows: list[list] = []
    for i, table in enumerate(result.tables):
        if i:
            rows += [[], [table.title], list(table.columns)]
        rows += table.rows
        if table.footer:
            rows.append(list(table.footer))
    return header, rows


def _report_download(
    request: HttpRequest, spec: Spec, result: Result, fmt: str
) -> HttpResponseBase:
    filters = {k: str(v) for k, v in request.GET.items() if k != "format"}
    services.report_exported(
        actor=request.user, report=spec.slug, fmt=fmt, filters=filters, ip=client_ip(request)
    )
    name = exports.export_filename(f"report-{spec.slug}", fmt)
    if fmt == "pdf":
        return exports.pdf_response(
            name,
            title=spec.title,
            tables=[
                (t.title, t.columns, [*t.rows, *([t.footer] if t.footer else [])])
                for t in result.tables
            ],
            filters=result.filters,
            user=f"{request.user.full_name or request.user.username}",  # type: ignore[union-attr]
        )
    header, rows = _flat_rows(result)
    if fmt == "xlsx":
        return exports.xlsx_response(name, header, rows, title=spec.title)
    return exports.csv_response(name, header, rows)


report_collection = _report_view("collection")
report_aging = _report_view("aging")
report_defaulters = _report_view("defaulters")
report_consumers = _report_view("consumers")
report_staff = _report_view("staff")
report_adjustments = _report_view("adjustments")


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """Any list as CSV/XLSX: GET shows what will be exported, POST starts the background job."""
    data = request.POST if request.method == "POST" else request.GET
    kind, fmt, place, params = lists.parse(request.user, data)
    if not request.user.at_least(kind.minimum):  # type: ignore[union-attr]
        raise PermissionDenied("Your role does not allow this export.")
    can_print = kind.slug in lists.PRINT_KINDS and request.user.at_least(  # type: ignore[union-attr]
        lists.PRINT_MINIMUM
    )
    if fmt in lists.PRINT_FORMATS and not can_print:
        raise PermissionDenied("Your role does not allow printing bills.")
    query = lists.params_query(place, params)
    if request.method == "POST":
        job = services.export_start(
            actor=request.user,
            kind=kind,
            fmt=fmt,
            query=query,
            ip=client_ip(request),
            base=request.build_absolute_uri("/").rstrip("/"),
        )
        return redirect("reports:export_status", token=job.token)
    return render_page(
        request,
        "reports/export.html",
        {
            "kind": kind,
            "fmt": fmt,
            "place": place,
            "query": query,
            "kinds": _kinds(request),
            "can_print": can_print,
        },
    )


def _own_job(request: HttpRequest, token: str) -> ExportJob:
    # Only the requester, and only until it expires; anyone else gets a 404.
    job = ExportJob.objects.filter(token=token, requested_by_id=request.user.pk).first()
    if job is None or job.expires_at < timezone.now():
        raise Http404("Not found")
    return job


@login_required
@require_GET
def export_status(request: HttpRequest, token: str) -> HttpResponse:
    job = _own_job(request, token)
    return render_page(request, "reports/export_status.html", {"job": job})


@login_required
@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    job = _own_job(request, token)
    if job.status != ExportJob.Status.DONE or not job.file_key:
        raise Http404("Not ready")
    services.export_downloaded(actor=request.user, job=job, ip=client_ip(request))
    response = FileResponse(
        default_storage.open(job.file_key, "rb"),
        content_type=exports.CONTENT_TYPES[job.format],
        as_attachment=True,
        filename=job.file_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response
