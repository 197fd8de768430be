"""Session security, after authentication: idle timeout, absolute lifetime, forced password
change and required two-factor. Settings: SESSION_IDLE_SECONDS, SESSION_ABSOLUTE_SECONDS,
OTP_REQUIRED_FOR_ADMINS (see docs/SECURITY.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Pages reachable while a password change or a two-factor check is still owed.
ALWAYS_ALLOWED = {
    "accounts:login",
    "accounts:logout",
    "core:health",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
PASSWORD_PAGES = {"accounts:password_change"}
OTP_PAGES = {"accounts:otp_setup", "accounts:otp_verify"}


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # htmx follows HX-Redirect with a full page load instead of swapping a login page into a div.
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def otp_required_for(user: Any) -> bool:
    return bool(getattr(settings, "OTP_REQUIRED_FOR_ADMINS", False)) and user.at_least("MANAGER")


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self._expired(request)
            if reason:
                return self._end(request, reason)
            self._touch(request)
        return self.get_response(request)

    @staticmethod
    def _expired(request: HttpRequest) -> str:
        now = time.time()
        session = request.session
        auth_at = session.get("_auth_at")
        last_seen = session.get("_last_seen")
        if isinstance(auth_at, (int, float)) and now - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
            return "absolute"
        if isinstance(last_seen, (int, float)) and now - last_seen > settings.SESSION_IDLE_SECONDS:
            return "idle"
        return ""

    @staticmethod
    def _touch(request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        if not isinstance(session.get("_auth_at"), (int, float)):
            session["_auth_at"] = now
        last_seen = session.get("_last_seen")
        # Write the session at most every minute (or a tenth of the idle time), not per request.
        step = min(60, settings.SESSION_IDLE_SECONDS / 10)
        if not isinstance(last_seen, (int, float)) or now - last_seen >= step:
            session["_last_seen"] = now

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> HttpResponse:
        request.logout_reason = reason  # type: ignore[attr-defined]  # read by the audit signal
        logout(request)
        if reason == "idle":
            minutes = max(1, settings.SESSION_IDLE_SECONDS // 60)
            text = _("You were logged out after %(n)d minutes without activity.") % {"n": minutes}
        else:
            text = _("Your session reached its time limit. Please log in again.")
        messages.info(request, text)
        url = reverse(settings.LOGIN_URL)
        if request.method == "GET" and request.headers.get("HX-Request") != "true":
            url += "?" + urlencode({"next": request.get_full_path()})
        return _redirect(request, url)

    @staticmethod
    def process_view(
        request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in ALWAYS_ALLOWED:
            return None
        if user.must_change_password:
            if name in PASSWORD_PAGES:
                return None
            return _redirect(request, reverse("accounts:password_change"))
        if otp_required_for(user) and not _is_verified(user):
            if name in OTP_PAGES:
                return None
            return _redirect(
                request,
                reverse("accounts:otp_verify") + "?" + urlencode({"next": request.get_full_path()}),
            )
        return None


def _is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


class PrivateNoStoreMiddleware:
    """Pages, exports and API answers for a signed-in user (session or token) carry personal
    data: no shared or browser cache may keep them (``Cache-Control: private, no-store``,
    issue 21 finding 9). A view that set its own ``Cache-Control`` (photos, the service worker)
    keeps it; the offline worklist lives in the service worker's Cache Storage, which HTTP
    caching headers do not govern."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or request.path.startswith("/api/") or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "private, no-store"
        return response
