from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from suthra.core.htmx import render_page
from suthra.core.validators import choice_param, int_param
from suthra.notifications import selectors, services


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's own notifications (any role; nobody sees another's)."""
    before = int_param(request.GET.get("before"), name="before", minimum=1)
    show = choice_param(request.GET.get("show"), name="show", allowed=["all", "unread"])
    items = selectors.notifications_for(
        actor=request.user, before=before, unread_only=show == "unread"
    )
    next_before = items[-1].pk if len(items) == selectors.PAGE_SIZE else None
    return render_page(
        request,
        "notifications/list.html",
        {"items": items, "next_before": next_before, "show": show or "all"},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one of your notifications read and go to what it is about."""
    note_id = int_param(request.POST.get("id"), name="id", minimum=1)
    if note_id is None:
        raise Http404("Not found")
    note = services.notification_mark_read(actor=request.user, notification_id=note_id)
    if note is None:
        raise Http404("Not found")
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("notifications:list")
