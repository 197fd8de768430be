"""A small fixed-window rate limiter on Django's cache (login and password-reset endpoints).

With several server processes, configure a shared cache (``CACHES``) for exact limits; with the
default per-process memory cache each process counts on its own, which still caps guessing.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(name: str, window: int) -> str:
    # Hash the identifier: usernames and addresses may hold characters a cache key must not.
    digest = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]
    return f"rl:{digest}:{int(time.time()) // window}"


def allow(name: str, limit: int, window: int) -> bool:
    """Count one hit for ``name``; False once more than ``limit`` hits fell in this window."""
    key = _key(name, window)
    if cache.add(key, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        return True
    return count <= limit


def hits(name: str, window: int) -> int:
    """How many hits ``name`` has in this window, without counting one."""
    value = cache.get(_key(name, window))
    return int(value) if value else 0


def hit(name: str, window: int) -> int:
    """Count one hit for ``name`` (no limit); the count in this window."""
    key = _key(name, window)
    if cache.add(key, 1, timeout=window + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, timeout=window + 5)
        return 1
