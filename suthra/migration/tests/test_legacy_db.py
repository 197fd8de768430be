from pathlib import Path

import psycopg
import pytest

from suthra.migration.export import write_export
from suthra.migration.legacy_db import build_database

ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
URL = "postgres://postgres@127.0.0.1:5432/legacy_src_builder"


def test_builder_loads_the_export_with_the_seed_types(tmp_path: Path) -> None:
    try:
        admin = psycopg.connect(ADMIN, autocommit=True)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL")
    with admin:
        admin.execute("DROP DATABASE IF EXISTS legacy_src_builder")
        admin.execute("CREATE DATABASE legacy_src_builder")
    counts = write_export(tmp_path, units=20, months=2)
    build_database(URL, tmp_path)
    with psycopg.connect(URL) as conn:
        assert conn.execute("SELECT count(*) FROM bills").fetchone() == (counts["bills"],)
        months = conn.execute("SELECT DISTINCT bill_month FROM bills ORDER BY 1").fetchall()
        assert months == [("Nov-2025",), ("Oct-2025",)]
        ucs = conn.execute("SELECT assigned_ucs FROM staff WHERE role = 'AGENT' LIMIT 1")
        assert isinstance(ucs.fetchone()[0], list)
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute("DROP DATABASE legacy_src_builder")
