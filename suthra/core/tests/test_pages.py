import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_login_with_password_then_home_lists_only_own_ucs(client, world, password):
    response = client.post(reverse("accounts:login"), {"username": "agent_a", "password": password})
    assert response.status_code == 302
    page = client.get(reverse("core:home")).content.decode()
    assert "UC-Ravi" in page
    assert "UC-Shalimar" not in page
    assert "UC-Bosan" not in page


@pytest.mark.django_db
def test_wrong_password_gives_generic_error(client, world):
    response = client.post(reverse("accounts:login"), {"username": "agent_a", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.django_db
def test_health(client):
    assert client.get(reverse("core:health")).json() == {"status": "ok"}


@pytest.mark.django_db
def test_admin_only_for_head(login, world):
    assert login(world.manager).get("/admin/").status_code == 302
    assert login(world.head).get("/admin/").status_code == 200
