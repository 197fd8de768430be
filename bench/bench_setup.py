"""`make bench`: the environment, the database and the data (realistic or generated)."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
