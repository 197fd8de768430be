"""`make bench`: the phases run in child processes (pandas, export, imports), the ledger
check, table sizes and the machine."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

from bench.bench_setup import ROOT, _admin, _with_db, db_name, setup_django


def run_child(phase: str, url: str, extra: list[str] | None = None) -> dict[str, Any]:
    """Run a phase in a fresh interpreter (its own peak memory); returns its JSON result."""
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--phase", phase, "--database-url", url]
    proc = subprocess.run(
        [*cmd, *(extra or [])], capture_output=True, text=True, check=False, cwd=ROOT
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"skipped": f"{phase} failed: {' | '.join(tail)[:400]}"}
    return json.loads(lines[-1])


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """Peak RSS of this process (VmHWM; ru_maxrss would carry the parent's over exec)."""
    return _status_mb("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    return _status_mb("VmRSS:")


def phase_pandas(url: str) -> dict[str, Any]:
    """The old app: SELECT * of the whole bills table into a DataFrame."""
    import warnings

    try:
        import pandas as pd
    except ImportError:
        return {"skipped": "pandas not installed (pip install -e '.[bench]')"}
    import psycopg

    warnings.filterwarnings("ignore")  # pandas prefers SQLAlchemy; a DBAPI connection works
    before = current_mb()
    t = time.monotonic()
    with psycopg.connect(url) as conn:
        frame = pd.read_sql("SELECT * FROM billing_bill", conn)
    seconds = time.monotonic() - t
    return {
        "rows": len(frame),
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "start_mb": before,
        "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
    }


def phase_export(url: str) -> dict[str, Any]:
    """The bill export (CSV, streamed in keyset chunks) of the newest month, one row per unit."""
    setup_django()
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from suthra.billing.models import Bill
    from suthra.demo.users import ensure_demo_users

    try:
        path = reverse("billing:bills_export")
    except NoReverseMatch:
        return {"skipped": "no URL named billing:bills_export"}
    manager = next(u for u in ensure_demo_users() if u.username == "manager")
    month = Bill.objects.order_by("-psid").values_list("month", flat=True).first()
    client = Client()
    client.force_login(manager)
    before = current_mb()
    t = time.monotonic()
    ym = f"{month:%Y-%m}"
    response = client.get(path, {"month_from": ym, "month_to": ym})
    size = 0
    lines = 0
    if response.status_code != 200:
        return {"skipped": f"HTTP {response.status_code}"}
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.monotonic() - t
    return {
        "rows": lines - 1,
        "bytes": size,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "start_mb": before,
    }


def _month_files(month: dt.date) -> tuple[bytes, bytes, int]:
    """Bill file of the month after ``month`` (carrying arrears on) and its payment file."""
    from django.db import connection

    from suthra.demo.generator import month_add, psid_for

    new = month_add(month, 1)
    bills = ["psid,bill_month,survey_id,monthly_fee,arrears,amount_due"]
    payments = ["psid,paid_date,paid_amount,channel"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.unit_id, u.survey_id, b.monthly_fee, "
            "b.monthly_fee + b.arrears - b.paid_amount "
            "FROM billing_bill b JOIN units_surveyunit u ON u.id = b.unit_id "
            "WHERE b.month = %s ORDER BY b.unit_id",
            [month],
        )
        for i, (unit_id, survey_id, fee, carried) in enumerate(cursor.fetchall()):
            psid = psid_for(new, unit_id)
            due = fee + carried
            bills.append(f"{psid},{new:%b-%Y},{survey_id},{fee},{carried},{due}")
            paid_on = new + dt.timedelta(days=2 + i % 20)
            payments.append(f"{psid},{paid_on:%Y-%m-%d},{due},{'JazzCash' if i % 3 else '1Link'}")
    return "\n".join(bills).encode() + b"\n", "\n".join(payments).encode() + b"\n", len(bills) - 1


def _import(services: Any, model: Any, kind: str, key: str, data: bytes) -> dict[str, Any]:
    t = time.perf_counter()
    batch = services.batch_upload(
        actor=None, kind=kind, file_name=f"bench-{key}.csv", data=data, run_now=True
    )
    batch.refresh_from_db()
    preview = time.perf_counter() - t
    if batch.status != model.Status.PREVIEW:
        return {"skipped": f"preview {batch.status}: {batch.message[:200]}"}
    model.objects.filter(pk=batch.pk).update(status=model.Status.COMMITTING)
    t = time.perf_counter()
    services.batch_commit(batch.pk)
    commit = time.perf_counter() - t
    batch.refresh_from_db()
    return {
        "status": batch.status,
        "preview_seconds": preview,
        "commit_seconds": commit,
        "counts": {k: v for k, v in batch.counts.items() if isinstance(v, int)},
        "message": batch.message[:200],
        "error_sample": batch.counts.get("error_sample", [])[:3],
    }


def phase_imports(url: str, archive: bool = True) -> dict[str, Any]:
    """Bill import, then payment reconciliation, of a full month through the import services;
    then (unless ``archive`` is false: the load test) archive_bills of the oldest month."""
    setup_django()
    from suthra.billing.models import Bill
    from suthra.imports import services
    from suthra.imports.models import ImportBatch

    month = Bill.objects.order_by("-psid").values_list("month", flat=True).first()
    t = time.perf_counter()
    bill_file, payment_file, rows = _month_files(month)
    out: dict[str, Any] = {"rows": rows, "files_seconds": time.perf_counter() - t}
    # The data ends with the current month: the next month's bills, and payments made in it,
    # are imported "on the 28th of next month" (payments dated in the future are refused).
    import time_machine

    from suthra.demo.generator import month_add

    later = month_add(month, 1)
    with time_machine.travel(dt.datetime(later.year, later.month, 28, 12, tzinfo=dt.UTC)):
        for key, kind, data in (
            ("bills", ImportBatch.Kind.BILLS, bill_file),
            ("payments", ImportBatch.Kind.PAYMENTS, payment_file),
        ):
            out[key] = _import(services, ImportBatch, kind, key, data)
    if archive:
        out["archive"] = _archive_oldest()
    out["peak_mb"] = peak_mb()
    return out


def _archive_oldest() -> dict[str, Any]:
    """archive_bills on the oldest month: time, the space it frees and what it keeps.

    A DELETE only marks rows dead (the next month's import reuses the space); to measure what
    archiving gives back, the bills table is compacted (VACUUM FULL, seconds on this scratch
    copy) before and after.
    """
    from django.db import connection

    from suthra.billing.models import Bill

    try:
        from suthra.billing.archive import archive_month
    except ImportError:
        return {"skipped": "no suthra.billing.archive"}

    def size(*tables: str) -> int:
        with connection.cursor() as cursor:
            sql = " + ".join(f"pg_total_relation_size('{t}')" for t in tables)
            cursor.execute(f"SELECT {sql}")  # noqa: S608 - fixed table names
            return cursor.fetchone()[0]

    kept_tables = ("billing_archivedmonth", "billing_archiveducmonth")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL billing_bill")
    bills_before, kept_before = size("billing_bill"), size(*kept_tables)
    oldest = Bill.objects.order_by("psid").values_list("month", flat=True).first()
    t = time.perf_counter()
    result = archive_month(oldest)
    seconds = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL billing_bill")
    from django.core.files.storage import default_storage

    return {
        "month": str(oldest),
        "bills": result.bills,
        "seconds": seconds,
        "bills_freed_bytes": bills_before - size("billing_bill"),
        "kept_bytes": size(*kept_tables) - kept_before,
        "file_bytes": default_storage.size(result.file_key) if result.file_key else 0,
    }


def measure_imports(url: str) -> dict[str, Any]:
    from django.db import connections

    scratch = db_name(url) + "_scratch"
    connections.close_all()
    t = time.monotonic()
    try:
        _admin(url, f'DROP DATABASE IF EXISTS "{scratch}"')
        _admin(url, f'CREATE DATABASE "{scratch}" TEMPLATE "{db_name(url)}"')
    except Exception as exc:  # noqa: BLE001 - report, do not stop the benchmark
        return {"skipped": f"could not copy the database: {exc}"}
    copy_seconds = time.monotonic() - t
    try:
        result = run_child("imports", _with_db(url, scratch))
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{scratch}"')
    result["copy_seconds"] = copy_seconds
    return result


def measure_verify() -> dict[str, Any]:
    """`manage.py verify_ledgers` without filters: every unit's chain and every summary against a
    recount (set-based SQL, billing/ledger_check.py); the budget is 60 s at 300 k × 12."""
    from suthra.billing import ledger_check

    result = ledger_check.verify()
    return {
        "load": round(os.getloadavg()[0], 1),
        "seconds": result.seconds,
        "bills": result.bills_checked,
        "discrepancies": result.total,
        "timings": result.timings,
    }


def measure_sizes() -> dict[str, Any]:
    from django.db import connection

    from suthra.billing.models import Bill
    from suthra.units.models import SurveyUnit

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid),
                   pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
            ORDER BY pg_total_relation_size(c.oid) DESC
            """
        )
        tables = [
            {"table": t, "rows": max(r, 0), "table_bytes": tb, "index_bytes": ib, "total": tot}
            for t, r, tb, ib, tot in cursor.fetchall()
        ]
        for table in tables:
            if table["rows"] < 200_000:  # estimates of small or unanalysed tables are poor
                cursor.execute(f'SELECT COUNT(*) FROM "{table["table"]}"')  # noqa: S608
                table["rows"] = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT t.relname, i.relname, pg_relation_size(i.oid), am.amname
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND pg_relation_size(i.oid) > 1024 * 1024
            ORDER BY pg_relation_size(i.oid) DESC
            """
        )
        indexes = [
            {"table": t, "index": i, "bytes": b, "method": m} for t, i, b, m in cursor.fetchall()
        ]
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size('template1')")
        empty = cursor.fetchone()[0]
    bills, units = Bill.objects.count(), SurveyUnit.objects.count()
    by_name = {t["table"]: t for t in tables}
    bill_total = by_name.get("billing_bill", {}).get("total", 0)
    unit_total = by_name.get("units_surveyunit", {}).get("total", 0)
    return {
        "database": database,
        "empty_database": empty,
        "tables": tables,
        "indexes": indexes,
        "bills": bills,
        "units": units,
        "bytes_per_bill": bill_total / bills if bills else 0,
        "bytes_per_unit": unit_total / units if units else 0,
        "bytes_per_unit_all": database / units if units else 0,
    }


# --- report -----------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    from django.db import connection

    mem = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared = cursor.fetchone()[0]
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_mb": mem,
        "postgres": pg,
        "shared_buffers": shared,
        "python": platform.python_version(),
        "load": [round(x, 1) for x in load],
    }
