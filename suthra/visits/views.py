from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.consumers.selectors import notice_to_serve
from suthra.core import photos
from suthra.core.decisions import decision_apply
from suthra.core.htmx import render_page
from suthra.core.paging import paginate
from suthra.core.validators import choice_param, int_param
from suthra.units.selectors import unit_get
from suthra.visits import selectors, services
from suthra.visits.forms import DecisionForm, VisitForm
from suthra.visits.models import ComplianceVisit, VisitStatus


def _float_param(raw: str | None, *, name: str, lo: float, hi: float) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a number") from exc
    if not lo <= value <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return value


def _gps(request: HttpRequest) -> tuple[float | None, float | None]:
    lat = _float_param(request.GET.get("lat"), name="lat", lo=-90, hi=90)
    lon = _float_param(request.GET.get("lon"), name="lon", lo=-180, hi=180)
    if (lat is None) != (lon is None):
        raise BadRequest("lat and lon go together")
    return lat, lon


def _visit_or_404(request: HttpRequest, pk: int) -> ComplianceVisit:
    return selectors.visit_get(actor=request.user, pk=pk)


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Today's list of units to visit (nearest first with ?lat=&lon=)."""
    lat, lon = _gps(request)
    uc_id = int_param(request.GET.get("uc"), name="uc", minimum=1)
    work = selectors.worklist(actor=request.user, uc_id=uc_id, lat=lat, lon=lon)
    return render_page(
        request, "visits/worklist.html", {"work": work, "lat": lat, "lon": lon, "uc_id": uc_id}
    )


@login_required
@require_GET
def visit_pick(request: HttpRequest) -> HttpResponse:
    """Choose the unit to visit: search, or "near me" by GPS."""
    lat, lon = _gps(request)
    q = request.GET.get("q", "")[:60]
    results = selectors.units_for_visit(actor=request.user, q=q, lat=lat, lon=lon)
    return render_page(
        request,
        "visits/pick.html",
        {"results": results, "q": q, "near": lat is not None, "searched": bool(q) or lat},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Record a visit (any staff, unit in their area). A repeated ``client_key`` returns the
    visit already recorded (idempotent for retries and the offline queue)."""
    unit = unit_get(actor=request.user, pk=unit_pk)
    # A defaulter notice still to hand over: the form offers "Notice handed over".
    form = VisitForm(request.POST or None, request.FILES or None, notice=notice_to_serve(unit.pk))
    if request.method == "POST":
        # A retry of an already recorded visit: no need to process the photo again.
        existing = services.visit_by_key(_key(request))
        if existing is not None and existing.staff_id == request.user.pk:
            return redirect("visits:detail", pk=existing.pk)
        if form.is_valid():
            try:
                visit, created = services.visit_record_with_photo(
                    actor=request.user,  # type: ignore[arg-type]
                    unit=unit,
                    data=form.cleaned_data,
                )
            except photos.PhotoError as exc:
                form.add_error("photo", str(exc))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if created:
                    messages.success(request, _("Visit recorded."))
                    _notice_message(request, visit, form.cleaned_data)
                    if visit.flagged:
                        messages.warning(
                            request,
                            _("Flagged for review: %(flags)s.")
                            % {"flags": ", ".join(visit.flag_labels)},
                        )
                return redirect("visits:detail", pk=visit.pk)
    status = 400 if request.method == "POST" else 200
    return render_page(request, "visits/create.html", {"form": form, "unit": unit}, status=status)


def _notice_message(request: HttpRequest, visit: ComplianceVisit, data: dict) -> None:
    if not data.get("notice_served"):
        return
    if visit.notices_served.exists():  # type: ignore[attr-defined]
        messages.success(request, _("Notice recorded as served."))
    else:
        messages.warning(
            request,
            _("No notice was waiting to be served (already recorded); the visit is saved."),
        )


def _key(request: HttpRequest):  # type: ignore[no-untyped-def]
    import uuid

    try:
        return uuid.UUID(request.POST.get("client_key", ""))
    except ValueError:
        return None


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """Visit history in the actor's area; per unit (?unit=) and per agent (?staff=)."""
    unit_id = int_param(request.GET.get("unit"), name="unit", minimum=1)
    staff_id = int_param(request.GET.get("staff"), name="staff", minimum=1)
    status = choice_param(request.GET.get("status"), name="status", allowed=VisitStatus.values)
    flagged = choice_param(request.GET.get("flagged"), name="flagged", allowed=["yes", "no"])
    unit = None
    if unit_id:
        unit = unit_get(actor=request.user, pk=unit_id)
    qs = selectors.visit_history(
        actor=request.user,
        unit_id=unit_id,
        staff_id=staff_id,
        status=status,
        flagged=None if flagged is None else flagged == "yes",
    )
    page = paginate(request, qs, keys=["-id"], default_size=25)
    return render_page(
        request,
        "visits/list.html",
        {
            "page": page,
            "unit": unit,
            "staff_id": staff_id or "",
            "status": status or "",
            "flagged": flagged or "",
            "statuses": VisitStatus.choices,
        },
    )


@role_required(Role.SUPERVISOR)
@require_GET
def visit_queue(request: HttpRequest) -> HttpResponse:
    """SUPERVISOR+: pending visits, flagged first, and a random sample of unflagged ones."""
    page = paginate(
        request,
        selectors.approval_queue(actor=request.user),
        keys=["-flagged", "id"],
        default_size=25,
    )
    shown = [v.pk for v in page]
    sample = selectors.recheck_sample(actor=request.user, exclude=shown) if page.is_first else []
    return render_page(request, "visits/queue.html", {"page": page, "sample": sample})


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    can_decide = (
        request.user.at_least(Role.SUPERVISOR)  # type: ignore[union-attr]
        and visit.status == VisitStatus.PENDING
        and visit.staff_id != request.user.pk
    )
    return render_page(
        request,
        "visits/detail.html",
        {"visit": visit, "can_decide": can_decide, "decision_form": DecisionForm()},
    )


@role_required(Role.SUPERVISOR)
@require_POST
def visit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    saved = decision_apply(
        request,
        DecisionForm(request.POST),
        partial(services.visit_decide, actor=request.user, visit=visit),  # type: ignore[arg-type]
        invalid=_("Choose approve or reject."),
    )
    # From the approval queue, a saved decision goes back to the queue for the next visit.
    if saved and request.POST.get("next", "") == "queue":
        return redirect("visits:queue")
    return redirect("visits:detail", pk=visit.pk)


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The visit's photo (or ?size=thumb), only for users whose area includes the unit."""
    visit = _visit_or_404(request, pk)
    return photos.photo_of(visit, thumb=request.GET.get("size") == "thumb")
