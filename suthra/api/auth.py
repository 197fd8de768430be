"""How API callers prove who they are, and the role check every endpoint makes.

Two ways in, tried in this order:
- ``Authorization: Bearer sp_...`` — a per-user API token (phone app, integrations). No CSRF:
  a browser never sends it on its own.
- The site's own session cookie (htmx calls from the pages). Writes then need the CSRF token in
  ``X-CSRFToken``, exactly like the pages.

Either way the caller acts as a staff member with their role and geography; what they may see
is decided by ``suthra.accounts.scope`` in the endpoints, as for the pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from suthra.api.selectors import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(raw=token)
        if api_token is None:
            return None
        # The endpoints, the audit trail and the services read request.user, as for the pages.
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class StaffSessionAuth(APIKeyCookie):
    """The logged-in session of the site, with Django's CSRF check on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        # Check the login before CSRF, so an anonymous POST is a 401, not a CSRF 403.
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user


def require_role(request: HttpRequest, minimum: str) -> Any:
    """The caller if their role is at least ``minimum``, else 403 (geography: scope.py)."""
    user: Any = request.user
    if not user.at_least(minimum):
        raise HttpError(403, "Your role does not allow this.")
    return user
