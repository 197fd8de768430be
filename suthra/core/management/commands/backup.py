"""``manage.py backup``: a database dump plus a manifest of the stored files (photos, archives).

Writes ``<BACKUP_DIR>/<UTC time>/`` with
- ``database.dump`` — ``pg_dump --format=custom`` on PostgreSQL (compressed; restored with
  pg_restore), or ``database.sqlite3`` — a consistent copy made with SQLite's backup API;
- ``manifest.json`` — when, which migrations, the dump's size and SHA-256, row counts of the main
  tables, and every file in the file storages (name, size; SHA-256 for local files) so that a
  restore can tell which photos and archives are missing;
- ``media.tar`` with ``--media``: the local media folder itself (object storage keeps its own
  copies; see docs/DEPLOY.md for the schedule).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
MEDIA_TAR = "media.tar"
# Tables whose row counts are recorded and checked after a restore.
COUNTED_MODELS = [
    "units.SurveyUnit",
    "billing.Bill",
    "accounts.Staff",
    "imports.ImportBatch",
    "core.AuditEvent",
    "tickets.Ticket",
    "visits.ComplianceVisit",
]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment only."""
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return env, [*args, "--dbname", str(db["NAME"])]


def row_counts() -> dict[str, int]:
    counts = {}
    for label in COUNTED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        counts[label] = model._default_manager.count()
    return counts


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def media_manifest() -> dict[str, Any]:
    """Every file of every file storage except static files: {alias: {name: {size, sha256?}}}."""
    result: dict[str, Any] = {}
    seen: set[str] = set()
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        where = f"{type(storage).__name__}:{getattr(storage, 'location', '')}"
        if where in seen:  # two aliases on the same folder or bucket
            continue
        seen.add(where)
        files: dict[str, dict[str, Any]] = {}
        try:
            names = list(_walk(storage))
        except (FileNotFoundError, NotImplementedError):
            names = []
        for name in names:
            entry: dict[str, Any] = {"size": storage.size(name)}
            if isinstance(storage, FileSystemStorage):
                entry["sha256"] = sha256_file(Path(storage.path(name)))
            files[name] = entry
        result[alias] = files
    return result


def dump_database(folder: Path) -> Path:
    if connection.vendor == "postgresql":
        if not shutil.which("pg_dump"):
            raise CommandError("pg_dump is not installed (apt-get install postgresql-client)")
        env, args = pg_env_and_args()
        target = folder / PG_DUMP
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                target,
                *args,
            ],
            check=True,
            env=env,
        )
        return target
    if connection.vendor == "sqlite":
        target = folder / SQLITE_DUMP
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # A consistent copy even while the web server and worker keep writing.
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    raise CommandError(f"backup does not support the {connection.vendor} database")


def backup(*, to: Path, media: bool = False) -> Path:
    """Write a backup folder under ``to`` and return it (for the command and for tests)."""
    started = dt.datetime.now(dt.UTC)
    folder = to / started.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    dump = dump_database(folder)
    manifest: dict[str, Any] = {
        "format": 1,
        "created_at": started.isoformat(),
        "vendor": connection.vendor,
        "database": {"file": dump.name, "bytes": dump.stat().st_size, "sha256": sha256_file(dump)},
        "migrations": {
            app: name
            for app, name in MigrationRecorder.Migration.objects.order_by("app", "id").values_list(
                "app", "name"
            )
        },
        "rows": row_counts(),
        "media": media_manifest(),
    }
    if media and Path(settings.MEDIA_ROOT).is_dir():
        with tarfile.open(folder / MEDIA_TAR, "w") as tar:
            tar.add(settings.MEDIA_ROOT, arcname=".")
        manifest["media_tar"] = {"file": MEDIA_TAR, "sha256": sha256_file(folder / MEDIA_TAR)}
    manifest["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return folder


class Command(BaseCommand):
    help = "Dump the database and write a manifest of stored files (see docs/DEPLOY.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            default=os.environ.get("BACKUP_DIR", str(Path(settings.BASE_DIR) / "backups")),
            help="Folder that receives one sub-folder per backup (default $BACKUP_DIR).",
        )
        parser.add_argument(
            "--media", action="store_true", help="Also copy the local media folder (media.tar)."
        )

    def handle(self, *args: Any, to: str, media: bool, **options: Any) -> None:
        folder = backup(to=Path(to), media=media)
        manifest = json.loads((folder / MANIFEST).read_text())
        files = sum(len(f) for f in manifest["media"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {folder}: database {manifest['database']['bytes']:,} bytes, "
                f"{files} stored files listed, {manifest['seconds']} s"
            )
        )
