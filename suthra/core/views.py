from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
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
def health(request: HttpRequest) -> JsonResponse:
    """Liveness + database check for load balancers (no login, no details leaked)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error"}, status=503)
