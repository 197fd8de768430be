import pytest
from django.core.cache import cache
from django.test import Client

from suthra.api.services import token_create


class ApiClient:
    """A test client that sends an API token on every request, and decodes JSON."""

    def __init__(self, raw: str):
        self.raw = raw
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, data=None, **extra):
        return self.client.get(_url(path), data or {}, headers=self.headers, **extra)

    def post(self, path: str, data=None, *, json: bool = True, **extra):
        if json:
            return self.client.post(
                _url(path), data or {}, content_type="application/json", headers=self.headers
            )
        return self.client.post(_url(path), data or {}, headers=self.headers, **extra)


def _url(path: str) -> str:
    return path if path.startswith("/api/") else "/api/v1" + path


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; one test's requests must not count in the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """api(user) → an ApiClient with a fresh token of that user."""

    def _api(user) -> ApiClient:
        _token, raw = token_create(user=user, name="test")
        return ApiClient(raw)

    return _api
