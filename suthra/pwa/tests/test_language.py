import pytest
from django.conf import settings

from suthra.accounts.models import Staff


@pytest.mark.django_db
def test_pages_follow_the_language_saved_on_the_profile(world, login):
    world.agent_a.language = "ur"
    world.agent_a.save()
    html = login(world.agent_a).get("/").content.decode()
    assert '<html lang="ur" dir="rtl">' in html
    assert "fonts/urdu.css" in html


@pytest.mark.django_db
def test_english_pages_can_show_urdu_letters_and_need_no_emoji_font(world, login, client):
    """Urdu names and the language switch showed as boxes on English pages (issue 19): the
    font face is declared everywhere (downloaded only when Urdu letters appear), preloaded
    only on Urdu pages, and the icons are drawn, not emoji."""
    html = login(world.agent_a).get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "fonts/urdu.css" in html and 'rel="preload" as="font"' not in html
    assert "🌐" not in html and "⏳" not in html and '<svg class="icon"' in html
    offline = client.get("/offline/").content.decode()
    assert "fonts/urdu.css" in offline and "🌐" not in offline
    worker = client.get("/sw.js").content.decode()
    assert "fonts/urdu.css" in worker and "noto-naskh-arabic-arabic-400-normal.woff2" in worker


@pytest.mark.django_db
def test_switching_language_saves_profile_and_cookie(world, login):
    client = login(world.agent_a)
    response = client.post("/language/", {"language": "ur", "next": "/offline/queue/"})
    assert response.status_code == 302
    assert response["Location"] == "/offline/queue/"
    assert Staff.objects.get(pk=world.agent_a.pk).language == "ur"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    # The profile wins over a cookie from an earlier visitor on the same phone.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="ur"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_switching_language_refuses_an_outside_next(world, login):
    response = login(world.agent_a).post(
        "/language/", {"language": "ur", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


@pytest.mark.django_db
def test_unknown_language_changes_nothing(world, login):
    login(world.agent_a).post("/language/", {"language": "xx", "next": "/"})
    assert Staff.objects.get(pk=world.agent_a.pk).language == "en"


@pytest.mark.django_db
def test_visitor_language_is_kept_in_a_cookie_only(client, world):
    response = client.post("/language/", {"language": "ur", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="ur" dir="rtl"' in html


def test_language_switch_needs_post(client):
    assert client.get("/language/").status_code == 405


def test_urdu_dates_are_day_first_with_urdu_month_names():
    import datetime as dt

    from django.utils import formats, translation

    with translation.override("ur"):
        assert formats.date_format(dt.date(2026, 11, 25)) == "25 نومبر 2026"
        assert formats.number_format(1234567, force_grouping=True) == "1,234,567"
    with translation.override("en"):
        assert formats.date_format(dt.date(2026, 11, 25)) == "Nov. 25, 2026"
