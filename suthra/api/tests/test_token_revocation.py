"""Every way of ending a user's access ends their API tokens too (issue 21, finding 2).

A lost phone holds a session and a token: "End sessions", a head-office password reset, the
owner's password change (form or email link), the forced-change flag, a two-factor reset and
deactivation must each stop the token.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from suthra.accounts import services as accounts
from suthra.api.models import ApiToken
from suthra.api.services import token_create
from suthra.api.tests.conftest import ApiClient
from suthra.core.models import AuditEvent
from suthra.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _token(user) -> ApiClient:
    _row, raw = token_create(user=user, name="phone")
    client = ApiClient(raw)
    assert client.get("/me").status_code == 200
    return client


def _revoked_by_reason(reason: str) -> bool:
    return AuditEvent.objects.filter(action="apitoken.revoke", changes__reason=reason).exists()


def test_end_sessions_revokes_tokens(world):
    phone = _token(world.agent_a)
    accounts.staff_end_sessions(actor=world.head, staff=world.agent_a)
    assert phone.get("/me").status_code == 401
    row = ApiToken.objects.get(user=world.agent_a)
    assert row.revoked_at is not None and row.revoked_by == world.head
    assert _revoked_by_reason("sessions_end")


def test_head_password_reset_revokes_tokens(world):
    phone = _token(world.agent_a)
    accounts.staff_reset_password(
        actor=world.head, staff=world.agent_a, password="temporary-pass-2025"
    )
    assert phone.get("/me").status_code == 401
    assert _revoked_by_reason("password_reset")


def test_deactivation_and_otp_reset_revoke_tokens(world):
    phone = _token(world.agent_a)
    accounts.staff_reset_otp(actor=world.head, staff=world.agent_a)
    assert phone.get("/me").status_code == 401
    phone = _token(world.agent_a)
    accounts.staff_set_active(actor=world.head, staff=world.agent_a, active=False)
    accounts.staff_set_active(actor=world.head, staff=world.agent_a, active=True)
    # Reactivating does not bring the old token back.
    assert phone.get("/me").status_code == 401
    assert _revoked_by_reason("deactivate") and _revoked_by_reason("otp_reset")


def test_forced_change_flag_suspends_tokens(world):
    phone = _token(world.agent_a)
    world.agent_a.must_change_password = True
    world.agent_a.save(update_fields=["must_change_password"])
    assert phone.get("/me").status_code == 401


def test_owner_password_change_revokes_tokens_and_keeps_this_session(world):
    phone = _token(world.agent_a)
    browser = Client()
    assert (
        browser.post(
            reverse("accounts:login"), {"username": "agent_a", "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    other = Client()
    other.post(reverse("accounts:login"), {"username": "agent_a", "password": TEST_PASSWORD})
    changed = browser.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "my-own-secret-words-7",
            "new_password2": "my-own-secret-words-7",
        },
    )
    assert changed.status_code == 302
    assert phone.get("/me").status_code == 401
    assert browser.get(reverse("core:home")).status_code == 200
    assert other.get(reverse("core:home")).status_code == 302
    assert _revoked_by_reason("password_change")
    # The session that changed the password is still known, so "End sessions" reaches it.
    accounts.staff_end_sessions(actor=world.head, staff=world.agent_a)
    assert browser.get(reverse("core:home")).status_code == 302


def test_password_reset_by_email_revokes_tokens(world):
    phone = _token(world.agent_a)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(world.agent_a.pk))
    token = default_token_generator.make_token(world.agent_a)
    start = client.get(
        reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    )
    assert start.status_code == 302
    done = client.post(
        start["Location"],
        {"new_password1": "my-own-secret-words-7", "new_password2": "my-own-secret-words-7"},
    )
    assert done.status_code == 302
    assert phone.get("/me").status_code == 401
