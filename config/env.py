"""Typed environment helpers: every setting comes from the environment and a bad value fails loudly.

A value can also come from a file named by ``<NAME>_FILE`` (Docker/systemd secrets).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class ImproperEnv(ValueError):
    """Raised at start-up when an environment variable has a value we cannot use."""


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperEnv(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str | None = None) -> str:
    value = _raw(name)
    if value is None or value == "":
        if default is None:
            raise ImproperEnv(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperEnv(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperEnv(f"{name}={value!r} is not a whole number") from exc
    if minimum is not None and number < minimum:
        raise ImproperEnv(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


def caches_from_url(url: str) -> dict[str, dict[str, Any]]:
    """The ``CACHES`` setting for ``CACHE_URL``."""
    url = url.strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "default": {
                "BACKEND": "suthra.core.cache.TolerantRedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "suthra",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
    if url == "db":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "suthra_cache",
            }
        }
    if url in ("", "locmem"):
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    raise ValueError(f"CACHE_URL must be redis://…, db or empty, not {url!r}")
