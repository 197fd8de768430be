"""Authentication (token and session), CSRF, rate limits and the JSON error format."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client, override_settings

from suthra.api.models import ApiToken
from suthra.api.services import token_create, token_revoke
from suthra.api.tests.conftest import ApiClient
from suthra.testing import make_unit

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_acts_as_its_user(world, api):
    token, raw = token_create(user=world.agent_a, name="phone")
    assert raw.startswith("sp_") and len(raw) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (row.prefix, row.key_hash, row.name)
    response = ApiClient(raw).get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "agent_a"
    assert [uc["id"] for uc in body["ucs"]] == [world.uc_a.pk]
    assert body["token"] == row.prefix
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sp_not-a-real-token",
        "Bearer ",
        "Token abc",
        "Basic Zm9vOmJhcg==",
        "Bearer " + "x" * 500,
    ],
)
def test_bad_tokens_are_401_with_json(world, client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(world):
    token, raw = token_create(user=world.agent_a, name="phone")
    assert ApiClient(raw).get("/me").status_code == 200
    token_revoke(actor=world.agent_a, token=token)
    assert ApiClient(raw).get("/me").status_code == 401


def test_token_of_deactivated_user_stops_working(world):
    _token, raw = token_create(user=world.agent_a, name="phone")
    world.agent_a.is_active = False
    world.agent_a.save()
    assert ApiClient(raw).get("/me").status_code == 401


def test_session_auth_reads_without_token(world, login):
    client = login(world.agent_a)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["token"] is None


def test_session_write_needs_csrf_token(world):
    unit = make_unit(world.uc_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.agent_a)
    payload = {"unit_id": unit.pk, "type": 9, "description": "x"}
    refused = client.post("/api/v1/tickets", payload, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    # The site's htmx calls send the token from the page in X-CSRFToken.
    client.get("/api-tokens/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    ok = client.post(
        "/api/v1/tickets", payload, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert ok.status_code == 201, ok.content


def test_token_write_needs_no_csrf(world):
    unit = make_unit(world.uc_a)
    _t, raw = token_create(user=world.agent_a, name="phone")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/tickets",
        {"unit_id": unit.pk, "type": 9, "description": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201


def test_anonymous_post_is_401_not_csrf_403(world, client):
    response = client.post("/api/v1/tickets", {}, content_type="application/json")
    assert response.status_code == 401


@override_settings(API_RATE_LIMIT=(3, 60))
def test_rate_limit_per_token(world):
    _t, raw_a = token_create(user=world.agent_a, name="one")
    _t, raw_b = token_create(user=world.agent_a, name="two")
    first = ApiClient(raw_a)
    assert [first.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/me")
    assert limited.status_code == 429
    assert limited.json()["detail"]
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another token (even of the same user) has its own budget.
    assert ApiClient(raw_b).get("/me").status_code == 200


def test_invalid_query_is_422_with_field_errors(world, api):
    response = api(world.agent_a).get("/units", {"uc": world.uc_a.pk, "size": "7"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Some fields are not valid."
    assert [e["field"] for e in body["errors"]] == ["size"]
    assert body["errors"][0]["loc"] == ["query", "size"]


def test_invalid_json_body_names_the_field(world, api):
    unit = make_unit(world.uc_a)
    response = api(world.agent_a).post("/tickets", {"unit_id": unit.pk, "type": 7})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"type", "description"} <= fields


def test_garbled_cursor_is_400(world, api):
    response = api(world.agent_a).get("/bills", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


def test_unknown_object_is_json_404(world, api):
    response = api(world.head).get("/units/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": []}
