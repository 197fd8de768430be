"""Worker killed mid-import (issue 21): the django-tasks database worker as a real child process,
``kill -9`` while a bill (and a payments) commit is inside its transaction. The batch shows
Stalled, nothing is written, Restart then commit finishes with exact counts."""

import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from suthra.core import drills

BASE_URL = os.environ.get("DATABASE_URL", "")
UNITS = 30_000
WORKER_ENV = {"TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}


def drill_test(function):
    """A slow drill, on PostgreSQL only (row locks end with the killed worker's connection)."""
    function = pytest.mark.slow(function)
    return pytest.mark.skipif(
        not BASE_URL.startswith(("postgres://", "postgresql://")),
        reason="the drill drops and creates PostgreSQL databases",
    )(function)


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A migrated scratch database with UNITS units and a month of bills, shared storage."""
    tmp = tmp_path_factory.mktemp("worker-drill")
    name = drills.scratch_name(BASE_URL, "worker")
    url = drills.create_database(BASE_URL, name)
    env = {"MEDIA_ROOT": str(tmp / "media"), **WORKER_ENV}
    try:
        drills.manage("migrate", "--noinput", database_url=url, **env)
        call(url, env, f"seed(units={UNITS}, months=1, adjustments=0)")
        yield url, env, tmp
    finally:
        drills.drop_database(BASE_URL, name)


def call(url, env, expression, **extra):
    """``suthra.demo.drill.<expression>`` in a child manage.py; its result as JSON."""
    code = f"import json; from suthra.demo.drill import *; print(json.dumps({expression}))"
    out = drills.manage("shell", "-c", code, database_url=url, **env, **extra)
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_worker(url, env):
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "default", "--interval", "0.2"]
        + ["--no-startup-delay", "--no-reload"],
        cwd=drills.ROOT,
        env=drills.child_env(url, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker):
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def status(url, batch_id):
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT status FROM imports_importbatch WHERE id = %s", [batch_id])
        return row.fetchone()[0]


def wait_for(url, batch_id, wanted, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = status(url, batch_id)
        if found in wanted:
            return found
        if found == "FAILED":
            break
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} is {status(url, batch_id)}, not {wanted}")


def commit_transaction_open(url, batch_id) -> bool:
    """The batch row is locked: the commit's transaction is running."""
    with psycopg.connect(url) as conn, conn.transaction():
        free = conn.execute(
            "SELECT id FROM imports_importbatch WHERE id = %s FOR UPDATE SKIP LOCKED", [batch_id]
        ).fetchone()
        return free is None


# The batch itself and the task queue change as the import runs; nothing else may.
BOOKKEEPING = ("imports_importbatch", "django_tasks_database_", "django_tasks_db_")


def written(url):
    """Every table an import may write — bills (payments are columns of bills), exceptions,
    summaries, audit events, notifications — as row counts and checksums."""
    tables = drills.fingerprint(url)["tables"]
    return {t: v for t, v in tables.items() if not t.startswith(BOOKKEEPING)}


WRITES = ("INSERT INTO billing_", "UPDATE billing_", "INSERT INTO stats_", "INSERT INTO core_")


def kill_mid_commit(url, env, batch_id):
    """Request the commit, wait until its transaction writes (or has been open 0.3 s), SIGKILL
    the worker. Returns the statement the worker's session was running at the kill."""
    worker = start_worker(url, env)
    try:
        assert call(url, env, f"commit({batch_id})") == "Import started."
        deadline = time.monotonic() + 60
        opened = None
        # Autocommit: each probe its own transaction, so the probe's lock ends with it.
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                with conn.transaction():
                    locked = (
                        conn.execute(
                            "SELECT id FROM imports_importbatch WHERE id = %s"
                            " FOR UPDATE SKIP LOCKED",
                            [batch_id],
                        ).fetchone()
                        is None
                    )
                running = conn.execute(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND state = 'active'"
                    " AND backend_xid IS NOT NULL"
                ).fetchall()
                writing = [q for (q,) in running if q.startswith(WRITES)]
                if locked:
                    opened = opened or time.monotonic()
                    if writing or time.monotonic() - opened > 0.3:
                        break
                else:
                    found = status(url, batch_id)
                    assert found == "COMMITTING", f"the commit ended ({found}) before the kill"
                assert time.monotonic() < deadline, "the commit never started"
                time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL
    finally:
        stop(worker)
    # PostgreSQL ends the dead worker's session and rolls its transaction back: within a
    # second, even mid-statement (client_connection_check_interval, imports.services).
    deadline = time.monotonic() + 10
    while commit_transaction_open(url, batch_id):
        assert time.monotonic() < deadline, (
            f"the dead worker's transaction is open: {activity(url)}"
        )
        time.sleep(0.1)
    return writing[0][:60] if writing else "(inside the transaction)"


def activity(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT pid, state, now() - xact_start, wait_event_type, wait_event, left(query, 300) "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()


def drill_import(url, env, tmp, kind, make_file):
    rows = call(url, env, f"{make_file}({str(tmp / (kind.lower() + '.csv'))!r})")
    assert rows > UNITS // 2
    worker = start_worker(url, env)
    try:
        batch_id = call(url, env, f"upload({str(tmp / (kind.lower() + '.csv'))!r}, {kind!r})")
        wait_for(url, batch_id, {"PREVIEW"})
    finally:
        stop(worker)
    preview = call(url, env, f"state({batch_id})")
    before = written(url)

    landed = kill_mid_commit(url, env, batch_id)
    print(f"{kind}: killed during {landed}")

    assert written(url) == before  # not one row, not one summary
    assert status(url, batch_id) == "COMMITTING"  # the dead worker could not say so itself
    time.sleep(1.2)
    seen = call(url, env, f"state({batch_id})", IMPORT_COMMIT_STALL_SECONDS="1")
    assert seen["stalled"] is True, seen
    # With the default grace the same batch is not yet called stalled (a queued or starting
    # commit is not a dead one).
    assert call(url, env, f"state({batch_id})")["stalled"] is False

    worker = start_worker(url, env)
    try:
        message = call(url, env, f"restart({batch_id})", IMPORT_COMMIT_STALL_SECONDS="1")
        assert message.startswith("Import restarted"), message
        wait_for(url, batch_id, {"PREVIEW"})
        assert call(url, env, f"commit({batch_id})") == "Import started."
        wait_for(url, batch_id, {"DONE"})
    finally:
        stop(worker)
    return preview, call(url, env, f"state({batch_id})"), before


@drill_test
def test_worker_killed_mid_bill_import_writes_nothing_and_restart_finishes(drill):
    url, env, tmp = drill
    with psycopg.connect(url) as conn:
        bills = conn.execute("SELECT count(*) FROM billing_bill").fetchone()[0]
    preview, done, _ = drill_import(url, env, tmp, "BILLS", "bill_file")
    assert preview["new"] == UNITS and preview["rejected"] == 0
    assert (done["status"], done["new"], done["changed"], done["rejected"]) == ("DONE", UNITS, 0, 0)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM billing_bill").fetchone()[0] == bills + UNITS


@drill_test
def test_worker_killed_mid_payments_commit_writes_nothing_and_restart_finishes(drill):
    url, env, tmp = drill

    def paid():
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT count(*) FROM billing_bill WHERE paid_amount > 0"
            ).fetchone()[0]

    before = paid()
    preview, done, _ = drill_import(url, env, tmp, "PAYMENTS", "payment_file")
    rows = preview["changed"]
    assert rows > UNITS // 4 and preview["rejected"] == 0
    assert (done["status"], done["changed"], done["rejected"]) == ("DONE", rows, 0)
    assert paid() == before + rows


@pytest.mark.django_db
def test_a_commit_checks_its_connection_every_second():
    """So a worker killed mid-statement does not hold the import lock until it ends."""
    from django.db import connection, transaction

    from suthra.imports.services import _lock_imports

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_imports()
        cursor.execute("SHOW client_connection_check_interval")
        assert cursor.fetchone()[0] == "1s"


@pytest.mark.django_db
def test_a_commit_without_a_transaction_or_a_queued_task_is_stalled_after_the_grace(world):
    """The fast detection; the drills above show it on a real killed worker."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from suthra.imports.models import ImportBatch

    quiet = timezone.now() - dt.timedelta(seconds=90)
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.BILLS,
        status=ImportBatch.Status.COMMITTING,
        created_by=world.manager,
        heartbeat_at=quiet,
    )
    if connection.vendor != "postgresql":
        assert batch.is_stalled is False  # SQLite: the 10-minute heartbeat rule only
        return
    assert batch.is_stalled is True  # 90 s quiet, nothing holds it: its worker is gone
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now())
    batch.refresh_from_db()
    assert batch.is_stalled is False  # within the grace
    ImportBatch.objects.filter(pk=batch.pk).update(heartbeat_at=quiet)
    batch.refresh_from_db()
    # Waiting in the queue behind another task is not stalled.
    DBTaskResult.objects.create(
        task_path="suthra.imports.tasks.import_commit",
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        status="READY",
    )
    assert batch.is_stalled is False
    batch.status = ImportBatch.Status.VALIDATING  # a preview: the heartbeat rule only
    assert batch.is_stalled is False
