"""Error handlers. A 400 shows what was wrong with the input (the allow-list validators in
suthra/core/validators.py raise BadRequest with a message written for people)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Only our own BadRequest messages are shown; SuspiciousOperation details (host headers,
    # session tampering) stay in the log.
    message = str(exception) if isinstance(exception, BadRequest) and str(exception) else ""
    return render(request, "400.html", {"message": message}, status=400)
