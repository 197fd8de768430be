"""Every error is JSON: ``{"detail": "...", "errors": [{"field", "message", "loc"}]}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

# Parameter names that wrap a request body; the client never sees them, so drop them from "field".
_BODY_WRAPPERS = {"payload", "data", "filters"}


def _loc_field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc[1:] if str(p) not in _BODY_WRAPPERS]
    return ".".join(parts) or (str(loc[0]) if loc else "")


def _field_errors_of_ninja(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = list(err.get("loc", ()))
        out.append(
            {
                "field": _loc_field(loc),
                "message": str(err.get("msg", "Not valid.")),
                "loc": [p if isinstance(p, int) else str(p) for p in loc],
            }
        )
    return out


def _field_errors_of_django(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": name, "message": message, "loc": ["body", name]}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": message, "loc": []} for message in exc.messages]


def install(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, status: int, detail: str, errors: Any = ()) -> HttpResponse:
        return api.create_response(
            request, {"detail": detail, "errors": list(errors)}, status=status
        )

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return reply(request, 422, "Some fields are not valid.", _field_errors_of_ninja(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def refused_by_service(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = _field_errors_of_django(exc)
        detail = errors[0]["message"] if len(errors) == 1 else "Some fields are not valid."
        return reply(request, 422, detail, errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = reply(
            request, 401, "Log in, or send 'Authorization: Bearer <token>' with an API token."
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return reply(request, 429, "Too many requests for this token; wait and retry.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return reply(request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Never say whether the object exists outside the caller's scope.
        return reply(request, 404, "Not found.")

    api.add_exception_handler(ObjectDoesNotExist, not_found)  # type: ignore[arg-type]

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, 403, str(exc) or "Your role does not allow this.")

    @api.exception_handler(BadRequest)
    def bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return reply(request, 400, str(exc) or "Bad request.")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return reply(request, 400, "Bad request.")
