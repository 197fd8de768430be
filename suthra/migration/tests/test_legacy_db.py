from pathlib import Path

import psycopg

from suthra.migration.export import write_export
from suthra.migration.legacy_db import build_database


def test_builder_loads_the_export_with_the_seed_types(tmp_path: Path, legacy_url: str) -> None:
    counts = write_export(tmp_path, units=20, months=2)
    build_database(legacy_url, tmp_path)
    with psycopg.connect(legacy_url) as conn:
        assert conn.execute("SELECT count(*) FROM bills").fetchone() == (counts["bills"],)
        months = conn.execute("SELECT DISTINCT bill_month FROM bills ORDER BY 1").fetchall()
        assert months == [("Nov-2025",), ("Oct-2025",)]
        ucs = conn.execute("SELECT assigned_ucs FROM staff WHERE role = 'AGENT' LIMIT 1")
        assert isinstance(ucs.fetchone()[0], list)
