"""`make bench`: full-scale measurements on PostgreSQL, written into docs/PERFORMANCE.md.

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
import base64
import datetime as dt
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/suthra_bench"
DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
BUDGET_MB = 450
PAGE_BUDGET_MS = 12_000  # timed requests per page stop at about this much time
ADMIN_REPS = 3  # the admin's deep page takes seconds a request; three show the order


# --- environment and database -----------------------------------------------------------------
def configure(url: str) -> None:
    """Production settings (DEBUG off) with what an in-process benchmark needs."""
    media = Path(tempfile.gettempdir()) / "suthra-bench-media"
    media.mkdir(exist_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "MEDIA_ROOT": str(media),
            "LOG_LEVEL": "WARNING",
            "IMPORT_MAX_BYTES": str(512 * 1024 * 1024),
        }
    )
    for key, value in {
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "OTP_REQUIRED_FOR_ADMINS": "false",
        "AXES_ENABLED": "false",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }.items():
        os.environ.setdefault(key, value)


def setup_django() -> None:
    import django

    django.setup()
    from django.test.utils import override_settings

    # DEBUG is off, but nobody ran collectstatic: serve {% static %} names unhashed.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, sql: str, retries: int = 10) -> None:
    """Run CREATE/DROP DATABASE through the maintenance database ``postgres``."""
    import psycopg

    for attempt in range(retries):
        try:
            with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
                conn.execute(sql)
            return
        except psycopg.errors.ObjectInUse:
            # autovacuum or a closing session still on the source database: try again.
            if attempt == retries - 1:
                raise
            time.sleep(2)


def database_exists(url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str, fresh: bool) -> None:
    name = db_name(url)
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    if fresh and database_exists(url, name):
        print(f"--fresh: dropping database {name}")
        _admin(url, f'DROP DATABASE "{name}"')
    if not database_exists(url, name):
        print(f"creating database {name}")
        _admin(url, f'CREATE DATABASE "{name}"')


# --- data -------------------------------------------------------------------------------------
def ensure_data(units: int, months: int, data: str = "realistic") -> dict[str, Any]:
    """The bench data: by default built the way it really arrives (``bench/realistic.py``:
    a legacy export through the legacy commands, then month after month an e-Pay bill file and
    a payment file through preview + commit); ``data="generated"`` is the generator's fast
    path (COPY, indexes rebuilt after the load), for demos and quick runs."""
    from django.core.management import call_command

    from suthra.demo.generator import generate
    from suthra.imports.models import ImportBatch
    from suthra.units.models import SurveyUnit

    t = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.monotonic() - t
    existing = SurveyUnit.objects.count()
    record = ROOT / "bench" / "results" / f"build-{db_name(os.environ['DATABASE_URL'])}.json"
    if data == "realistic" and existing == 0:
        from bench import realistic

        print(f"building {units:,} units × {months} months through the imports …", flush=True)
        built = realistic.build(units=units, months=months, progress=lambda s: print(" ", s))
        record.parent.mkdir(exist_ok=True)
        record.write_text(json.dumps(built, indent=1, default=str))
        info = {"reused": False, "path": "realistic", "seconds": built["seconds"], "built": built}
    elif data == "realistic" and existing == units and record.exists():
        built = json.loads(record.read_text())
        print(f"reusing {existing:,} units built through the imports")
        info = {"reused": True, "path": "realistic", "seconds": built["seconds"], "built": built}
    elif existing == 0:
        print(f"generating {units:,} units × {months} months …", flush=True)
        result = generate(units=units, months=months, progress=lambda s: print(" ", s, flush=True))
        info = {
            "reused": False,
            "path": "generated",
            "seconds": result.seconds,
            "timings": result.timings,
        }
    elif existing == units:
        batch = ImportBatch.objects.filter(kind=ImportBatch.Kind.GENERATED).order_by("id").first()
        counts = batch.counts if batch else {}
        print(f"reusing {existing:,} units already in the database")
        info = {
            "reused": True,
            "path": "generated",
            "seconds": counts.get("seconds"),
            "timings": counts.get("timings", {}),
        }
    else:
        raise SystemExit(
            f"the database holds {existing:,} units, not {units:,}: use --fresh to start over "
            "(drops and recreates the benchmark database)"
        )
    info["migrate_seconds"] = migrate_seconds
    return info


def bench_users() -> dict[str, Any]:
    from suthra.demo.users import ensure_demo_users

    users = {u.username: u for u in ensure_demo_users()}
    head = users["head"]
    if not (head.is_staff and head.is_superuser):
        # The admin is for HEAD users; make sure the comparison can open it.
        type(head).objects.filter(pk=head.pk).update(is_staff=True, is_superuser=True)
        head.refresh_from_db()
        users["head"] = head
    return users


# --- timing -----------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    index = q * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def time_calls(call: Callable[[], Any], reps: int, warm: int = 2) -> dict[str, Any]:
    for _ in range(warm):
        call()
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    return {
        "p50": pct(samples, 0.5),
        "p95": pct(samples, 0.95),
        "mean": statistics.fmean(samples),
        "n": reps,
    }


class Context:
    """Objects the page measurements need: a unit, a UC, a PSID, cursors for deep pages."""

    def __init__(self, users: dict[str, Any]) -> None:
        from django.db import connection
        from django.db.models import Count

        from suthra.accounts import scope
        from suthra.billing.models import Bill
        from suthra.units.models import SurveyUnit

        self.users = users
        agent_ucs = list(scope.visible_ucs(users["agent"]).values_list("id", flat=True))
        self.agent_uc = agent_ucs[0]
        biggest = (
            SurveyUnit.objects.filter(uc__city__name="Lahore")
            .values("uc_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        self.big_uc, self.big_uc_units = biggest["uc_id"], biggest["n"]
        unit = SurveyUnit.objects.filter(uc_id=self.agent_uc, is_active=True).order_by("id")[7]
        self.unit = unit
        self.last_month = Bill.objects.order_by("-psid").values_list("month", flat=True).first()
        bill = Bill.objects.filter(unit=unit).order_by("-month").first()
        self.psid = bill.psid if bill else None
        self.mobile = unit.mobile
        self.survey_id = unit.survey_id
        self.surname = unit.consumer_name.split()[-1]
        with connection.cursor() as cursor:
            # A bill 90 % of the way down the manager's newest-first list.
            total = Bill.objects.count()
            cursor.execute(
                "SELECT psid FROM billing_bill ORDER BY psid DESC OFFSET %s LIMIT 1",
                [int(total * 0.9)],
            )
            self.deep_psid = cursor.fetchone()[0]
        self.bill_total = total


def _cursor_direction(cursor: str) -> str:
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(doc.get("d", ""))
    except ValueError:
        return ""


def walk_to_last_page(client: Any, url: str, params: dict[str, Any], limit: int = 400) -> str:
    """Follow the "next" cursor links to the last page; returns that page's URL."""
    query = dict(params)
    current = f"{url}?{urlencode(query)}"
    for _ in range(limit):
        html = client.get(current).content.decode()
        cursors = re.findall(r"cursor=([A-Za-z0-9_\-]+)", html)
        nexts = [c for c in cursors if _cursor_direction(c) == "n"]
        if not nexts:
            return current
        query["cursor"] = nexts[-1]
        current = f"{url}?{urlencode(query)}"
    return current


def bill_cursor(psid: int) -> str | None:
    """A keyset cursor that starts the bill list just after ``psid`` (newest first)."""
    try:
        from suthra.core import paging

        keys = paging._normalise_keys(["-psid"])
        return paging.encode_cursor(keys, [psid] * len(keys), paging._NEXT)
    except (ImportError, AttributeError):
        return None


def page_specs(ctx: Context) -> list[dict[str, Any]]:
    """What to measure: label, URL name, kwargs, query, user. Query parameters follow the
    views' forms (units/forms.py BrowseForm, billing/forms.py BillFilterForm, reports/filters)."""
    unit, month = ctx.unit, ctx.last_month
    ym = f"{month:%Y-%m}" if month else ""
    specs = [
        ("Home (agent)", "core:home", None, {}, "agent"),
        ("Unit list, first page (agent's UC)", "units:browse", None, {"uc": ctx.agent_uc}, "agent"),
        (
            f"Unit list, last page (largest UC, {ctx.big_uc_units:,} units, by name)",
            "units:browse",
            None,
            {"uc": ctx.big_uc, "sort": "name", "_walk": True},
            "supervisor",
        ),
        (
            "Search: surname, all 300 k units (manager)",
            "units:browse",
            None,
            {"q": ctx.surname},
            "manager",
        ),
        ("Search: mobile number (manager)", "units:browse", None, {"q": ctx.mobile}, "manager"),
        ("Search: survey id (manager)", "units:browse", None, {"q": ctx.survey_id}, "manager"),
        ("Search: PSID (manager)", "units:browse", None, {"q": ctx.psid}, "manager"),
        ("Unit page (agent)", "units:detail", {"pk": unit.pk}, {}, "agent"),
        ("Unit ledger (agent)", "billing:ledger", {"pk": unit.pk}, {}, "agent"),
        (
            "Bill payment page (supervisor)",
            "billing:payment",
            {"psid": ctx.psid or 0},
            {},
            "supervisor",
        ),
        ("Bill query, first page, all bills (manager)", "billing:bills", None, {}, "manager"),
        (
            "Bill query, page at 90 % depth (keyset cursor)",
            "billing:bills",
            None,
            {"cursor": bill_cursor(ctx.deep_psid)},
            "manager",
        ),
        (
            "Bill query: this month, unpaid (manager)",
            "billing:bills",
            None,
            {"month_from": ym, "month_to": ym, "status": "0"},
            "manager",
        ),
        ("Bill query: one PSID (manager)", "billing:bills", None, {"psid": ctx.psid}, "manager"),
        ("Payments (manager)", "billing:payments", None, {}, "manager"),
        ("Dashboard (manager, all cities)", "reports:dashboard", None, {}, "manager"),
        ("Dashboard (supervisor, one city)", "reports:dashboard", None, {}, "supervisor"),
        ("Reports index (manager)", "reports:index", None, {}, "manager"),
        ("Report: collection (manager)", "reports:collection", None, {}, "manager"),
        ("Report: aging (manager)", "reports:aging", None, {}, "manager"),
        ("Report: defaulters (manager)", "reports:defaulters", None, {}, "manager"),
        ("Report: consumers (manager)", "reports:consumers", None, {}, "manager"),
        ("Report: staff (manager)", "reports:staff", None, {}, "manager"),
        ("Visit worklist (agent)", "visits:worklist", None, {}, "agent"),
        ("Visit queue (supervisor)", "visits:queue", None, {}, "supervisor"),
        ("Ticket queue (supervisor)", "tickets:queue", None, {}, "supervisor"),
        ("Imports list (manager)", "imports:list", None, {}, "manager"),
        ("Health", "core:health", None, {}, None),
    ]
    return [
        {"label": label, "name": name, "kwargs": kwargs, "query": query, "user": user}
        for label, name, kwargs, query, user in specs
    ]


def measure_pages(ctx: Context, reps: int, only: str = "") -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    clients: dict[str | None, Client] = {None: Client()}
    for name in ("agent", "supervisor", "manager", "head"):
        client = Client()
        client.force_login(ctx.users[name])
        clients[name] = client
    rows = []
    wanted = [w.strip().lower() for w in only.split(",") if w.strip()]
    for spec in page_specs(ctx):
        if wanted and not any(w in spec["label"].lower() for w in wanted):
            continue
        row = {"label": spec["label"], "name": spec["name"]}
        try:
            path = reverse(spec["name"], kwargs=spec["kwargs"])
        except NoReverseMatch:
            rows.append({**row, "skipped": "URL not in the project (yet)"})
            print(f"  skip {spec['label']}: no URL named {spec['name']}")
            continue
        query = {k: v for k, v in spec["query"].items() if v is not None and not k.startswith("_")}
        if None in spec["query"].values():
            rows.append({**row, "skipped": "no data for the query"})
            continue
        client = clients[spec["user"]]
        url = f"{path}?{urlencode(query)}" if query else path
        if spec["query"].get("_walk"):
            url = walk_to_last_page(client, path, query)
        queries = [0]

        def count(
            execute: Any, sql: str, params: Any, many: bool, context: Any, queries: Any = queries
        ) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.get(url)
        first_ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        if status != 200:
            rows.append({**row, "skipped": f"HTTP {status}", "url": url})
            print(f"  {spec['label']}: HTTP {status} — not timed")
            continue
        # Slow pages get fewer repetitions (about PAGE_BUDGET_MS each, never fewer than 5):
        # 20 repetitions of the 3 s consumers report alone took a minute, and on a loaded
        # machine every page is 3–10× slower.
        n = max(5, min(reps, int(PAGE_BUDGET_MS / max(first_ms, 1))))
        timing = time_calls(lambda url=url, client=client: client.get(url), n, warm=1)
        rows.append({**row, **timing, "queries": queries[0], "bytes": len(response.content)})
        print(
            f"  {spec['label']}: p50 {timing['p50']:.0f} ms, p95 {timing['p95']:.0f} ms,"
            f" {queries[0]} queries"
        )
    # A/B against a baseline measured in the same run: the health page (one query, no
    # template) shows how loaded the machine was; a page's ratio to it is comparable across runs.
    health = next((r for r in rows if r["name"] == "core:health" and "p50" in r), None)
    for r in rows:
        if health and "p50" in r:
            r["vs_health"] = r["p50"] / max(health["p50"], 0.01)
    return rows


# --- the other ways ---------------------------------------------------------------------------
def measure_admin(ctx: Context, reps: int) -> dict[str, Any]:
    """Django admin's changelist: COUNT(*) for the paginator, then OFFSET to the page."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(ctx.users["head"])
    page = max(1, int(ctx.bill_total * 0.9) // 100)
    out: dict[str, Any] = {"page": page}
    for label, url in (
        ("first", "/admin/billing/bill/"),
        ("deep", f"/admin/billing/bill/?p={page}"),
    ):
        response = client.get(url)
        if response.status_code == 200:
            out[label] = time_calls(lambda url=url: client.get(url), min(reps, ADMIN_REPS), warm=1)
        else:
            out[label] = {"skipped": f"HTTP {response.status_code}"}
    # The same SQL the admin runs, without Django around it.
    with connection.cursor() as cursor:

        def count_and_offset() -> None:
            cursor.execute("SELECT COUNT(*) FROM billing_bill")
            cursor.fetchone()
            cursor.execute(
                "SELECT b.*, u.survey_id FROM billing_bill b "
                "JOIN units_surveyunit u ON u.id = b.unit_id "
                "ORDER BY b.unit_id, b.month, b.psid DESC LIMIT 100 OFFSET %s",
                [(page - 1) * 100],
            )
            cursor.fetchall()

        out["sql"] = time_calls(count_and_offset, min(reps, ADMIN_REPS), warm=1)
    return out


def run_child(phase: str, url: str, extra: list[str] | None = None) -> dict[str, Any]:
    """Run a phase in a fresh interpreter (its own peak memory); returns its JSON result."""
    cmd = [sys.executable, str(Path(__file__)), "--phase", phase, "--database-url", url]
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


def ratio(ours: float, theirs: float) -> str:
    x = theirs / ours if ours else 0.0
    return f"{x:.1f}×" if x < 10 else f"{x:,.0f}×"


def mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def ms(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:,.0f}" if key in row else "—"


def shown_command(command: str) -> str:
    """The command as a reader would type it (without the flags that only steer the output)."""
    for flag in (" --no-write", "--no-write", " --render-only"):
        command = command.replace(flag, "")
    return command.replace(' BENCH_ARGS=""', "")


def render(results: dict[str, Any]) -> str:
    m, gen, sizes = results["machine"], results["generate"], results["sizes"]
    out = [
        START,
        f"## Latest run — {results['date']}",
        "",
        f"- Command: `{shown_command(results['command'])}`",
        f"- Machine: {m['cpus']} CPUs ({m['cpu']}), {m['ram_mb']:,} MB RAM, "
        f"PostgreSQL {m['postgres']} (shared_buffers {m['shared_buffers']}), Python {m['python']}; "
        f"load average at the end {m['load'][0]} (the machine is shared)",
        f"- Data: {sizes['units']:,} units, {sizes['bills']:,} bills "
        f"({results['args']['months']} months)",
        f"- Total benchmark time: {results['seconds'] / 60:.1f} min",
        "",
        "### Generation",
        "",
    ]
    if gen.get("path") == "realistic":
        built = gen["built"]
        how = "reused (timing of the run that built it)" if gen["reused"] else "this run"
        out.append(
            f"Built the way data arrives (`bench/realistic.py`, {how}): a legacy export of "
            f"{built['units']:,} units and {built['legacy_months']} months through "
            "`import_legacy_units` / `import_legacy_bills` (month by month), then "
            f"{built['months'] - built['legacy_months']} months of e-Pay bill files (random "
            "17-digit PSIDs, every 4th month re-issued) and payment files through preview + "
            f"commit: **{built['seconds'] / 60:.1f} min**. Size after each month:"
        )
        out += ["", "| month | DB MB | bill heap MB | bill indexes MB |", "|---|---:|---:|---:|"]
        for e in built["months_log"]:
            z = e["sizes"]
            out.append(
                f"| {e['month']} | {z['database'] / 2**20:,.0f} | {z['bill_heap'] / 2**20:,.0f}"
                f" | {z['bill_indexes'] / 2**20:,.0f} |"
            )
    elif gen.get("seconds"):
        timings = ", ".join(f"{k} {v:.0f} s" for k, v in (gen.get("timings") or {}).items())
        how = "reused (timing of the run that generated it)" if gen["reused"] else "this run"
        out.append(
            f"`generate_data --units {results['args']['units']} --months "
            f"{results['args']['months']}`: **{gen['seconds'] / 60:.1f} min** ({how}): {timings}."
        )
    out += [
        "",
        "### Pages (server time, in-process test Client, DEBUG off)",
        "",
        *(
            [
                f"Measured again on {results['pages_again']['date']} with load average "
                f"{results['pages_again']['load']} (`{results['pages_again']['command']}`).",
                "",
            ]
            if results.get("pages_again")
            else []
        ),
        "| page | URL name | p50 ms | p95 ms | × health p50 | queries | KB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["pages"]:
        if "skipped" in row:
            out.append(
                f"| {row['label']} | `{row['name']}` | — | — | — | — | skipped: {row['skipped']} |"
            )
        else:
            out.append(
                f"| {row['label']} | `{row['name']}` | {ms(row, 'p50')} | {ms(row, 'p95')} | "
                f"{row.get('vs_health', 0):,.1f} | {row['queries']} | {row['bytes'] / 1024:,.0f} |"
            )
    admin, pandas = results["admin"], results["pandas"]
    deep_keyset = next((r for r in results["pages"] if "90 %" in r["label"] and "p50" in r), None)
    out += ["", "### Side by side: what a user would otherwise use", ""]
    out += ["| way | p50 ms | p95 ms | vs. ours |", "|---|---:|---:|---:|"]
    for key, label in (
        ("first", "Django admin changelist, first page (COUNT + page)"),
        ("deep", f"Django admin changelist, page {admin.get('page', 0):,} (COUNT + OFFSET)"),
        ("sql", "…the admin's two SQL statements alone (no Django)"),
    ):
        row = admin.get(key, {})
        if "p50" in row:
            times = ratio(deep_keyset["p50"], row["p50"]) if deep_keyset else "—"
            out.append(f"| {label} | {ms(row, 'p50')} | {ms(row, 'p95')} | {times} |")
        else:
            out.append(f"| {label} | — | — | {row.get('skipped', 'not run')} |")
    if deep_keyset:
        out.append(
            f"| Ours: bill query at 90 % depth (keyset) | {ms(deep_keyset, 'p50')} | "
            f"{ms(deep_keyset, 'p95')} | 1× |"
        )
    if "seconds" in pandas:
        out.append(
            f"| Old app: pandas `read_sql` of the whole bills table — {pandas['rows']:,} rows, "
            f"peak {pandas['peak_mb']:,.0f} MB RSS (frame {pandas['frame_mb']:,.0f} MB) | "
            f"{pandas['seconds'] * 1000:,.0f} | — | "
            + (ratio(deep_keyset["p50"], pandas["seconds"] * 1000) if deep_keyset else "—")
            + " |"
        )
    else:
        out.append(f"| Old app: pandas `select *` | — | — | {pandas.get('skipped')} |")
    imports, export = results["imports"], results["export"]
    out += ["", "### Imports and export (a full month, one row per unit)", ""]
    out += ["| operation | rows | time | peak RSS | result |", "|---|---:|---:|---:|---|"]
    if "rows" in imports:
        for key, label in (("bills", "Bill import"), ("payments", "Payment reconciliation")):
            row = imports.get(key, {})
            if "commit_seconds" in row:
                counts = ", ".join(f"{k} {v:,}" for k, v in row["counts"].items() if v)
                out.append(
                    f"| {label}: preview + commit | {imports['rows']:,} | "
                    f"{row['preview_seconds']:.0f} s + {row['commit_seconds']:.0f} s | "
                    f"{imports['peak_mb']:,.0f} MB | {row['status']}: {counts} |"
                )
            else:
                out.append(f"| {label} | — | — | — | {row.get('skipped', 'not run')} |")
        archive = imports.get("archive", {})
        if "seconds" in archive:
            freed, kept = archive.get("bills_freed_bytes", 0), archive.get("kept_bytes", 0)
            out.append(
                f"| `archive_bills` of the oldest month ({archive['month'][:7]}) | "
                f"{archive['bills'] or 0:,} | {archive['seconds']:.0f} s | — | frees "
                f"{mb(freed)} of bills (after VACUUM FULL), keeps {mb(kept)} of totals: "
                f"net {mb(freed - kept)} ({(freed - kept) / max(freed, 1):.1%}); file "
                f"{mb(archive.get('file_bytes', 0))} |"
            )
    else:
        out.append(f"| Bill import / payments | — | — | — | {imports.get('skipped')} |")
    if "seconds" in export:
        out.append(
            f"| CSV export of the newest month (`billing:bills_export`) | {export['rows']:,} | "
            f"{export['seconds']:.1f} s ({mb(export['bytes'])}) | {export['peak_mb']:,.0f} MB "
            f"(at start {export['start_mb']:,.0f} MB) | streamed |"
        )
    else:
        out.append(f"| CSV export | — | — | — | {export.get('skipped')} |")
    check = results.get("verify", {})
    out += ["", "### Ledger check (`manage.py verify_ledgers`, every unit and summary)", ""]
    if "seconds" in check:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in check["timings"].items())
        out.append(
            f"{check['bills']:,} bills: **{check['seconds']:.1f} s** (budget 60 s): {parts}; "
            f"{check['discrepancies']:,} discrepancies (load average {check.get('load', '?')})."
        )
    else:
        out.append(f"Not run: {check.get('skipped', 'not run')}.")
    over = sizes["database"] / 2**20 - BUDGET_MB
    out += [
        "",
        "### Database size (`pg_total_relation_size`)",
        "",
        f"Whole database: **{mb(sizes['database'])}** (an empty database is "
        f"{mb(sizes['empty_database'])}); budget {BUDGET_MB} MB → "
        + (f"**over by {over:,.0f} MB**." if over > 0 else f"{-over:,.0f} MB to spare.")
        + f" Per bill {sizes['bytes_per_bill']:,.0f} bytes (table + indexes); per unit "
        f"{sizes['bytes_per_unit']:,.0f} bytes; whole database per unit "
        f"{sizes['bytes_per_unit_all'] / 1024:,.1f} kB.",
        "",
        "| table | rows | table | indexes | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in sizes["tables"]:
        if t["total"] >= 256 * 1024:
            out.append(
                f"| {t['table']} | {t['rows']:,} | {mb(t['table_bytes'])} | "
                f"{mb(t['index_bytes'])} | {mb(t['total'])} |"
            )
    small = [t for t in sizes["tables"] if t["total"] < 256 * 1024]
    out.append(f"| {len(small)} other tables | | | | {mb(sum(t['total'] for t in small))} |")
    out += ["", "Indexes over 1 MB:", "", "| index | table | method | size |", "|---|---|---|---:|"]
    for i in sizes["indexes"]:
        out.append(f"| {i['index']} | {i['table']} | {i['method']} | {mb(i['bytes'])} |")
    out += ["", END]
    return "\n".join(out)


def write_doc(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    if START in text and END in text:
        before = text[: text.index(START)]
        after = text[text.index(END) + len(END) :]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)


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
