"""Idle timeout, absolute lifetime, ending sessions, forced password change and required 2FA."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from suthra.accounts.models import StaffSession
from suthra.core.models import AuditEvent

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)
HOME = "/"


def logged_in(user) -> Client:
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.force_login(user)
    return client


def test_idle_session_ends_after_the_idle_timeout(world, time_machine, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    time_machine.move_to(T0, tick=False)
    client = logged_in(world.agent_a)
    assert client.get(HOME).status_code == 200
    time_machine.move_to(T0 + dt.timedelta(minutes=29), tick=False)
    assert client.get(HOME).status_code == 200  # activity resets the idle clock
    time_machine.move_to(T0 + dt.timedelta(minutes=29 + 31), tick=False)
    response = client.get("/?x=1")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    # Logged out for good: the next request is anonymous too.
    assert client.get(HOME)["Location"].startswith(reverse("accounts:login"))
    event = AuditEvent.objects.get(action="session.timeout")
    assert event.actor == world.agent_a and event.changes == {"reason": "idle"}


def test_idle_timeout_message_is_shown_on_the_login_page(world, time_machine):
    time_machine.move_to(T0, tick=False)
    client = logged_in(world.agent_a)
    client.get(HOME)
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    page = client.get(HOME, follow=True)
    assert b"without activity" in page.content


def test_active_session_still_ends_at_the_absolute_lifetime(world, time_machine, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    settings.SESSION_ABSOLUTE_SECONDS = 12 * 3600
    time_machine.move_to(T0, tick=False)
    client = logged_in(world.agent_a)
    for minutes in range(20, 12 * 60, 20):
        time_machine.move_to(T0 + dt.timedelta(minutes=minutes), tick=False)
        assert client.get(HOME).status_code == 200, minutes
    time_machine.move_to(T0 + dt.timedelta(hours=12, minutes=1), tick=False)
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.get(action="session.timeout").changes == {"reason": "absolute"}


def test_htmx_request_after_timeout_gets_a_full_page_redirect(world, time_machine):
    time_machine.move_to(T0, tick=False)
    client = logged_in(world.agent_a)
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_deactivating_a_user_ends_all_their_sessions(world, login):
    phone = logged_in(world.agent_a)
    laptop = logged_in(world.agent_a)
    assert StaffSession.objects.filter(staff=world.agent_a).count() == 2
    head = login(world.head)
    head.post(reverse("accounts:staff_set_active", args=[world.agent_a.pk]), {"active": "0"})
    for client in (phone, laptop):
        assert client.get(HOME).status_code == 302
    assert not StaffSession.objects.filter(staff=world.agent_a).exists()
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.changes["sessions"] == 2


def test_head_can_end_a_users_sessions(world, login):
    phone = logged_in(world.agent_a)
    other = logged_in(world.agent_b)
    head = login(world.head)
    head.post(reverse("accounts:staff_end_sessions", args=[world.agent_a.pk]))
    assert phone.get(HOME).status_code == 302
    assert other.get(HOME).status_code == 200  # nobody else is affected
    assert AuditEvent.objects.filter(action="staff.sessions_end").count() == 1


def test_head_reset_forces_a_new_password_at_next_login(world, login, client):
    agent_phone = logged_in(world.agent_a)
    head = login(world.head)
    head.post(
        reverse("accounts:staff_reset_password", args=[world.agent_a.pk]),
        {"password": "temporary-pass-2025"},
    )
    assert agent_phone.get(HOME).status_code == 302  # the old session ended
    head.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": "agent_a", "password": "temporary-pass-2025"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    # Every page sends them to the password form until they choose a new password.
    home = client.get(HOME)
    assert home["Location"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "temporary-pass-2025",
            "new_password1": "my-own-secret-words-7",
            "new_password2": "my-own-secret-words-7",
        },
    )
    assert changed.status_code == 302
    assert client.get(HOME).status_code == 200
    world.agent_a.refresh_from_db()
    assert not world.agent_a.must_change_password
    assert AuditEvent.objects.filter(action="password.change", actor=world.agent_a).exists()


def test_password_change_rejects_a_weak_password(world, login):
    client = login(world.agent_a)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery-9",
            "new_password1": "agent_a1",
            "new_password2": "agent_a1",
        },
    )
    assert response.status_code == 200
    assert b"too short" in response.content or b"too similar" in response.content


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_manager_must_enrol_two_factor_when_required(world, otp_required):
    client = logged_in(world.manager)
    first = client.get(HOME)
    assert first["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.get(first["Location"])["Location"].startswith(reverse("accounts:otp_setup"))
    setup = client.get(reverse("accounts:otp_setup"))
    assert b"data:image/svg+xml;base64," in setup.content
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    wrong = client.post(reverse("accounts:otp_setup"), {"token": "000000"})
    assert wrong.status_code == 200 and b"not right" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()  # a person needs more than the 1 s back-off to retype
    ok = client.post(reverse("accounts:otp_setup"), {"token": current_code(device)})
    assert ok.status_code == 302
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="otp.enrol", actor=world.manager).exists()


def test_enrolled_head_types_a_code_after_each_login(world, otp_required, time_machine):
    time_machine.move_to(T0, tick=False)
    device = TOTPDevice.objects.create(user=world.head, name="phone", confirmed=True)
    client = logged_in(world.head)
    assert client.get(reverse("accounts:staff_list")).status_code == 302
    page = client.get(reverse("accounts:otp_verify"))
    assert page.status_code == 200
    bad = client.post(reverse("accounts:otp_verify"), {"token": "12345x"})
    assert b"6 digits" in bad.content
    time_machine.move_to(T0 + dt.timedelta(seconds=90), tick=False)
    good = client.post(
        reverse("accounts:otp_verify") + "?next=/accounts/staff/", {"token": current_code(device)}
    )
    assert good["Location"] == "/accounts/staff/"
    assert client.get(reverse("accounts:staff_list")).status_code == 200


def test_otp_next_parameter_cannot_leave_the_site(world, otp_required):
    device = TOTPDevice.objects.create(user=world.head, name="phone", confirmed=True)
    client = logged_in(world.head)
    good = client.post(
        reverse("accounts:otp_verify") + "?next=https://evil.example/",
        {"token": current_code(device)},
    )
    assert good["Location"] == reverse("core:home")


def test_agents_are_not_forced_into_two_factor(world, otp_required):
    assert logged_in(world.agent_a).get(HOME).status_code == 200


def test_two_factor_is_not_required_when_the_setting_is_off(world, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = False
    assert logged_in(world.head).get(HOME).status_code == 200


def test_user_can_turn_two_factor_off_with_a_code(world):
    device = TOTPDevice.objects.create(user=world.agent_a, name="phone", confirmed=True)
    client = logged_in(world.agent_a)
    client.post(reverse("accounts:otp_disable"), {"token": "000000"})
    assert TOTPDevice.objects.filter(user=world.agent_a).exists()
    device.refresh_from_db()
    device.throttle_reset()
    client.post(reverse("accounts:otp_disable"), {"token": current_code(device)})
    assert not TOTPDevice.objects.filter(user=world.agent_a).exists()


def test_head_resets_a_lost_phone(world, login):
    TOTPDevice.objects.create(user=world.manager, name="phone", confirmed=True)
    head = login(world.head)
    head.post(reverse("accounts:staff_reset_otp", args=[world.manager.pk]))
    assert not TOTPDevice.objects.filter(user=world.manager).exists()
    assert AuditEvent.objects.filter(action="staff.otp_reset").exists()
