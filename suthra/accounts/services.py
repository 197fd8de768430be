"""Writes on staff accounts. Every change is audited in the same transaction.

Callers: the Staff manager views (HEAD only), the account views (the user themself), the login
signals and the legacy import command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.module_loading import import_string

from suthra.accounts import scope
from suthra.accounts.legacy import LegacyStaff, RowError
from suthra.accounts.models import ROLE_RANK, Role, Staff, StaffSession
from suthra.core.audit import audit_record, client_ip, diff
from suthra.locations.models import City, UnionCouncil


class StaffRuleError(ValidationError):
    """A staff change that breaks a rule (last HEAD, own role, scope shape)."""


# --- sessions -------------------------------------------------------------------------------


def session_register(*, request: HttpRequest, staff: Staff) -> None:
    """Remember a new login's session key so the user's sessions can be ended later."""
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    if not key:
        return
    # Drop rows whose session has already expired or ended.
    known = list(StaffSession.objects.filter(staff=staff).values_list("session_key", flat=True))
    if known:
        alive = set(
            Session.objects.filter(session_key__in=known).values_list("session_key", flat=True)
        )
        dead = [k for k in known if k not in alive]
        if dead:
            StaffSession.objects.filter(session_key__in=dead).delete()
    StaffSession.objects.update_or_create(
        session_key=key,
        defaults={
            "staff": staff,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        StaffSession.objects.filter(session_key=session_key).delete()


def _session_store() -> Any:
    from django.conf import settings

    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


# Other ways in that end with the sessions (the API registers its tokens in AppConfig.ready):
# each is called as hook(staff=..., actor=..., reason=...) inside the caller's transaction.
ACCESS_END_HOOKS: list[Callable[..., int]] = []


def register_access_end(hook: Callable[..., int]) -> None:
    if hook not in ACCESS_END_HOOKS:
        ACCESS_END_HOOKS.append(hook)


def sessions_end(
    *, staff: Staff, actor: Any = None, reason: str = "sessions_end", keep: str | None = None
) -> int:
    """End every session of ``staff`` (but ``keep``) and every other way in (API tokens).

    Returns the number of sessions ended; the staff event is audited by the caller, the
    revoked tokens by their hook. A lost phone holds a session *and* a token.
    """
    store = _session_store()
    rows = StaffSession.objects.filter(staff=staff)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.filter(session_key__in=keys).delete()
    for hook in ACCESS_END_HOOKS:
        hook(staff=staff, actor=actor or staff, reason=reason)
    return len(keys)


def staff_end_sessions(*, actor: Staff, staff: Staff, ip: str | None = None) -> int:
    """HEAD ends all of a user's sessions (a lost phone, a suspected shared password)."""
    with transaction.atomic():
        count = sessions_end(staff=staff, actor=actor)
        _audit_staff(actor, staff, "staff.sessions_end", changes={"sessions": count}, ip=ip)
    return count


# --- rules ------------------------------------------------------------------------------------


def _clean_scope(
    role: str, cities: Iterable[City], ucs: Iterable[UnionCouncil]
) -> tuple[list[City], list[UnionCouncil]]:
    city_list = list(cities)
    uc_list = list(ucs)
    if role == Role.HEAD:
        return [], []
    if role == Role.MANAGER:
        return city_list, []  # no city = all cities
    if len(city_list) != 1:
        raise StaffRuleError("A supervisor or agent works in exactly one city.", code="city")
    if role == Role.SUPERVISOR:
        return city_list, []
    city = city_list[0]
    stray = [uc.name for uc in uc_list if uc.city_id != city.pk]
    if stray:
        raise StaffRuleError(
            f"These union councils are not in {city.name}: {', '.join(stray)}", code="ucs"
        )
    return city_list, uc_list


def _check_last_head(staff: Staff, *, new_role: str, new_active: bool) -> None:
    if staff.role != Role.HEAD or not staff.is_active:
        return
    if new_role == Role.HEAD and new_active:
        return
    others = (
        Staff.objects.select_for_update()
        .filter(role=Role.HEAD, is_active=True)
        .exclude(pk=staff.pk)
    )
    if not others.exists():
        raise StaffRuleError(
            "This is the last active head-office account: it cannot be demoted or deactivated.",
            code="last_head",
        )


def _check_own_role(actor: Staff, staff: Staff, new_role: str) -> None:
    if actor.pk == staff.pk and ROLE_RANK[Role(new_role)] > ROLE_RANK[Role(staff.role)]:
        raise StaffRuleError("Nobody can raise their own role.", code="own_role")


def _snapshot(staff: Staff) -> dict[str, Any]:
    return {
        "username": staff.username,
        "full_name": staff.full_name,
        "email": staff.email,
        "mobile": staff.mobile,
        "language": staff.language,
        "role": staff.role,
        "cities": sorted(staff.cities.values_list("name", flat=True)),
        "ucs": sorted(staff.ucs.values_list("name", flat=True)),
        "is_active": staff.is_active,
    }


def _jsonable_diff(before: dict[str, Any], after: dict[str, Any], keys: Iterable[str]) -> dict:
    return {k: [before[k], after[k]] for k in keys if before[k] != after[k]}


def _audit_staff(actor: Any, staff: Staff, action: str, *, changes: Any, ip: str | None) -> None:
    """One audit event about a staff account, in the caller's transaction."""
    audit_record(
        actor=actor,
        action=action,
        object_type="staff",
        object_id=staff.pk,
        changes=changes,
        ip=ip,
    )


# --- staff manager ----------------------------------------------------------------------------


def staff_create(
    *,
    actor: Staff,
    username: str,
    full_name: str,
    role: str,
    password: str,
    email: str = "",
    mobile: str = "",
    language: str = "en",
    cities: Iterable[City] = (),
    ucs: Iterable[UnionCouncil] = (),
    ip: str | None = None,
) -> Staff:
    """HEAD creates an account; the user must choose their own password at first login."""
    city_list, uc_list = _clean_scope(role, cities, ucs)
    if Staff.objects.filter(username__iexact=username).exists():
        raise StaffRuleError("That username is taken.", code="username")
    candidate = Staff(username=username, full_name=full_name, email=email)
    validate_password(password, user=candidate)
    with transaction.atomic():
        staff = Staff.objects.create_user(
            username,
            password,
            full_name=full_name,
            email=email,
            mobile=mobile,
            language=language,
            role=role,
            must_change_password=True,
        )
        staff.cities.set(city_list)
        staff.ucs.set(uc_list)
        after = _snapshot(staff)
        _audit_staff(
            actor, staff, "staff.create", changes={k: [None, v] for k, v in after.items()}, ip=ip
        )
    return staff


def staff_update(
    *,
    actor: Staff,
    staff: Staff,
    full_name: str,
    role: str,
    email: str = "",
    mobile: str = "",
    language: str = "en",
    cities: Iterable[City] = (),
    ucs: Iterable[UnionCouncil] = (),
    ip: str | None = None,
) -> Staff:
    """HEAD edits an account: profile (staff.update), role (staff.role), geography (staff.scope)."""
    city_list, uc_list = _clean_scope(role, cities, ucs)
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        _check_own_role(actor, staff, role)
        _check_last_head(staff, new_role=role, new_active=staff.is_active)
        before = _snapshot(staff)
        staff.full_name = full_name
        staff.email = email
        staff.mobile = mobile
        staff.language = language
        staff.role = role
        staff.save(update_fields=["full_name", "email", "mobile", "language", "role"])
        staff.cities.set(city_list)
        staff.ucs.set(uc_list)
        scope.forget(staff)
        after = _snapshot(staff)
        for action, keys in (
            ("staff.update", ("full_name", "email", "mobile", "language")),
            ("staff.role", ("role",)),
            ("staff.scope", ("cities", "ucs")),
        ):
            changes = _jsonable_diff(before, after, keys)
            if changes:
                _audit_staff(actor, staff, action, changes=changes, ip=ip)
    return staff


def staff_set_active(*, actor: Staff, staff: Staff, active: bool, ip: str | None = None) -> Staff:
    """HEAD deactivates (ending all the user's sessions at once) or reactivates an account."""
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        if staff.is_active == active:
            return staff
        _check_last_head(staff, new_role=staff.role, new_active=active)
        staff.is_active = active
        staff.save(update_fields=["is_active"])
        ended = 0 if active else sessions_end(staff=staff, actor=actor, reason="deactivate")
        _audit_staff(
            actor,
            staff,
            "staff.reactivate" if active else "staff.deactivate",
            changes={"is_active": [not active, active], **({"sessions": ended} if ended else {})},
            ip=ip,
        )
    return staff


def staff_reset_password(
    *, actor: Staff, staff: Staff, password: str, ip: str | None = None
) -> None:
    """HEAD sets a temporary password; the user must choose a new one at next login."""
    validate_password(password, user=staff)
    with transaction.atomic():
        staff.set_password(password)
        staff.must_change_password = True
        staff.save(update_fields=["password", "must_change_password"])
        ended = sessions_end(staff=staff, actor=actor, reason="password_reset")
        _audit_staff(
            actor,
            staff,
            "staff.password_reset",
            changes={"must_change_password": [None, True], "sessions": ended},
            ip=ip,
        )


def staff_unlock(*, actor: Staff, staff: Staff, ip: str | None = None) -> int:
    """HEAD clears the login lockouts of a username (from every address)."""
    from axes.utils import reset

    with transaction.atomic():
        count = reset(username=staff.username)
        _audit_staff(actor, staff, "staff.unlock", changes={"attempts_cleared": count}, ip=ip)
    return count


def staff_reset_otp(*, actor: Staff, staff: Staff, ip: str | None = None) -> int:
    """HEAD removes a user's two-factor devices (a lost phone); they enrol again at next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        count, _ = TOTPDevice.objects.filter(user=staff).delete()
        ended = sessions_end(staff=staff, actor=actor, reason="otp_reset")
        _audit_staff(
            actor, staff, "staff.otp_reset", changes={"devices": count, "sessions": ended}, ip=ip
        )
    return count


def otp_pending_device(*, staff: Staff) -> Any:
    """The user's unconfirmed authenticator, made afresh: a pending secret is shown once, so a
    secret left on screen (or read by someone who later has the password) is worth nothing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=staff, confirmed=False).delete()
        return TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=False)


def otp_enrol(*, staff: Staff, device: Any, token: str, ip: str | None = None) -> bool:
    """The user themself confirms their pending authenticator with a current code; audited."""
    with transaction.atomic():
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=staff, action="otp.enrol", object_type="staff", object_id=staff.pk, ip=ip
        )
    return True


def otp_disable(*, staff: Staff, ip: str | None = None) -> int:
    """The user themself turns two-factor off (the view has checked a current code); audited."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        count, _ = TOTPDevice.objects.filter(user=staff).delete()
        audit_record(
            actor=staff, action="otp.disable", object_type="staff", object_id=staff.pk, ip=ip
        )
    return count


def is_locked_out(staff: Staff) -> bool:
    from axes.models import AccessAttempt
    from django.conf import settings

    return AccessAttempt.objects.filter(
        username=staff.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()


# --- the user themself --------------------------------------------------------------------------


def password_changed(
    *, staff: Staff, ip: str | None = None, via: str = "form", keep_session: str | None = None
) -> None:
    """After the user chose a new password: the forced-change flag goes, the event is audited,
    and every other way in ends (other sessions, API tokens; the session ``keep_session`` stays).
    """
    with transaction.atomic():
        sessions_end(staff=staff, reason="password_change", keep=keep_session)
        if staff.must_change_password:
            staff.must_change_password = False
            staff.save(update_fields=["must_change_password"])
        audit_record(
            actor=staff,
            action="password.change" if via == "form" else "password.reset_email",
            object_type="staff",
            object_id=staff.pk,
            ip=ip,
        )


# --- legacy import ------------------------------------------------------------------------------


@dataclass
class LegacyImportReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    must_change: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)


def staff_import_legacy(
    *,
    records: Iterable[LegacyStaff],
    force_reset: bool = False,
    dry_run: bool = False,
    actor: Staff | None = None,
    unusable_passwords: bool = False,
) -> LegacyImportReport:
    """Create accounts from the old ``staff`` table (the import_legacy_staff command).

    Idempotent on username: an existing account is left unchanged. Plain-text passwords are
    hashed; one that fails today's password rules (or every one, with ``force_reset``) must be
    changed at first login. An unknown city skips the row; unknown UCs are reported and left out.
    With ``unusable_passwords`` (``manage.py import_legacy --unusable-passwords``) the old
    passwords are not used at all: every account gets an unusable password and must set a new
    one through a reset before it can log in.
    """
    report = LegacyImportReport()
    records = list(records)
    cities = {c.name.casefold(): c for c in City.objects.all()}
    ucs = {(uc.city_id, uc.name.casefold()): uc for uc in UnionCouncil.objects.all()}
    # A few dozen staff: compare case-insensitively in Python ("Ali" and "ali" are one person).
    existing = {u.casefold() for u in Staff.objects.values_list("username", flat=True)}
    with transaction.atomic():
        for rec in records:
            if rec.username.casefold() in existing:
                report.existing.append(rec.username)
                continue
            city = cities.get(rec.city.casefold()) if rec.city else None
            if rec.role != Role.HEAD and rec.city and city is None:
                report.errors.append(
                    RowError(
                        rec.line,
                        rec.username,
                        f"unknown city {rec.city!r}; row skipped",
                        "city_unknown",
                        "assigned_city",
                        rec.city,
                    )
                )
                continue
            if rec.role in (Role.SUPERVISOR, Role.AGENT) and city is None:
                report.errors.append(
                    RowError(
                        rec.line,
                        rec.username,
                        f"a {rec.role.lower()} needs a city; row skipped",
                        "city_missing",
                        "assigned_city",
                    )
                )
                continue
            uc_list: list[UnionCouncil] = []
            if rec.role == Role.AGENT and city is not None:
                unknown = []
                for name in rec.ucs:
                    uc = ucs.get((city.pk, name.casefold()))
                    if uc is None:
                        unknown.append(name)
                    else:
                        uc_list.append(uc)
                if unknown:
                    report.warnings.append(
                        RowError(
                            rec.line,
                            rec.username,
                            f"unknown union council(s) in {city.name}: {', '.join(unknown)}"
                            " (imported without them)",
                            "uc_unknown",
                            "assigned_ucs",
                            ", ".join(unknown),
                        )
                    )
            staff = Staff(
                username=rec.username,
                full_name=rec.full_name,
                role=rec.role,
                is_active=rec.is_active,
            )
            if unusable_passwords:
                staff.must_change_password = True
                staff.set_unusable_password()
            else:
                weak = False
                try:
                    validate_password(rec.password, user=staff)
                except ValidationError:
                    weak = True
                staff.must_change_password = force_reset or weak
                staff.set_password(rec.password)
            staff.save()
            city_list = [city] if city is not None and rec.role != Role.HEAD else []
            staff.cities.set(city_list)
            staff.ucs.set(uc_list)
            audit_record(
                actor=actor,
                action="staff.import",
                object_type="staff",
                object_id=staff.pk,
                changes={
                    "source": "legacy staff.csv",
                    "role": [None, staff.role],
                    "cities": [None, [c.name for c in city_list]],
                    "ucs": [None, [u.name for u in uc_list]],
                    "is_active": [None, staff.is_active],
                    "must_change_password": [None, staff.must_change_password],
                },
            )
            existing.add(rec.username.casefold())
            report.created.append(rec.username)
            if staff.must_change_password:
                report.must_change.append(rec.username)
        if dry_run:
            transaction.set_rollback(True)
    return report


__all__ = [
    "LegacyImportReport",
    "staff_import_legacy",
    "StaffRuleError",
    "diff",
    "is_locked_out",
    "password_changed",
    "session_forget",
    "session_register",
    "sessions_end",
    "staff_create",
    "staff_end_sessions",
    "staff_reset_otp",
    "staff_reset_password",
    "staff_set_active",
    "staff_unlock",
    "staff_update",
]
