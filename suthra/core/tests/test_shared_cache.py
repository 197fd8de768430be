"""The shared cache: counted once across processes in Redis; the site keeps serving without it."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from config.env import caches_from_url
from suthra.accounts import ratelimit
from suthra.core.cache import TolerantRedisCache

REDIS = "redis://127.0.0.1:6379/15"
DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def fresh(url: str) -> TolerantRedisCache:
    """A cache object of its own — what a second gunicorn worker holds."""
    options = caches_from_url(url)["default"]
    params = {"OPTIONS": options["OPTIONS"], "KEY_PREFIX": options["KEY_PREFIX"]}
    return TolerantRedisCache(options["LOCATION"], params)


def test_cache_url_chooses_the_backend():
    assert caches_from_url("")["default"]["BACKEND"].endswith("LocMemCache")
    assert caches_from_url("db")["default"]["BACKEND"].endswith("DatabaseCache")
    assert caches_from_url(REDIS)["default"]["BACKEND"] == "suthra.core.cache.TolerantRedisCache"
    with pytest.raises(ValueError, match="CACHE_URL"):
        caches_from_url("memcached://x")


@pytest.mark.skipif(not redis_up(), reason="Redis is not running at 127.0.0.1:6379")
def test_two_processes_count_one_limit_in_redis():
    name = f"test:{uuid.uuid4()}"
    with override_settings(CACHES=caches_from_url(REDIS)):
        caches["default"].close()
        results = [ratelimit.allow(name, 3, 60) for _ in range(2)]
        # The "other worker" counts on in the same Redis key.
        other = fresh(REDIS)
        key = ratelimit._key(name, 60)
        assert other.get(key) == 2
        other.incr(key)
        results.append(ratelimit.allow(name, 3, 60))
        assert results == [True, True, False]


@pytest.mark.django_db
def test_with_redis_down_the_login_still_works_and_answers_fast(world, client, password):
    with override_settings(CACHES=caches_from_url(DEAD)):
        caches["default"].close()
        started = time.monotonic()
        assert ratelimit.allow("anyone", 1, 60) is True
        response = client.post(
            "/accounts/login/", {"username": "agent_a", "password": password}, follow=True
        )
        assert response.status_code == 200 and response.wsgi_request.user == world.agent_a
        assert time.monotonic() - started < 10
    caches["default"].close()
