"""Error handlers. A 400 shows what was wrong with the input (the allow-list validators in
suthra/core/validators.py raise BadRequest with a message written for people)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own BadRequest messages are shown; SuspiciousOperation details (host headers,
    # session tampering) stay in the log.
    message = str(exception) if isinstance(exception, BadRequest) and str(exception) else ""
    return render(request, "400.html", {"message": message}, status=400)


class FriendlyErrorsMiddleware:
    """With ``DEBUG`` on (``make run``'s demo), a 400, 403 or 404 still gets the project's own
    page instead of Django's technical page with a traceback: the demo is shown to users
    (issue 19). Server errors (500) keep the debug page, which is what a developer needs.
    Off in production, where Django's handlers already render these templates."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # An unknown address never reaches a view (the URL resolver raises before the view
        # middleware runs): replace Django's technical 404 page here.
        if (
            settings.DEBUG
            and settings.FRIENDLY_ERRORS_IN_DEBUG
            and response.status_code == 404
            and not request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
            and b"Django tried these URL patterns" in getattr(response, "content", b"")
        ):
            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (settings.DEBUG and settings.FRIENDLY_ERRORS_IN_DEBUG):
            return None
        if isinstance(exception, Http404):
            return render(request, "404.html", status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", status=403)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return bad_request(request, exception)
        return None
