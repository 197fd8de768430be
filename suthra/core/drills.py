"""Fault drills' scaffolding: scratch PostgreSQL databases, ``manage.py`` in a child process, and
a fingerprint (row count and checksum) of every table.

Used by the drill tests (``suthra/core/tests/test_restore_drill.py``,
``suthra/imports/tests/test_worker_killed.py``) and ``bench/restore_drill.py``; production code
never imports it. Knows no domain model: it talks SQL to the database and runs commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
# Tables whose rows hold no data worth comparing (caches, the task queue's bookkeeping).
NOT_FINGERPRINTED = frozenset({"suthra_cache"})


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (same server, user and options)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def scratch_name(url: str, purpose: str) -> str:
    """``<configured database>_<purpose>_<pid>``: suthra_drill_123 in CI, suthra_faults_drill_123
    for an engineer whose DATABASE_URL names suthra_faults; never the database itself."""
    base = database_name(url).removeprefix("test_") or "suthra"
    return f"{base}_{purpose}_{os.getpid()}"[:63]


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def create_database(url: str, name: str) -> str:
    """Create (again) an empty database ``name``; return its URL."""
    drop_database(url, name)
    with _admin(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child ``manage.py``: production settings on ``database_url``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=os.environ.get("SECRET_KEY", "drill-only-secret-key-0123456789-abcdefghij"),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        CACHE_URL="locmem",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(
    *args: str, database_url: str, timeout: float = 600, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py <args>`` in a child process against ``database_url``."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=child_env(database_url, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


_PRIMARY_KEYS = """
SELECT c.relname, array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
WHERE i.indisprimary AND n.nspname = 'public'
GROUP BY c.relname
"""


def sqlite_path(url: str) -> Path:
    """``sqlite:////abs/path.db`` → the file."""
    return Path(urlsplit(url).path[1:] if url.startswith("sqlite:////") else urlsplit(url).path)


def _sqlite_fingerprint(database_url: str) -> dict[str, Any]:
    """The SQLite variant: rows hashed here in rowid order (SQLite has no md5); its
    ``sqlite_sequence`` table holds the autoincrement counters and is fingerprinted too."""
    import hashlib
    import sqlite3

    path = sqlite_path(database_url)
    tables: dict[str, tuple[int, str]] = {}
    if not path.exists():
        return {"tables": tables, "sequences": {}}
    conn = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for name in names:
            if name in NOT_FINGERPRINTED:
                continue
            quoted = '"' + name.replace('"', '""') + '"'
            without_rowid = conn.execute(
                "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE name = ?", [name]
            ).fetchone()[0]
            order = "" if without_rowid else " ORDER BY rowid"
            digest, count = hashlib.md5(usedforsecurity=False), 0
            for row in conn.execute(f"SELECT * FROM {quoted}{order}"):  # noqa: S608
                digest.update(repr(row).encode())
                count += 1
            tables[name] = (count, digest.hexdigest())
    finally:
        conn.close()
    return {"tables": tables, "sequences": {}}


def fingerprint(database_url: str) -> dict[str, Any]:
    """Every table's row count and md5 of its rows as text in primary-key order (computed by
    PostgreSQL), and every sequence's last value: what a restore must give back."""
    if database_url.startswith("sqlite:"):
        return _sqlite_fingerprint(database_url)
    tables: dict[str, tuple[int, str]] = {}
    with psycopg.connect(database_url) as conn:
        keys: dict[str, list[str]] = dict(conn.execute(_PRIMARY_KEYS).fetchall())
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        for name in names:
            if name in NOT_FINGERPRINTED:
                continue
            order = (
                sql.SQL(", ").join([sql.Identifier("t", col) for col in keys[name]])
                if name in keys
                else sql.SQL("t::text")
            )
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {}), '')) "
                "FROM {} AS t"
            ).format(order, sql.Identifier(name))
            count, digest = conn.execute(query).fetchone() or (0, "")
            tables[name] = (int(count), str(digest))
        sequences: dict[str, int | None] = dict(
            conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()
        )
    return {"tables": tables, "sequences": sequences}
