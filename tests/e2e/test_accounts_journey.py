"""Browser journeys for accounts: a phone login that sees only its UCs and is logged out after
idling; HEAD adding an agent with the city → UC dependent select; a forced password change."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from suthra.accounts.models import Staff
from suthra.testing import TEST_PASSWORD


def log_in(page, user, password: str = TEST_PASSWORD) -> None:
    """The real login form (the header has other submit buttons, so aim at the form's own)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def age_session(page, seconds: int) -> None:
    """Pretend the browser has been idle for ``seconds`` (rather than sleeping in the test)."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=cookie["value"])
    session["_last_seen"] = time.time() - seconds
    session.save()


@pytest.mark.django_db(transaction=True)
def test_agent_on_a_phone_sees_own_ucs_and_is_logged_out_after_idling(phone, world, screenshot):
    log_in(phone, world.agent_a)
    expect(phone.locator(".my-ucs")).to_contain_text("UC-Ravi")
    expect(phone.locator(".my-ucs")).not_to_contain_text("UC-Shalimar")
    expect(phone.locator(".my-ucs")).not_to_contain_text("UC-Bosan")
    # The staff manager is not theirs.
    response = phone.goto("/accounts/staff/")
    assert response is not None and response.status == 403
    phone.goto("/")
    age_session(phone, settings.SESSION_IDLE_SECONDS + 60)
    phone.reload()
    expect(phone).to_have_url("/accounts/login/?next=%2F")
    expect(phone.locator(".messages")).to_contain_text("without activity")
    screenshot(phone, "login-after-idle")
    # Logging in again lands back where they were.
    phone.fill("#id_username", world.agent_a.username)
    phone.fill("#id_password", TEST_PASSWORD)
    phone.click("main form button[type=submit]")
    expect(phone.locator(".my-ucs")).to_contain_text("UC-Ravi")


@pytest.mark.django_db(transaction=True)
def test_head_adds_an_agent_choosing_ucs_of_a_city_on_a_phone(phone, world, screenshot):
    log_in(phone, world.head)
    phone.goto("/accounts/staff/")
    expect(phone.locator("h1")).to_contain_text("Staff")
    phone.click("text=Add a staff member")
    phone.fill("#id_username", "bilal")
    phone.fill("#id_full_name", "Bilal Ahmed")
    phone.select_option("#id_role", "AGENT")
    phone.select_option("#id_city", str(world.multan.pk))
    # htmx swaps in the union councils of Multan only.
    expect(phone.locator("#uc-options")).to_contain_text("UC-Bosan")
    expect(phone.locator("#uc-options")).not_to_contain_text("UC-Ravi")
    phone.check(f"#uc-options input[value='{world.uc_c.pk}']")
    phone.fill("#id_password", "first-day-password-7")
    screenshot(phone, "staff-create")
    phone.click("form.staff-form button[type=submit]")
    expect(phone.locator("h1")).to_contain_text("Bilal Ahmed")
    expect(phone.locator(".facts")).to_contain_text("UC-Bosan")
    staff = Staff.objects.get(username="bilal")
    assert [uc.name for uc in staff.ucs.all()] == ["UC-Bosan"]
    screenshot(phone, "staff-detail")
    phone.goto("/accounts/audit/")
    expect(phone.locator(".audit-table")).to_contain_text("staff.create")
    screenshot(phone, "audit-log")


@pytest.mark.django_db(transaction=True)
def test_a_reset_password_must_be_replaced_at_next_login(phone, world):
    world.agent_b.set_password("temporary-pass-2025")
    world.agent_b.must_change_password = True
    world.agent_b.save()
    log_in(phone, world.agent_b, password="temporary-pass-2025")
    expect(phone).to_have_url("/accounts/password/")
    phone.goto("/units/")
    expect(phone).to_have_url("/accounts/password/")
    phone.fill("#id_old_password", "temporary-pass-2025")
    phone.fill("#id_new_password1", "my-own-phrase-for-work")
    phone.fill("#id_new_password2", "my-own-phrase-for-work")
    phone.click("main form button[type=submit]")
    expect(phone.locator(".my-ucs")).to_contain_text("UC-Shalimar")


@pytest.mark.django_db(transaction=True)
def test_manager_enrols_two_factor_on_a_phone_when_required(phone, world, settings, screenshot):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_REQUIRED_FOR_ADMINS = True
    log_in(phone, world.manager)
    expect(phone).to_have_url("/accounts/two-factor/?next=%2F")
    qr = phone.locator("img.otp-qr")
    expect(qr).to_be_visible()
    assert phone.evaluate("document.querySelector('img.otp-qr').naturalWidth") > 0  # CSP let it in
    screenshot(phone, "two-factor-setup")
    device = TOTPDevice.objects.get(user=world.manager)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    phone.fill("#id_token", f"{code:06d}")
    phone.click("main form button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("Two-factor sign-in is on")
    expect(phone.locator("h1")).to_contain_text("Welcome")
