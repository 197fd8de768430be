"""make run's demo (DEBUG on) shows the project's error pages, not a traceback (issue 19)."""

import pytest


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.FRIENDLY_ERRORS_IN_DEBUG = True


@pytest.mark.django_db
def test_an_unknown_address_gets_the_friendly_404(debug, world, login):
    response = login(world.agent_a).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Django tried these URL patterns" not in html and "Traceback" not in html
    assert "<html" in html


@pytest.mark.django_db
def test_a_missing_object_and_a_bad_filter_get_friendly_pages(debug, world, login):
    client = login(world.agent_a)
    missing = client.get("/units/999999/")
    assert missing.status_code == 404 and "Traceback" not in missing.content.decode()
    bad = client.get("/billing/bills/?status=nonsense&uc=abc")
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Traceback" not in html and "<html" in html


@pytest.mark.django_db
def test_switched_off_it_leaves_django_debug_pages(settings, world, login):
    settings.DEBUG = True
    settings.FRIENDLY_ERRORS_IN_DEBUG = False
    response = login(world.agent_a).get("/no-such-page/")
    assert b"Django tried these URL patterns" in response.content
