from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suthra.accounts import scope
from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.core import photos
from suthra.core.decisions import decision_apply
from suthra.core.htmx import render_page
from suthra.core.paging import paginate
from suthra.core.validators import choice_param, int_param
from suthra.tickets import selectors, services
from suthra.tickets.forms import CommentForm, DecisionForm, TicketForm
from suthra.tickets.models import Ticket, TicketStatus, TicketType
from suthra.units.selectors import unit_get


def _ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    return selectors.ticket_get(actor=request.user, pk=pk)


@login_required
@require_GET
def ticket_queue(request: HttpRequest) -> HttpResponse:
    """Queues: mine / my area / overdue, with filters; keyset pages."""
    queue = choice_param(request.GET.get("queue"), name="queue", allowed=selectors.QUEUES)
    status = choice_param(request.GET.get("status"), name="status", allowed=TicketStatus.values)
    ttype = choice_param(
        request.GET.get("type"), name="type", allowed=[str(v) for v in TicketType.values]
    )
    uc_id = int_param(request.GET.get("uc"), name="uc", minimum=1)
    qs = selectors.ticket_queue(
        actor=request.user,
        queue=queue or "mine",
        status=status,
        type=int(ttype) if ttype else None,
        uc_id=uc_id,
        q=request.GET.get("q", "")[:40],
    )
    page = paginate(request, qs, keys=["-id"], default_size=25)
    return render_page(
        request,
        "tickets/queue.html",
        {
            "page": page,
            "queue": queue or "mine",
            "status": status or "",
            "type": ttype or "",
            "uc": uc_id or "",
            "q": request.GET.get("q", "")[:40],
            "statuses": TicketStatus.choices,
            "types": TicketType.choices,
            "ucs": scope.visible_ucs(request.user)[:200],
            "overdue": selectors.overdue_count(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Any staff member raises a ticket on a unit in their area."""
    unit = unit_get(actor=request.user, pk=unit_pk)
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = None
        upload = form.cleaned_data.get("photo")
        try:
            if upload:
                stored = photos.photo_store(photos.photo_process(upload), folder="tickets")
            ticket = services.ticket_raise(
                actor=request.user,  # type: ignore[arg-type]
                unit=unit,
                type=form.cleaned_data["type"],
                description=form.cleaned_data["description"],
                new_name=form.cleaned_data.get("new_name", ""),
                new_mobile=form.cleaned_data.get("new_mobile", ""),
                photo_key=stored.key if stored else "",
                thumb_key=stored.thumb_key if stored else "",
            )
        except photos.PhotoError as exc:
            form.add_error("photo", str(exc))
        except ValidationError as exc:
            if stored:
                photos.photo_delete(stored.key, stored.thumb_key)
            form.add_error(None, exc)
        else:
            messages.success(request, _("Ticket #%(n)s raised.") % {"n": ticket.pk})
            return redirect("tickets:detail", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200
    ctx = {"form": form, "unit": unit, "name_change_type": int(TicketType.NAME_MOBILE_CHANGE)}
    return render_page(request, "tickets/create.html", ctx, status=status)


@login_required
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    can_decide = (
        request.user.at_least(Role.SUPERVISOR)  # type: ignore[union-attr]
        and ticket.is_pending
        and ticket.reported_by_id != request.user.pk
    )
    return render_page(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "comments": ticket.comments.select_related("author"),
            "history": selectors.ticket_history(ticket),
            "can_decide": can_decide,
            # An approved "Wrong bill" ticket opens a prefilled adjustment request in one step.
            "can_adjust": ticket.type == TicketType.WRONG_BILL
            and ticket.status == TicketStatus.APPROVED
            and request.user.at_least(Role.SUPERVISOR),  # type: ignore[union-attr]
            "decision_form": DecisionForm() if can_decide else None,
            "comment_form": CommentForm(),
        },
    )


@role_required(Role.SUPERVISOR)
@require_POST
def ticket_decide(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    decision_apply(
        request,
        DecisionForm(request.POST),
        partial(services.ticket_decide, actor=request.user, ticket=ticket),  # type: ignore[arg-type]
        invalid=_("Choose approve or reject and give a reason."),
    )
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_comment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_comment(
                actor=request.user,  # type: ignore[arg-type]
                ticket=ticket,
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Write a comment."))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_GET
def ticket_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The ticket's photo, only for users whose area includes the unit."""
    ticket = _ticket_or_404(request, pk)
    return photos.photo_of(ticket, thumb=request.GET.get("size") == "thumb")
