"""The API tokens pages: create (shown once), list, revoke; HEAD sees and revokes everyone's."""

from __future__ import annotations

import pytest

from suthra.api.models import ApiToken
from suthra.api.services import token_create
from suthra.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_create_shows_the_token_once(world, login):
    client = login(world.agent_a)
    response = client.post("/api-tokens/", {"name": "Samsung A10"})
    assert response.status_code == 200
    raw = response.context["created"]["raw"]
    assert raw.encode() in response.content
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=world.agent_a)
    assert token.name == "Samsung A10"
    # Listed afterwards by its prefix only.
    again = client.get("/api-tokens/")
    assert raw.encode() not in again.content
    assert token.prefix.encode() in again.content
    assert AuditEvent.objects.filter(action="apitoken.create", object_id=str(token.pk)).exists()


def test_blank_name_is_refused(world, login):
    response = login(world.agent_a).post("/api-tokens/", {"name": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_user_lists_only_own_tokens(world, login):
    token_create(user=world.agent_b, name="other-phone")
    mine, _ = token_create(user=world.agent_a, name="my-phone")
    response = login(world.agent_a).get("/api-tokens/")
    assert list(response.context["tokens"]) == [mine]


def test_owner_revokes_own_token(world, login):
    token, _ = token_create(user=world.agent_a, name="phone")
    response = login(world.agent_a).post(f"/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.agent_a
    assert AuditEvent.objects.filter(action="apitoken.revoke", object_id=str(token.pk)).exists()


@pytest.mark.parametrize("username", ["agent_b", "supervisor", "manager"])
def test_others_cannot_revoke_or_see_a_token(world, login, username):
    token, _ = token_create(user=world.agent_a, name="phone")
    response = login(world.users[username]).post(f"/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_head_lists_and_revokes_everyones_tokens(world, login):
    token, _ = token_create(user=world.agent_a, name="phone")
    client = login(world.head)
    listing = client.get("/api-tokens/all/")
    assert listing.status_code == 200
    assert token in list(listing.context["tokens"])
    response = client.post(f"/api-tokens/{token.pk}/revoke/", {"next": "all"})
    assert response.status_code == 302 and response["Location"] == "/api-tokens/all/"
    token.refresh_from_db()
    assert token.revoked_by == world.head


@pytest.mark.parametrize("username", ["agent_a", "supervisor", "manager"])
def test_only_head_sees_all_tokens(world, login, username):
    assert login(world.users[username]).get("/api-tokens/all/").status_code == 403


def test_get_cannot_revoke(world, login):
    token, _ = token_create(user=world.agent_a, name="phone")
    assert login(world.agent_a).get(f"/api-tokens/{token.pk}/revoke/").status_code == 405
