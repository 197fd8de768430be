"""Account views: login/logout, own password and two-factor, the Staff manager and the audit log
(HEAD only). Thin: decorators, form, one service or selector, render or redirect."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from suthra.accounts import ratelimit, services
from suthra.accounts.decorators import role_required
from suthra.accounts.forms import (
    AuditFilterForm,
    StaffFilterForm,
    StaffForm,
    TemporaryPasswordForm,
    TokenForm,
)
from suthra.accounts.models import Role, Staff
from suthra.core.audit import audit_record, client_ip
from suthra.core.htmx import render_page
from suthra.core.models import AuditEvent

STAFF_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> Staff:
    return cast(Staff, request.user)


def _rate_limited(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/rate_limited.html", {"message": message}, status=429)


def _form_errors(form: Any) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())


# --- login, logout, lockout ---------------------------------------------------------------------


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Per address: a plain rate limit. Per username: failures from every address are
        counted, and once they pass ``LOGIN_RATE_PER_USERNAME`` the username is *slowed*, not
        locked: each address gets one try per window for it. Someone guessing from many
        addresses cannot lock a colleague out — the real user, from their own phone, still
        gets in with the right password — and is told what happened (issue 21, finding 5)."""
        ip = client_ip(request) or "unknown"
        username = str(request.POST.get("username", ""))[:150].strip().lower()
        if not ratelimit.allow(f"login:ip:{ip}", *settings.LOGIN_RATE_PER_IP):
            return _rate_limited(request, _("Too many login attempts. Wait a few minutes."))
        limit, window = settings.LOGIN_RATE_PER_USERNAME
        failures = ratelimit.hits(f"login:fail:{username}", window)
        if failures >= limit and not ratelimit.allow(f"login:slow:{username}:{ip}", 1, window):
            return _rate_limited(
                request,
                _(
                    "Many wrong passwords were tried for this username from several places. "
                    "From this device you can try once every %(n)d minutes; ask head office "
                    "if it is not you."
                )
                % {"n": max(1, window // 60)},
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: a wrong username or password
            ratelimit.hit(f"login:fail:{username}", window)
        elif response.status_code == 302 and failures:
            messages.warning(
                request,
                ngettext(
                    "%(n)d wrong password was tried for your username in the last few minutes. "
                    "If it was not you, change your password and tell head office.",
                    "%(n)d wrong passwords were tried for your username in the last few "
                    "minutes. If it was not you, change your password and tell head office.",
                    failures,
                )
                % {"n": failures},
            )
        return response


def lockout_response(
    request: HttpRequest, response: Any = None, credentials: Any = None, *args: Any, **kw: Any
) -> HttpResponse:
    """django-axes calls this for a locked-out username + address (AXES_LOCKOUT_CALLABLE)."""
    minutes = settings.LOGIN_COOLOFF_MINUTES
    message = _(
        "Too many failed attempts. Try again in %(n)d minutes, or ask head office to unlock "
        "your account."
    ) % {"n": minutes}
    return render(request, "accounts/login.html", {"lockout": message, "form": None}, status=429)


def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """``/admin/login/`` → the staff login, keeping ``next`` (issue 21, finding 6)."""
    next_url = _safe_next(request, reverse("admin:index"))
    return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode({"next": next_url}))


# --- own password -----------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")
    # Wrong current passwords allowed per user in PASSWORD_CHANGE_WINDOW before the session ends.
    failure_limit = 5
    window = 900

    def form_invalid(self, form: Any) -> HttpResponse:
        """A wrong current password is a guess at it: audited, and after a few the session ends,
        so further guesses go through the login limits (issue 21, finding 6)."""
        if "old_password" in form.errors:
            user = self.request.user
            count = ratelimit.hit(f"pwchange:fail:{user.pk}", self.window)
            audit_record(
                actor=user,
                action="password.change_failure",
                object_type="staff",
                object_id=user.pk,
                ip=client_ip(self.request),
            )
            if count >= self.failure_limit:
                logout(self.request)
                messages.error(self.request, _("Too many wrong current passwords. Sign in again."))
                return redirect("accounts:login")
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        forced = self.request.user.must_change_password  # type: ignore[union-attr]
        response = super().form_valid(form)
        services.password_changed(
            staff=form.user,
            ip=client_ip(self.request),
            keep_session=self.request.session.session_key,
        )
        update_session_auth_hash(self.request, form.user)
        # The session key changed: remember the new one, so "End sessions" still reaches it.
        services.session_register(request=self.request, staff=form.user)
        messages.success(self.request, _("Your password was changed."))
        if forced:
            return redirect("core:home")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = client_ip(request) or "unknown"
        email = str(request.POST.get("email", ""))[:254].strip().lower()
        per_ip = ratelimit.allow(f"reset:ip:{ip}", *settings.PASSWORD_RESET_RATE_PER_IP)
        per_mail = ratelimit.allow(f"reset:email:{email}", *settings.PASSWORD_RESET_RATE_PER_IP)
        if not (per_ip and per_mail):
            return _rate_limited(request, _("Too many reset requests. Try again in an hour."))
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(staff=form.user, ip=client_ip(self.request), via="email")
        return response


# --- two-factor ----------------------------------------------------------------------------------


def _qr_data_url(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (TOTP): scan the QR code, type a code to confirm."""
    user = cast(Staff, request.user)
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        return render(request, "accounts/otp_setup.html", {"confirmed": confirmed})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "GET" or device is None:
        device = services.otp_pending_device(staff=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_enrol(
            staff=user, device=device, token=form.cleaned_data["token"], ip=client_ip(request)
        ):
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect(_safe_next(request, reverse("core:home")))
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr": _qr_data_url(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _safe_next(request, ""),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Type the current code after logging in (required for HEAD and MANAGER in production)."""
    user = request.user
    next_url = _safe_next(request, reverse("core:home"))
    if not user_has_device(user):
        return HttpResponseRedirect(
            reverse("accounts:otp_setup") + "?" + urlencode({"next": next_url})
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Counted per session, not per user: someone who has the password cannot block the
        # real user's code; after five wrong codes their session ends and they go back
        # through the login limits (issue 21, finding 6).
        if not ratelimit.allow(f"otp:session:{request.session.session_key}", 5, 300):
            audit_record(
                actor=user,
                action="otp.too_many",
                object_type="staff",
                object_id=user.pk,
                ip=client_ip(request),
            )
            logout(request)
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("accounts:login")
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(next_url)
        audit_record(
            actor=user,
            action="otp.failure",
            object_type="staff",
            object_id=user.pk,
            ip=client_ip(request),
        )
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor off (needs a current code). Where it is required, it is asked again."""
    user = cast(Staff, request.user)
    form = TokenForm(request.POST)
    if form.is_valid() and match_token(user, form.cleaned_data["token"]) is not None:
        services.otp_disable(staff=user, ip=client_ip(request))
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("core:home")
    messages.error(request, _("That code is not right; two-factor sign-in stays on."))
    return redirect("accounts:otp_setup")


# --- Staff manager (HEAD) -----------------------------------------------------------------------


@role_required(Role.HEAD)
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET)
    if not form.is_valid():
        raise BadRequest(_form_errors(form))
    data = form.cleaned_data
    qs = Staff.objects.prefetch_related("cities", "ucs").annotate(session_count=Count("sessions"))
    if data["q"]:
        qs = qs.filter(Q(username__icontains=data["q"]) | Q(full_name__icontains=data["q"]))
    if data["role"]:
        qs = qs.filter(role=data["role"])
    if data["active"]:
        qs = qs.filter(is_active=data["active"] == "1")
    paginator = Paginator(qs.order_by("username"), STAFF_PAGE_SIZE)
    page = paginator.get_page(data["page"] or 1)
    query = {k: v for k, v in request.GET.items() if k != "page" and k in form.fields}
    return render_page(
        request,
        "accounts/staff_list.html",
        {"form": form, "page": page, "query": urlencode(query)},
    )


def _staff_form_context(form: StaffForm, staff: Staff | None) -> dict[str, Any]:
    return {"form": form, "staff": staff, "roles": Role}


@role_required(Role.HEAD)
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.staff_create(
                actor=_actor(request),
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                **form.profile(),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            field = "password" if not isinstance(exc, services.StaffRuleError) else None
            if isinstance(exc, services.StaffRuleError) and exc.code == "username":
                field = "username"
            form.add_error(field, exc)
        else:
            messages.success(request, _("%(name)s can now log in.") % {"name": staff})
            return redirect("accounts:staff_detail", pk=staff.pk)
    return render(request, "accounts/staff_form.html", _staff_form_context(form, None))


@role_required(Role.HEAD)
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff.objects.prefetch_related("cities", "ucs"), pk=pk)
    context = {
        "staff": staff,
        "sessions": list(staff.sessions.all()[:20]),
        "locked": services.is_locked_out(staff),
        "has_otp": TOTPDevice.objects.filter(user=staff, confirmed=True).exists(),
        "events": list(
            AuditEvent.objects.filter(object_type="staff", object_id=str(staff.pk)).select_related(
                "actor"
            )[:20]
        ),
        "password_form": TemporaryPasswordForm(),
    }
    return render(request, "accounts/staff_detail.html", context)


@role_required(Role.HEAD)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(Staff, pk=pk)
    form = StaffForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(
                actor=_actor(request), staff=staff, **form.profile(), ip=client_ip(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:staff_detail", pk=staff.pk)
    return render(request, "accounts/staff_form.html", _staff_form_context(form, staff))


@role_required(Role.HEAD)
@require_GET
def staff_uc_options(request: HttpRequest) -> HttpResponse:
    """The UC checkboxes of one city (htmx: reloaded when the city select changes)."""
    form = StaffForm(request.GET)
    return render(request, "accounts/_uc_options.html", {"form": form})


def _staff_action(request: HttpRequest, pk: int) -> Staff:
    return get_object_or_404(Staff, pk=pk)


@role_required(Role.HEAD)
@require_POST
def staff_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_action(request, pk)
    active = request.POST.get("active")
    if active not in ("0", "1"):
        raise BadRequest(_("active must be 0 or 1"))
    try:
        services.staff_set_active(
            actor=_actor(request),
            staff=staff,
            active=active == "1",
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Account reactivated.")
            if active == "1"
            else _("Account deactivated; its sessions ended."),
        )
    return redirect("accounts:staff_detail", pk=staff.pk)


@role_required(Role.HEAD)
@require_POST
def staff_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_action(request, pk)
    form = TemporaryPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.staff_reset_password(
                actor=_actor(request),
                staff=staff,
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Password reset: they must choose a new one at login."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("accounts:staff_detail", pk=staff.pk)


@role_required(Role.HEAD)
@require_POST
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_action(request, pk)
    services.staff_unlock(actor=_actor(request), staff=staff, ip=client_ip(request))
    messages.success(request, _("Login lockout cleared."))
    return redirect("accounts:staff_detail", pk=staff.pk)


@role_required(Role.HEAD)
@require_POST
def staff_end_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_action(request, pk)
    count = services.staff_end_sessions(actor=_actor(request), staff=staff, ip=client_ip(request))
    messages.success(request, _("%(n)d session(s) ended.") % {"n": count})
    return redirect("accounts:staff_detail", pk=staff.pk)


@role_required(Role.HEAD)
@require_POST
def staff_reset_otp(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff_action(request, pk)
    services.staff_reset_otp(actor=_actor(request), staff=staff, ip=client_ip(request))
    messages.success(request, _("Two-factor devices removed; they enrol again at next login."))
    return redirect("accounts:staff_detail", pk=staff.pk)


# --- audit log (HEAD) --------------------------------------------------------------------------


@role_required(Role.HEAD)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page, keyset-paginated by id (``before``) so deep pages stay fast."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        raise BadRequest(_form_errors(form))
    data = form.cleaned_data
    qs = AuditEvent.objects.select_related("actor").order_by("-id")
    if data["actor"]:
        qs = qs.filter(actor_id=data["actor"])
    if data["action"]:
        qs = qs.filter(action=data["action"])
    if data["object_type"]:
        qs = qs.filter(object_type=data["object_type"])
    if data["object_id"]:
        qs = qs.filter(object_id=data["object_id"])
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        qs = qs.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
    if data["date_to"]:
        end = data["date_to"] + dt.timedelta(days=1)
        qs = qs.filter(at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz))
    if data["before"]:
        qs = qs.filter(id__lt=data["before"])
    events = list(qs[: AUDIT_PAGE_SIZE + 1])
    more = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    query = {k: v for k, v in request.GET.items() if k in form.fields and k != "before" and v}
    next_query = urlencode({**query, "before": events[-1].id}) if more and events else ""
    actor_name = None
    if data["actor"]:
        actor_name = (
            Staff.objects.filter(pk=data["actor"]).values_list("username", flat=True).first()
        )
    return render_page(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "events": events,
            "next_query": next_query,
            "first_query": urlencode(query),
            "is_first": not data["before"],
            "actor_name": actor_name,
            "staff_list": Staff.objects.order_by("username").only("id", "username"),
        },
    )
