"""Import batches: upload, preview, progress (htmx polling), commit, cancel, error report.

Every view is MANAGER and up. A batch is scoped like the rows it touches (its uploader's
geography; see ``suthra.imports.selectors``); out of scope is a 404.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.core.htmx import render_page
from suthra.core.validators import int_param
from suthra.imports import selectors, services
from suthra.imports.forms import UploadForm
from suthra.imports.models import ImportBatch

PAGE = 25


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    """Upload a file, and the history of imports (newest first, keyset by id)."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                data=upload.read(),
            )
        except services.ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:detail", pk=batch.pk)
    before = int_param(request.GET.get("before"), name="before", minimum=1)
    qs = selectors.batch_list(actor=request.user)
    if before:
        qs = qs.filter(id__lt=before)
    batches = list(qs[: PAGE + 1])
    more = len(batches) > PAGE
    batches = batches[:PAGE]
    status = 400 if request.method == "POST" else 200
    return render_page(
        request,
        "imports/list.html",
        {
            "form": form,
            "batches": batches,
            "next_before": batches[-1].pk if more else None,
        },
        status=status,
    )


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    return selectors.batch_get(actor=request.user, pk=pk)


@role_required(Role.MANAGER)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render_page(request, "imports/detail.html", {"batch": batch})


@role_required(Role.MANAGER)
@require_GET
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; reloads the page once the step has finished."""
    batch = _batch(request, pk)
    response = render_page(
        request, "imports/progress.html", {"batch": batch}, partial="imports/_progress.html"
    )
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@role_required(Role.MANAGER)
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    messages.info(request, services.batch_request_commit(actor=request.user, batch=batch))
    return redirect("imports:detail", pk=batch.pk)


@role_required(Role.MANAGER)
@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.created_by_id != request.user.pk and not request.user.at_least(Role.HEAD):  # type: ignore[union-attr]
        messages.error(request, _("Only the person who uploaded the file can cancel it."))
    else:
        messages.info(request, services.batch_cancel(actor=request.user, batch=batch))
    return redirect("imports:detail", pk=batch.pk)


@role_required(Role.MANAGER)
@require_POST
def batch_restart(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    messages.info(request, services.batch_restart(actor=request.user, batch=batch))
    return redirect("imports:detail", pk=batch.pk)


@role_required(Role.MANAGER)
@require_GET
def batch_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report: row, column, value, reason (formula-neutralised CSV)."""
    batch = _batch(request, pk)
    if not batch.error_report_key or not default_storage.exists(batch.error_report_key):
        raise Http404("No error report")
    # Streamed from storage, never read whole into the web worker (issue 21, finding 4).
    return cast(
        HttpResponse,
        FileResponse(
            default_storage.open(batch.error_report_key, "rb"),
            as_attachment=True,
            filename=f"import-{batch.pk}-errors.csv",
            content_type="text/csv; charset=utf-8",
        ),
    )
