"""A real ``kill -9`` of ``manage.py import_legacy`` half-way through the bills, then the same
command again: the database equals that of one clean run. (The other resume test stops a run
inside a chunk's transaction in-process; this one kills another process, so nothing the
command keeps outside the database can help it.) PostgreSQL only: the SQLite test database is
in memory, out of another process's reach."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from suthra.billing.models import Bill
from suthra.migration.export import write_export
from suthra.migration.models import LegacyChunk
from suthra.migration.tests.test_import_legacy import run, snapshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="another process must reach the test database"
    ),
]


def test_kill_9_half_way_then_again_equals_a_clean_run(tmp_path: Path) -> None:
    directory = tmp_path / "export"
    write_export(directory, units=300, months=6)
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    args = [sys.executable, "manage.py", "import_legacy", str(directory), "--no-progress"]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*args, "--chunk-size", "40"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while LegacyChunk.objects.filter(table="bills").count() < 5:
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    done = LegacyChunk.objects.filter(table="bills").count()
    assert 5 <= done < 1800 / 40 and Bill.objects.count() == done * 40  # whole chunks only
    out = run(str(directory), "--chunk-size", "40")
    assert f"{done} chunks done before" in out and "Verified" in out
    resumed = snapshot()
    call_command("flush", "--noinput")
    run(str(directory), "--chunk-size", "40")
    assert snapshot() == resumed
