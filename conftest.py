import pytest

from suthra.core.testing import TEST_PASSWORD, World, make_world


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def login(client):
    """login(user) → the test client logged in as that user (real login through the form)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD
