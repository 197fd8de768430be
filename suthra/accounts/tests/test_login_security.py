"""Login: generic errors, lockout on username + address, rate limits, audit of auth events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from suthra.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_wrong_password_gets_the_generic_message(world, post_login):
    response = post_login("agent_a", "not-the-password")
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    # An unknown username gets the very same answer (no account enumeration).
    unknown = post_login("nobody-here", "not-the-password")
    assert b"correct username and password" in unknown.content


def test_successful_login_rotates_the_session_key_and_is_audited(world, client, password):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = client.post(
        "/accounts/login/", {"username": "agent_a", "password": password}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    event = AuditEvent.objects.get(action="login.success")
    assert event.actor == world.agent_a and event.ip == "10.0.0.9"


def test_failure_and_logout_are_audited_without_the_password(world, client, post_login, password):
    post_login("agent_a", "secret-wrong-guess")
    post_login("agent_a", password)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.1")
    assert actions() == ["login.failure", "login.success", "logout"]
    failure = AuditEvent.objects.get(action="login.failure")
    assert failure.changes == {"username": "agent_a"}
    assert "secret-wrong-guess" not in str(AuditEvent.objects.values_list("changes", flat=True))


def test_lockout_is_per_username_and_address(world, post_login, password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        post_login("agent_a", "wrong-password-1", ip="10.1.1.1")
    locked = post_login("agent_a", password, ip="10.1.1.1")
    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.content
    assert "login.lockout" in actions()
    # The same username from another address (another phone on the carrier NAT) still works,
    assert post_login("agent_a", password, ip="10.2.2.2").status_code == 302
    # and another user behind the locked address is not locked out.
    assert post_login("agent_b", password, ip="10.1.1.1").status_code == 302


def test_locked_out_user_cannot_log_in_even_with_the_right_password_until_head_unlocks(
    world, post_login, password, settings, login
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login("agent_a", "wrong-password-1")
    assert post_login("agent_a", password).status_code == 429
    head = login(world.head)
    detail = head.get(reverse("accounts:staff_detail", args=[world.agent_a.pk]))
    assert b"locked out" in detail.content
    head.post(reverse("accounts:staff_unlock", args=[world.agent_a.pk]))
    head.logout()
    assert post_login("agent_a", password).status_code == 302
    assert AuditEvent.objects.filter(
        action="staff.unlock", object_id=str(world.agent_a.pk)
    ).exists()


def test_lockout_cools_off(world, post_login, password, settings, time_machine):
    time_machine.move_to("2025-11-01 09:00:00+05:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login("agent_a", "wrong-password-1")
    assert post_login("agent_a", password).status_code == 429
    time_machine.move_to("2025-11-01 09:16:00+05:00", tick=False)
    assert post_login("agent_a", password).status_code == 302


def test_login_is_rate_limited_per_address(world, post_login, settings):
    settings.LOGIN_RATE_PER_IP = (3, 600)
    for i in range(3):
        assert post_login(f"user{i}", "whatever-123", ip="10.9.9.9").status_code == 200
    response = post_login("user9", "whatever-123", ip="10.9.9.9")
    assert response.status_code == 429
    assert b"Too many login attempts" in response.content
    assert post_login("user9", "whatever-123", ip="10.9.9.10").status_code == 200


def test_guessing_from_many_addresses_slows_the_username_down(world, post_login, settings):
    settings.LOGIN_RATE_PER_USERNAME = (3, 600)
    for i in range(3):
        post_login("agent_a", "wrong-password-1", ip=f"10.0.{i}.1")
    # Past the limit each address gets one try per window for this username ...
    assert post_login("agent_a", "wrong-password-1", ip="10.0.99.1").status_code == 200
    slowed = post_login("agent_a", "wrong-password-1", ip="10.0.99.1")
    assert slowed.status_code == 429
    assert b"several places" in slowed.content
    # ... and the attacker's addresses that already failed are refused too.
    assert post_login("agent_a", "wrong-password-1", ip="10.0.1.1").status_code == 200
    assert post_login("agent_a", "wrong-password-1", ip="10.0.1.1").status_code == 429


def test_guessing_from_many_addresses_does_not_lock_the_real_user_out(
    world, client, post_login, password, settings
):
    """80 wrong POSTs for one username from 20 addresses (issue 21, finding 5)."""
    settings.LOGIN_RATE_PER_USERNAME = (20, 600)
    for i in range(80):
        post_login("agent_a", f"wrong-password-{i}", ip=f"10.3.{i % 20}.1")
    response = client.post(
        "/accounts/login/",
        {"username": "agent_a", "password": password},
        REMOTE_ADDR="10.200.0.7",
        follow=True,
    )
    assert response.redirect_chain and response.wsgi_request.user == world.agent_a
    # ... and is told what happened.
    assert b"wrong passwords were tried for your username" in response.content


def test_password_reset_is_rate_limited(world, client, settings):
    settings.PASSWORD_RESET_RATE_PER_IP = (2, 3600)
    url = reverse("accounts:password_reset")
    for i in range(2):
        assert client.post(url, {"email": f"x{i}@example.pk"}).status_code == 302
    assert client.post(url, {"email": "x9@example.pk"}).status_code == 429


def test_password_reset_by_email_sets_a_new_password(world, client, mailoutbox):
    world.agent_a.email = "agent.a@example.pk"
    world.agent_a.must_change_password = True
    world.agent_a.save()
    client.post(reverse("accounts:password_reset"), {"email": "agent.a@example.pk"})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret-42", "new_password2": "a-brand-new-secret-42"},
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password("a-brand-new-secret-42")
    assert not world.agent_a.must_change_password


def test_inactive_user_cannot_log_in(world, post_login, password):
    world.agent_a.is_active = False
    world.agent_a.save()
    response = post_login("agent_a", password)
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_argon2_is_the_production_hasher(settings):
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    validators = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "CommonPasswordValidator" in validators
    assert "UserAttributeSimilarityValidator" in validators
    minimum = next(
        v for v in settings.AUTH_PASSWORD_VALIDATORS if v["NAME"].endswith("MinimumLengthValidator")
    )
    assert minimum["OPTIONS"]["min_length"] >= 10
