from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from suthra.accounts import scope


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Landing page after login: what the user can reach, limited to their geography."""
    ucs = scope.visible_ucs(request.user)
    return render(
        request,
        "core/home.html",
        {"ucs": ucs[:50], "uc_total": ucs.count(), "sees_all": scope.sees_everything(request.user)},
    )


@require_GET
def install(request: HttpRequest) -> HttpResponse:
    """How to add the app to a phone's home screen (for browsers that never offer to install)."""
    return render(request, "core/install.html")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Health for load balancers and monitors (no login, no details leaked).

    ``/health/`` checks the database (load balancers: a stalled worker must not take web servers
    out of rotation). ``/health/?worker=1`` also checks the background worker (monitors): 503
    when a task has waited longer than WORKER_STALE_SECONDS without being picked up.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    if request.GET.get("worker") != "1":
        return JsonResponse({"status": "ok"})
    try:
        worker = worker_state()
    except Exception:  # noqa: BLE001 - e.g. the task table is missing
        worker = "error"
    healthy = worker in ("ok", "idle", "n/a")
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": "ok", "worker": worker},
        status=200 if healthy else 503,
    )


def worker_state() -> str:
    """``ok`` (tasks queued, none overdue), ``idle`` (nothing queued), ``stalled`` or ``n/a``.

    One indexed query (django-tasks-db keeps a partial index on ready tasks): a task ready to run
    for longer than WORKER_STALE_SECONDS means no worker is taking tasks.
    """
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        return "n/a"  # tasks run in the web process (tests) or elsewhere
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    stale = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    # Runnable since run_after, or since it was enqueued when it had no delay.
    overdue = Q(run_after=get_date_max(), enqueued_at__lt=stale) | Q(run_after__lt=stale)
    if ready.filter(overdue).exists():
        return "stalled"
    return "ok" if ready.exists() else "idle"
