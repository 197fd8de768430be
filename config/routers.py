"""Read-replica routing: reports and exports read from a PostgreSQL replica when one is set.

With ``DATABASE_REPLICA_URL`` set, settings add a ``"replica"`` database and this router. Reads go
to the replica only inside ``replica_reads()`` — the request-id middleware opens it for GET
requests to the report and export pages (``REPLICA_URL_NAMESPACES``), and long exports in the
worker may open it themselves. Everything else, and every write, stays on the primary: a
replica lags by a moment, and a page that shows what the user just saved must not read from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connections

REPLICA = "replica"
_use_replica: ContextVar[bool] = ContextVar("suthra_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[str]:
    """Route reads inside the block to the replica (when configured); yields the alias used."""
    token = _use_replica.set(True)
    try:
        yield REPLICA if replica_configured() else "default"
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    """Django database router: the primary for writes and migrations; the replica on request."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _use_replica.get() and replica_configured():
            return REPLICA
        return None  # the default database

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # Migrations run on the primary and reach the replica by replication.
        return db != REPLICA
