"""Rate limit per API token (or per user for session calls), counted in Django's cache.

A fixed window of ``API_RATE_LIMIT = (requests, seconds)``. The counter lives in the default
cache: the per-process memory cache is fine for one app server; with several app servers (or
several gunicorn workers) configure a shared cache (database or Redis ``CACHES``) so the limit
is one limit, not one per process.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from suthra.accounts import ratelimit

DEFAULT_RATE = (120, 60)


def api_rate() -> tuple[int, int]:
    limit, window = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE)
    return int(limit), int(window)


class TokenThrottle(BaseThrottle):
    # No per-request state is kept on the instance: one instance serves every thread.
    def allow_request(self, request: HttpRequest) -> bool:
        limit, window = api_rate()
        api_token: Any = getattr(request, "api_token", None)
        if api_token is not None:
            ident = f"api:token:{api_token.pk}"
        else:
            ident = f"api:user:{getattr(request.user, 'pk', None)}"
        return ratelimit.allow(ident, limit, window)

    def wait(self) -> float | None:
        # Seconds until the current fixed window ends (the same for every caller).
        _, window = api_rate()
        return window - (time.time() % window)
