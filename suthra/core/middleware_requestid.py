"""Request ids and structured (JSON) logs.

Every request gets an id — the reverse proxy's ``X-Request-ID`` when it sends a sane one, else a
new one — returned in the ``X-Request-ID`` response header and attached to every log record
written while the request runs, so one line in the proxy log leads to the application's lines
and to the error page the user saw. One access line per request records method, path (never the
query string: it holds searched names, mobiles and PSIDs), status, duration and user id.

The middleware also opens ``replica_reads()`` (config/routers.py) for GET requests to the
report and export pages when a read replica is configured.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.routers import replica_configured, replica_reads

request_id_var: ContextVar[str] = ContextVar("suthra_request_id", default="-")
access_log = logging.getLogger("suthra.request")
# What we accept from a proxy: a short token (nginx's $request_id is 32 hex digits).
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# URL namespaces whose GET requests may read from the replica.
REPLICA_URL_NAMESPACES = frozenset({"reports", "exports"})
# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged too.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    """Put first in MIDDLEWARE so that every later log line carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            if request.method == "GET" and replica_configured():
                # Routed by URL namespace; resolved here because process_view runs too late to
                # wrap the whole view call in a context manager.
                from django.urls import Resolver404, resolve

                try:
                    namespace = resolve(request.path_info).namespace
                except Resolver404:
                    namespace = ""
                if namespace in REPLICA_URL_NAMESPACES:
                    with replica_reads():
                        response = self.get_response(request)
                else:
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _record_request_id(record: logging.LogRecord) -> str:
    # django.request logs 4xx/5xx after the middleware returned, with the request attached.
    request = getattr(record, "request", None)
    return getattr(request, "request_id", None) or request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request: the worker, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _record_request_id(record)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _record_request_id(record),
        }
        for key, value in record.__dict__.items():
            # ``request`` (django.request's extra) would print the query string: left out.
            if key not in _STANDARD and key != "request" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
