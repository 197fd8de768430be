"""Audit events for authentication: Django's login signals and django-axes' lockout signal.

The handlers only record; the decisions (lockout, timeouts) are made elsewhere.
"""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from suthra.accounts import services
from suthra.accounts.models import Staff
from suthra.core.audit import audit_record, client_ip


def _is_http(request: HttpRequest | None) -> bool:
    # A login without a real HTTP request (the test client's force_login, a shell) is not an
    # event worth auditing; every request served by the web server carries REMOTE_ADDR.
    return request is not None and "REMOTE_ADDR" in request.META


def _attempted_username(credentials: dict[str, Any] | None) -> str:
    return str((credentials or {}).get("username", ""))[:150]


@receiver(user_logged_in, dispatch_uid="accounts_logged_in")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Staff, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session["_auth_at"] = now
    request.session["_last_seen"] = now
    services.session_register(request=request, staff=user)
    if _is_http(request):
        audit_record(
            actor=user,
            action="login.success",
            object_type="staff",
            object_id=user.pk,
            ip=client_ip(request),
        )


@receiver(user_logged_out, dispatch_uid="accounts_logged_out")
def on_logged_out(
    sender: Any, request: HttpRequest | None, user: Staff | None, **kwargs: Any
) -> None:
    if request is None:
        return
    services.session_forget(session_key=getattr(request.session, "session_key", None))
    if user is None or not _is_http(request):
        return
    reason = getattr(request, "logout_reason", "")
    audit_record(
        actor=user,
        action="session.timeout" if reason else "logout",
        object_type="staff",
        object_id=user.pk,
        changes={"reason": reason} if reason else {},
        ip=client_ip(request),
    )


@receiver(user_login_failed, dispatch_uid="accounts_login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if not _is_http(request):
        return
    if getattr(request, "axes_locked_out", False):
        return  # recorded once as login.lockout
    # The password is never recorded; only the username that was tried.
    audit_record(
        actor=None,
        action="login.failure",
        object_type="staff",
        object_id="",
        changes={"username": _attempted_username(credentials)},
        ip=client_ip(request),
    )


@receiver(user_locked_out, dispatch_uid="accounts_locked_out")
def on_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any
) -> None:
    if not _is_http(request):
        return
    audit_record(
        actor=None,
        action="login.lockout",
        object_type="staff",
        object_id="",
        changes={"username": str(username or "")[:150]},
        ip=client_ip(request),
    )
