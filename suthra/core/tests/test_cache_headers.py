"""Personal data is never kept by a cache; the language cookie is SameSite (issue 21, finding 9)."""

import pytest
from django.conf import settings
from django.test import override_settings


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/units/", "/billing/bills/", "/api/v1/me", "/tickets/"])
def test_signed_in_pages_and_api_are_private_no_store(world, login, url):
    response = login(world.manager).get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_anonymous_static_and_the_api_without_a_session(client):
    assert "no-store" not in client.get("/manifest.webmanifest").get("Cache-Control", "")
    assert client.get("/api/v1/me")["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_view_that_sets_its_own_cache_header_keeps_it(world, login):
    response = login(world.agent_a).get("/sw.js")
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.django_db
def test_the_language_cookie_is_samesite_lax_http_only_and_secure_with_secure_cookies(world, login):
    assert settings.LANGUAGE_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE
    with override_settings(LANGUAGE_COOKIE_SECURE=True):
        response = login(world.agent_a).post("/language/", {"language": "ur", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["samesite"] == "Lax" and cookie["httponly"] and cookie["secure"]
