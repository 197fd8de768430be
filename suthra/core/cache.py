"""The cache every process shares: rate limits, lockout counters, two-factor throttles.

``CACHE_URL`` picks it (``config/settings.py``):

- ``redis://host:6379/0`` — Redis, shared by every web process and worker (production with more
  than one process; Redis runs at 127.0.0.1:6379 on the development and CI machines);
- ``db`` — the database cache table (``manage.py createcachetable``; ``make run`` creates it):
  shared too, with no extra service;
- empty — each process's own memory (one-process development only: with two gunicorn workers a
  limit of 20 lets 40 through).

``TolerantRedisCache`` keeps the site up when Redis is down: a failed cache call is logged and
answers as an empty cache would (``get`` → default, ``add`` → stored, ``incr`` → 1), so rate limits
*fail open* for the seconds or minutes Redis is away — the lockout by username + address lives in
the database (django-axes) and still holds — and no page turns into a 500. Redis is asked with a
short socket timeout so a dead server costs milliseconds, not a hung request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("suthra.cache")

try:  # the client library is a dependency; the guard keeps imports of this module cheap
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[assignment,misc]

_ERRORS = (RedisError, OSError)


class TolerantRedisCache(RedisCache):
    def _fallback(self, op: str, exc: Exception) -> None:
        log.warning("cache %s failed (%s); answering as an empty cache", op, type(exc).__name__)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _ERRORS as exc:
            self._fallback("get", exc)
            return default

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except _ERRORS as exc:
            self._fallback("add", exc)
            return True

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _ERRORS as exc:
            self._fallback("set", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return int(super().incr(key, delta, version))
        except _ERRORS as exc:
            self._fallback("incr", exc)
            return delta

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except _ERRORS as exc:
            self._fallback("delete", exc)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return dict(super().get_many(keys, version))
        except _ERRORS as exc:
            self._fallback("get_many", exc)
            return {}

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:
        try:
            return list(super().set_many(data, timeout, version))
        except _ERRORS as exc:
            self._fallback("set_many", exc)
            return []

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except _ERRORS as exc:
            self._fallback("delete_many", exc)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return bool(super().has_key(key, version))
        except _ERRORS as exc:
            self._fallback("has_key", exc)
            return False

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return bool(super().touch(key, timeout, version))
        except _ERRORS as exc:
            self._fallback("touch", exc)
            return False

    def clear(self) -> None:
        try:
            super().clear()
        except _ERRORS as exc:
            self._fallback("clear", exc)
