import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def post_login(client):
    """post_login(username, password, ip=...) → the response of the real login form."""

    def _post(username, password, ip="10.0.0.1", **extra):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=ip,
            **extra,
        )

    return _post
