"""Bench data built the way it really arrives (issue 20), through the product's own paths.

1. A legacy-shaped export (``suthra.migration.export``: PSIDs with gaps, in PSID order) of
   ``units`` units and the first ``legacy_months`` months, imported with ``import_legacy_units``
   and ``import_legacy_bills`` — the bills month by month, as a migration would.
2. Then month after month, as e-Pay sends them: a bill file (17-digit PSIDs drawn at random from
   the e-Pay range, never consecutive; arrears carried on) and a payment file, both imported
   through the same upload → preview → commit services the web page uses (payments reconciled).
   Every fourth month is re-issued: a second bill file with some fees corrected.

The sizes of the database, the bills heap and its two indexes are recorded after each month,
so that index growth month after month is visible (``sizes``). ``python bench/realistic.py
--units 20000 --database-url postgres://…/suthra_perf_x`` builds into a fresh database and
prints the figures; ``bench/run.py`` calls ``build`` for ``make bench`` (the default path).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EPAY_LOW, EPAY_HIGH = 10**16, 10**17 - 1  # 17-digit PSIDs
CHANNELS = ["JazzCash", "1Link", "Easypaisa", "HBL", "Bank Alfalah"]


def sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()),"
            " pg_table_size('billing_bill'), pg_indexes_size('billing_bill'),"
            " pg_total_relation_size('units_surveyunit'),"
            " pg_total_relation_size('imports_importbatch')"
            " + coalesce(pg_total_relation_size(to_regclass('imports_psidblock')), 0)"
        )
        db, heap, indexes, units, batches = cursor.fetchone()
        cursor.execute(
            "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'billing_bill'::regclass"
        )
        per_index = dict(cursor.fetchall())
    return {
        "database": db,
        "bill_heap": heap,
        "bill_indexes": indexes,
        "units": units,
        "batches": batches,
        **{f"index:{k}": v for k, v in per_index.items()},
    }


def autovacuum_stand_in() -> bool:
    """When the server runs without autovacuum (a shared test server), do what it would do in
    production after each month: a plain VACUUM (ANALYZE) of the database — never FULL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return False
        cursor.execute("VACUUM (ANALYZE)")
    return True


def _import(kind: str, name: str, data: bytes) -> dict[str, Any]:
    from suthra.imports import services
    from suthra.imports.models import ImportBatch

    t = time.perf_counter()
    batch = services.batch_upload(actor=None, kind=kind, file_name=name, data=data, run_now=True)
    batch.refresh_from_db()
    preview = time.perf_counter() - t
    if batch.status != ImportBatch.Status.PREVIEW:
        raise SystemExit(f"{name}: preview {batch.status}: {batch.message[:300]}")
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    t = time.perf_counter()
    services.batch_commit(batch.pk)
    commit = time.perf_counter() - t
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.DONE:
        raise SystemExit(f"{name}: commit {batch.status}: {batch.message[:300]}")
    counts = {k: v for k, v in batch.counts.items() if isinstance(v, int)}
    return {"preview": round(preview, 1), "commit": round(commit, 1), "counts": counts}


def _split_by_month(bills_csv: Path, out: Path) -> list[Path]:
    """The legacy bills export as one file per month (in the export's PSID order)."""
    files: dict[str, Any] = {}
    paths: list[Path] = []
    with open(bills_csv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        i = header.index("bill_month")
        for row in reader:
            w = files.get(row[i])
            if w is None:
                path = out / f"bills-{row[i]}.csv"
                paths.append(path)
                handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
                w = files[row[i]] = (csv.writer(handle), handle)
                w[0].writerow(header)
            w[0].writerow(row)
    for _w, handle in files.values():
        handle.close()
    return paths


def _state(month: dt.date) -> list[tuple[str, int, int]]:
    """(survey id, fee, carried balance) of every unit billed in ``month``, in unit order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.survey_id, b.monthly_fee, b.monthly_fee + b.arrears - b.paid_amount"
            " FROM billing_bill b JOIN units_surveyunit u ON u.id = b.unit_id"
            " WHERE b.month = %s ORDER BY b.unit_id",
            [month],
        )
        return list(cursor.fetchall())


def _bill_file(month: dt.date, state, psids: list[int], bump: set[int] = frozenset()) -> bytes:
    out = io.StringIO()
    out.write("psid,bill_month,survey_id,monthly_fee,arrears,amount_due\n")
    for i, ((survey_id, fee, carried), psid) in enumerate(zip(state, psids, strict=True)):
        fee = fee + 100 if i in bump else fee
        out.write(f"{psid},{month:%b-%Y},{survey_id},{fee},{carried},{fee + carried}\n")
    return out.getvalue().encode()


def _payment_file(month: dt.date, rows: list[tuple[int, int]], rng: random.Random) -> bytes:
    out = io.StringIO()
    out.write("psid,paid_date,paid_amount,channel\n")
    for psid, due in rows:
        roll = rng.random()
        if roll >= 0.62 or due <= 0:
            continue
        paid = due if roll < 0.57 else due // 2 or due
        paid_on = month + dt.timedelta(days=rng.randrange(1, 27))
        out.write(f"{psid},{paid_on:%Y-%m-%d},{paid},{rng.choice(CHANNELS)}\n")
    return out.getvalue().encode()


def build(
    *,
    units: int,
    months: int = 12,
    legacy_months: int = 2,
    seed: int = 20,
    progress: Callable[[str], None] = print,
    after_month: Callable[[dt.date], None] | None = None,
) -> dict[str, Any]:
    """Load a year into the (migrated, empty) database; returns timings and sizes."""
    from django.core.management import call_command

    from suthra.core.months import current_month
    from suthra.demo.generator import month_add
    from suthra.imports.models import ImportBatch
    from suthra.migration.export import write_export

    rng = random.Random(seed)
    last = month_add(current_month(), -1)  # payments of the last month are all in the past
    month_list = [month_add(last, -i) for i in range(months - 1, -1, -1)]
    out: dict[str, Any] = {"units": units, "months": months, "legacy_months": legacy_months}
    log: list[dict[str, Any]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="suthra-bench-") as tmp:
        work = Path(tmp)
        t = time.monotonic()
        write_export(
            work, units=units, months=legacy_months, last_month=month_list[legacy_months - 1]
        )
        out["export_seconds"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        call_command("import_legacy_units", str(work / "survey_units.csv"), verbosity=0)
        out["legacy_units_seconds"] = round(time.monotonic() - t, 1)
        progress(f"legacy units: {out['legacy_units_seconds']} s")
        for path, month in zip(_split_by_month(work / "bills.csv", work), month_list, strict=False):
            t = time.monotonic()
            call_command("import_legacy_bills", str(path), stdout=io.StringIO())
            entry = {"month": f"{month:%Y-%m}", "legacy_bills": round(time.monotonic() - t, 1)}
            if after_month:
                after_month(month)
            entry["autovacuum_stand_in"] = autovacuum_stand_in()
            entry["sizes"] = sizes()
            log.append(entry)
            progress(f"{entry['month']} legacy bills {entry['legacy_bills']} s")
    used: set[int] = set()
    for index, month in enumerate(month_list[legacy_months:], start=legacy_months):
        t0 = time.monotonic()
        state = _state(month_list[index - 1])
        psids = []
        while len(psids) < len(state):
            p = rng.randint(EPAY_LOW, EPAY_HIGH)
            if p not in used:
                used.add(p)
                psids.append(p)
        entry: dict[str, Any] = {"month": f"{month:%Y-%m}", "bills": len(state)}
        entry["bill_import"] = _import(
            ImportBatch.Kind.BILLS, f"epay-bills-{month:%Y-%m}.csv", _bill_file(month, state, psids)
        )
        if index % 4 == 3:  # a re-issued month: some fees corrected
            bump = set(rng.sample(range(len(state)), max(1, len(state) // 50)))
            entry["reissue"] = _import(
                ImportBatch.Kind.BILLS,
                f"epay-bills-{month:%Y-%m}-reissue.csv",
                _bill_file(month, state, psids, bump),
            )
            state = [
                (s, fee + 100, c) if i in bump else (s, fee, c)
                for i, (s, fee, c) in enumerate(state)
            ]
        dues = [(p, fee + carried) for p, (_s, fee, carried) in zip(psids, state, strict=True)]
        entry["payments"] = _import(
            ImportBatch.Kind.PAYMENTS,
            f"epay-payments-{month:%Y-%m}.csv",
            _payment_file(month, dues, rng),
        )
        if after_month:
            after_month(month)
        entry["autovacuum_stand_in"] = autovacuum_stand_in()
        entry["sizes"] = sizes()
        entry["seconds"] = round(time.monotonic() - t0, 1)
        log.append(entry)
        s = entry["sizes"]
        progress(
            f"{entry['month']}: {entry['seconds']} s (bills {entry['bill_import']['commit']} s"
            f" commit), db {s['database'] / 2**20:.0f} MB, bill heap {s['bill_heap'] / 2**20:.0f}"
            f" MB, bill indexes {s['bill_indexes'] / 2**20:.0f} MB"
        )
    out["months_log"] = log
    out["seconds"] = round(time.monotonic() - started, 1)
    out["sizes"] = sizes()
    return out


def main() -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--legacy-months", type=int, default=2)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    from bench import run

    run.configure(args.database_url)
    run.ensure_database(args.database_url, fresh=True)
    run.setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    result = build(units=args.units, months=args.months, legacy_months=args.legacy_months)
    text = json.dumps(result, indent=1, default=str)
    if args.json:
        Path(args.json).write_text(text)
    print(json.dumps(result["sizes"]))


if __name__ == "__main__":
    main()
