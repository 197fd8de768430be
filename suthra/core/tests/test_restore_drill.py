"""Backup → restore drill (issue 21): the real commands in child processes against a scratch
database that is dropped and created again (empty) between backup and restore — a PostgreSQL
database on a PostgreSQL run, an SQLite file otherwise."""

import json
import os
import shutil
from types import SimpleNamespace

import pytest

from suthra.core import drills

BASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = BASE_URL.startswith(("postgres://", "postgresql://"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(POSTGRES and not shutil.which("pg_dump"), reason="no pg_dump"),
]


@pytest.fixture
def scratch(tmp_path):
    if POSTGRES:
        name = drills.scratch_name(BASE_URL, "drill")
        url = drills.create_database(BASE_URL, name)
        yield SimpleNamespace(url=url, recreate=lambda: drills.create_database(BASE_URL, name))
        drills.drop_database(BASE_URL, name)
        return
    path = tmp_path / "drill.sqlite3"

    def recreate():
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    yield SimpleNamespace(url=f"sqlite:///{path}", recreate=recreate)


def test_backup_drop_restore_gives_back_every_table_and_the_ledgers_check(scratch, tmp_path):
    url = scratch.url
    env = {"MEDIA_ROOT": str(tmp_path / "media"), "BACKUP_DIR": str(tmp_path / "backups")}
    drills.manage("migrate", "--noinput", database_url=url, **env)
    seeded = drills.manage(
        "shell",
        "-c",
        "from suthra.demo.drill import seed; print(seed(units=300, months=6))",
        database_url=url,
        **env,
    )
    assert "'approved': 3" in seeded.stdout and "'pending': 1" in seeded.stdout
    drills.manage("verify_ledgers", database_url=url, **env)
    before = drills.fingerprint(url)
    counts = {table: count for table, (count, _) in before["tables"].items()}
    assert counts["billing_bill"] > 1000 and counts["core_auditevent"] > 0
    assert counts["billing_adjustment"] == 4 and counts["units_surveyunit"] == 300

    drills.manage("backup", database_url=url, **env)
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["billing.Bill"] == counts["billing_bill"]

    # The disaster: the database is gone; an empty one of the same name takes its place.
    scratch.recreate()
    assert drills.fingerprint(url)["tables"] == {}

    restored = drills.manage("restore", str(folder), "--yes", database_url=url, **env)
    assert "Restored" in restored.stdout
    after = drills.fingerprint(url)
    assert after["tables"] == before["tables"]  # every table: row count and md5 of its rows
    assert after["sequences"] == before["sequences"]  # new rows get new ids
    check = drills.manage("verify_ledgers", database_url=url, check=False, **env)
    assert check.returncode == 0, check.stdout + check.stderr
