"""Refuse request input no database column can hold, before any view sees it.

PostgreSQL text cannot contain NUL (0x00): a ``q=a%00b`` reaching a query raised a 500 from every
search box and the API (issue 21, finding 7). One check here, for the query string, form fields
and JSON bodies, answers 400 instead — JSON with the API's error shape under ``/api/``, the
project's 400 page elsewhere. Uploaded files are not checked (binary content is fine there).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_NUL = "\x00"


def _has_nul(request: HttpRequest) -> str | None:
    """The name of the first parameter that holds a NUL, or ``None``."""
    for name, values in request.GET.lists():
        if _NUL in name or any(_NUL in v for v in values):
            return name.replace(_NUL, "")
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.content_type or ""
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            for name, values in request.POST.lists():
                if _NUL in name or any(_NUL in v for v in values):
                    return name.replace(_NUL, "")
        elif content_type == "application/json" and b"\\u0000" in request.body.lower():
            return "body"
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _has_nul(request)
        if field is not None:
            message = _("The request holds a character that is not allowed (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": message,
                        "errors": [{"field": field, "message": message, "loc": ["query", field]}],
                    },
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            raise BadRequest(message)
        return self.get_response(request)


__all__ = ["RefuseNulMiddleware"]
