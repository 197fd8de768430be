"""`make bench`: full-scale measurements on PostgreSQL, written into docs/PERFORMANCE.md.

This is the entry point; the work is in bench_setup.py (database and data), bench_pages.py
(pages and the admin), bench_phases.py (child phases, ledger check, sizes) and bench_render.py
(the Markdown section).

    make bench                              # 300 k units × 12 months (about 15 min the first time)
    make bench BENCH_ARGS="--units 20000"   # a quick run
    .venv/bin/python bench/run.py --help

Uses the database at $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
suthra_bench; created when missing), migrates it, generates the data — or reuses it when it
already has the requested number of units — then measures:

- p50/p95 server time of each page (Django's test Client in-process: the whole request through
  every middleware, template rendering included, no network), by URL name; a page whose URL is
  not (yet) in the project is listed as skipped;
- the Django admin's default changelist at a deep page (COUNT + OFFSET) and the old app's way
  of loading the whole bills table into pandas (`select *`), side by side, with ratios;
- bill import and payment reconciliation of a full month (one row per unit), on a scratch copy
  of the database (CREATE DATABASE … TEMPLATE) that is dropped afterwards;
- a full month's CSV export: time and peak memory (in a child process);
- the ledger check (`verify_ledgers`) over every unit and summary;
- the on-disk size of every table and index.

Benchmarks are not tests: this never runs in CI and only prints and records figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os  # noqa: F401 - bench/loadtest.py reads run.os.environ
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_pages import (  # noqa: E402
    Context,
    measure_admin,
    measure_pages,
    pct,
)
from bench.bench_phases import (  # noqa: E402
    machine,
    measure_imports,
    measure_sizes,
    measure_verify,
    phase_export,
    phase_imports,
    phase_pandas,
    run_child,
)
from bench.bench_render import (  # noqa: E402
    render,
    write_doc,
)
from bench.bench_setup import (  # noqa: E402  # noqa: E402
    DEFAULT_URL,
    DOC,
    ROOT,
    _admin,
    _with_db,
    bench_users,
    configure,
    db_name,
    ensure_data,
    ensure_database,
    setup_django,
)

# Names other bench scripts import from here (loadtest, realistic, reports_ab).
__all__ = [
    "DEFAULT_URL",
    "DOC",
    "_admin",
    "_with_db",
    "configure",
    "db_name",
    "ensure_database",
    "main",
    "os",
    "pct",
    "phase_imports",
    "setup_django",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=300_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--reps", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--data",
        choices=["realistic", "generated"],
        default="realistic",
        help="realistic: through the real imports (default); generated: the fast path",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--no-write", action="store_true", help="do not update PERFORMANCE.md")
    parser.add_argument(
        "--skip", default="", help="comma list: pages,admin,verify,pandas,imports,export"
    )
    parser.add_argument(
        "--only", default="", help="comma list of substrings: measure only the pages they name"
    )
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite PERFORMANCE.md from the last run"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    raw = ROOT / "bench" / "results" / "latest.json"
    if args.render_only:
        write_doc(render(json.loads(raw.read_text())))
        print(f"written to {DOC.relative_to(ROOT)} from {raw.relative_to(ROOT)}")
        return
    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benchmark needs PostgreSQL (BENCH_DATABASE_URL=postgres://…)")
    configure(url)
    if args.phase:
        phases = {"pandas": phase_pandas, "export": phase_export, "imports": phase_imports}
        print(json.dumps(phases[args.phase](url), default=str))
        return

    started = time.monotonic()
    skip = set(filter(None, args.skip.split(",")))
    ensure_database(url, args.fresh)
    setup_django()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench"
        + (f' BENCH_ARGS="{" ".join(sys.argv[1:])}"' if sys.argv[1:] else ""),
        "args": {"units": args.units, "months": args.months, "reps": args.reps},
    }
    results["generate"] = ensure_data(args.units, args.months, args.data)
    users = bench_users()
    ctx = Context(users)
    print("pages …", flush=True)
    results["pages"] = [] if "pages" in skip else measure_pages(ctx, args.reps, args.only)
    print("admin changelist …", flush=True)
    results["admin"] = {} if "admin" in skip else measure_admin(ctx, args.reps)
    print("ledger check …", flush=True)
    results["verify"] = {"skipped": "--skip"} if "verify" in skip else measure_verify()
    results["sizes"] = measure_sizes()
    results["machine"] = machine()
    from django.db import connections

    connections.close_all()
    print("pandas select * …", flush=True)
    results["pandas"] = {"skipped": "--skip"} if "pandas" in skip else run_child("pandas", url)
    print("export …", flush=True)
    results["export"] = {"skipped": "--skip"} if "export" in skip else run_child("export", url)
    print("imports (on a scratch copy) …", flush=True)
    results["imports"] = {"skipped": "--skip"} if "imports" in skip else measure_imports(url)
    results["seconds"] = time.monotonic() - started
    section = render(results)
    print(section)
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1, default=str))
    if not args.no_write:
        write_doc(section)
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
