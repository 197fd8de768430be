"""An empty PostgreSQL database for the old system's tables (the --from-database path).

The old database is always PostgreSQL (Supabase); the target is whatever the suite runs on, so
these tests run on SQLite too, and are skipped only when no PostgreSQL server answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

SERVER = "postgres://postgres@127.0.0.1:5432"


@pytest.fixture
def legacy_url() -> Iterator[str]:
    try:
        admin = psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server for the old database")
    name = f"suthra_legacyh_src_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
