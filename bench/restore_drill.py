"""The backup → restore drill at a realistic size, timed (issue 21).

    .venv/bin/python bench/restore_drill.py                  # 30 k units × 12 months
    .venv/bin/python bench/restore_drill.py --units 300000   # full scale (slow on a shared box)

Creates a scratch database ($BENCH_DRILL_URL, default
postgres://postgres@127.0.0.1:5432/suthra_drill_bench), migrates it, seeds it
(``suthra.demo.drill.seed``: generated units and bills with payments, adjustments through the
services), fingerprints every table (row count and md5 of its rows in primary-key order, by
PostgreSQL), then times ``manage.py backup``, the database dropped and created empty,
``manage.py restore``, and ``manage.py verify_ledgers``; fingerprints again and compares.
Prints a Markdown table for docs/PERFORMANCE.md and drops the database.
Benchmarks are not tests: this never runs in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from suthra.core import drills  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/suthra_drill_bench"


def timed(label: str, results: dict[str, float], *args: str, url: str, env: dict[str, str]):
    started = time.monotonic()
    out = drills.manage(*args, database_url=url, timeout=6 * 3600, **env)
    results[label] = time.monotonic() - started
    print(f"{label}: {results[label]:.1f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=30_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DRILL_URL", DEFAULT_URL)
    name = drills.database_name(url)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="suthra-drill-") as tmp:
        env = {"MEDIA_ROOT": f"{tmp}/media", "BACKUP_DIR": f"{tmp}/backups"}
        drills.create_database(url, name)
        try:
            timed("migrate", results, "migrate", "--noinput", url=url, env=env)
            seed = "from suthra.demo.drill import seed; "
            seed += f"seed(units={args.units}, months={args.months})"
            timed("seed", results, "shell", "-c", seed, url=url, env=env)
            started = time.monotonic()
            before = drills.fingerprint(url)
            results["fingerprint"] = time.monotonic() - started
            timed("backup", results, "backup", url=url, env=env)
            (folder,) = Path(env["BACKUP_DIR"]).iterdir()
            manifest = json.loads((folder / "manifest.json").read_text())
            started = time.monotonic()
            drills.create_database(url, name)
            results["drop and create"] = time.monotonic() - started
            timed("restore", results, "restore", str(folder), "--yes", url=url, env=env)
            started = time.monotonic()
            after = drills.fingerprint(url)  # before verify_ledgers, which records its run
            results["fingerprint after"] = time.monotonic() - started
            timed("verify_ledgers", results, "verify_ledgers", url=url, env=env)
        finally:
            if not args.keep:
                drills.drop_database(url, name)
    same = after == before
    bills = before["tables"]["billing_bill"][0]
    rows = sum(count for count, _ in before["tables"].values())
    recovery = results["drop and create"] + results["restore"] + results["verify_ledgers"]
    print()
    print(
        f"Restore drill, {args.units:,} units × {args.months} months ({bills:,} bills, "
        f"{rows:,} rows in {len(before['tables'])} tables), dump "
        f"{manifest['database']['bytes'] / 1e6:.1f} MB:"
    )
    print()
    print("| step | seconds |")
    print("|---|---:|")
    for label in ("backup", "drop and create", "restore", "verify_ledgers"):
        print(f"| {label} | {results[label]:.1f} |")
    print(f"| **recovery (drop → restored and checked)** | **{recovery:.1f}** |")
    print()
    print(f"Every table's count and checksum and every sequence equal after the restore: {same}")
    print(
        f"(fingerprints: {results['fingerprint']:.1f} s before, "
        f"{results['fingerprint after']:.1f} s after; migrate {results['migrate']:.1f} s, "
        f"seed {results['seed']:.1f} s)"
    )
    if not same:
        for table, value in before["tables"].items():
            if after["tables"].get(table) != value:
                print(f"differs: {table} {value} → {after['tables'].get(table)}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
