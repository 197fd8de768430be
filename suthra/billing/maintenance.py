"""Keeping the bills table's two B-tree indexes tight as months arrive (issue 20).

A month's bills land in the middle of every leaf of both indexes — random e-Pay PSIDs in the
primary key, one new month per unit in (unit, month) — and the payments that follow update
most of them. Leaves split half-full, so after a year of monthly loads each index is ~1.3–1.5×
its built size. After an import that wrote a sizeable share of the table, the import's last
step (outside its transaction, on PostgreSQL) vacuums the table (plain ``VACUUM (ANALYZE)``:
the dead row versions the payments left are reusable by the next month at once, whatever
autovacuum's schedule) and rebuilds both indexes with ``REINDEX INDEX CONCURRENTLY``:
reads and writes go on meanwhile, the rebuilt index is packed at the default fill factor (90 %),
whose free 10 % takes the next month's keys without splitting. It is best effort: a failure is
logged and the import stays done. See docs/PERFORMANCE.md for the figures.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

BILL_INDEXES = ("billing_bill_pkey", "bill_one_per_unit_month")
# Rebuild after an import that wrote at least this many bills and this share of the table.
REINDEX_MIN_ROWS = 5_000
REINDEX_MIN_SHARE = 0.02


def reindex_after_load(rows: int) -> dict[str, float]:
    """Rebuild the bill indexes when ``rows`` written is a sizeable share; {index: seconds}."""
    if connection.vendor != "postgresql" or connection.in_atomic_block or rows < REINDEX_MIN_ROWS:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'billing_bill'")
        row = cursor.fetchone()
        total = max(float(row[0]) if row else 0.0, 1.0)
        if rows < total * REINDEX_MIN_SHARE:
            return {}
        done: dict[str, float] = {}
        if not settings.BILL_MAINTENANCE:
            return done
        t = time.monotonic()
        cursor.execute("VACUUM (ANALYZE) billing_bill")
        done["vacuum"] = round(time.monotonic() - t, 2)
        for name in BILL_INDEXES if settings.BILL_REINDEX else ():
            t = time.monotonic()
            try:
                # Names are this module's constants, never input.
                cursor.execute(f"REINDEX INDEX CONCURRENTLY {name}")
            except Exception:  # best effort: the import itself is done
                log.exception("REINDEX of %s failed", name)
                _drop_leftovers(cursor, name)
                continue
            done[name] = round(time.monotonic() - t, 2)
    log.info("bill indexes rebuilt after %s rows: %s", rows, done)
    return done


def _drop_leftovers(cursor, name: str) -> None:
    """A failed concurrent rebuild leaves an invalid ``<name>_ccnew`` index: drop it."""
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE NOT i.indisvalid AND c.relname LIKE %s",
        [f"{name}_ccnew%"],
    )
    for (leftover,) in cursor.fetchall():
        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{leftover}"')
