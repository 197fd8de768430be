import pytest
from django.conf import settings
from django.utils import translation

from suthra.testing import TEST_PASSWORD, World, make_world


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


@pytest.fixture(autouse=True)
def _default_language_after_test():
    # A request by a user who works in Urdu leaves Urdu active in this thread (the language
    # middleware activates it, nothing resets it after the response); tests that run later in
    # the same process, outside a request (management commands), would then speak Urdu.
    yield
    translation.activate(settings.LANGUAGE_CODE)
