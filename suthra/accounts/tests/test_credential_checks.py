"""Every credential check is limited and audited (issue 21, finding 6)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from suthra.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.force_login(user)
    return client


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_admin_login_goes_through_the_staff_login(client):
    response = client.get("/admin/login/?next=/admin/billing/bill/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fbilling%2Fbill%2F"
    # A password posted to the admin's own form never reaches a check.
    posted = client.post("/admin/login/", {"username": "head", "password": "x"})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")


def test_wrong_current_passwords_are_audited_and_end_the_session(world):
    client = logged_in(world.agent_a)
    url = reverse("accounts:password_change")
    data = {
        "old_password": "wrong",
        "new_password1": "a-new-secret-42",
        "new_password2": "a-new-secret-42",
    }
    for _ in range(4):
        assert client.post(url, data).status_code == 200
    last = client.post(url, data)
    assert last.status_code == 302 and last["Location"] == reverse("accounts:login")
    assert AuditEvent.objects.filter(action="password.change_failure").count() == 5
    # Signed out: further guesses need the login form (and its limits).
    assert client.get(url).status_code == 302
    world.agent_a.refresh_from_db()
    assert not world.agent_a.check_password("a-new-secret-42")


def test_wrong_two_factor_codes_end_the_guessing_session_not_the_real_users_code(world, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    device = TOTPDevice.objects.create(user=world.head, name="phone", confirmed=True)
    guesser = logged_in(world.head)
    url = reverse("accounts:otp_verify")
    for _ in range(5):
        device.throttle_reset()
        assert guesser.post(url, {"token": "000000"}).status_code == 200
    ended = guesser.post(url, {"token": "000000"})
    assert ended["Location"] == reverse("accounts:login")
    assert AuditEvent.objects.filter(action="otp.too_many").exists()
    # The real user, in their own session, is not blocked.
    device.refresh_from_db()
    device.throttle_reset()
    real = logged_in(world.head)
    assert real.post(url, {"token": code(device)}).status_code == 302


def test_a_pending_enrolment_secret_is_never_shown_twice(world, settings):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    client = logged_in(world.manager)
    client.get(reverse("accounts:otp_setup"))
    first = TOTPDevice.objects.get(user=world.manager, confirmed=False).key
    client.get(reverse("accounts:otp_setup"))
    pending = TOTPDevice.objects.filter(user=world.manager, confirmed=False)
    assert pending.count() == 1 and pending.get().key != first
