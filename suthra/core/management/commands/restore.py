"""``manage.py restore <backup folder>``: put a ``manage.py backup`` back, then check it.

Checks the dump's SHA-256 before touching anything; replaces the database (pg_restore --clean in
one transaction on PostgreSQL, SQLite's backup API on SQLite); unpacks ``media.tar`` when there
is one; then compares row counts with the manifest and lists stored files that are missing.
Asks for confirmation unless ``--yes``. Stop the web server and the worker first.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from suthra.core.management.commands.backup import (
    MANIFEST,
    MEDIA_TAR,
    pg_env_and_args,
    row_counts,
    sha256_file,
)


def restore(folder: Path) -> dict[str, Any]:
    """Restore ``folder``; return the row counts, mismatches and missing stored files."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise CommandError(f"{folder} has no {MANIFEST}: not a backup folder")
    manifest = json.loads(manifest_path.read_text())
    dump = folder / manifest["database"]["file"]
    if not dump.is_file() or sha256_file(dump) != manifest["database"]["sha256"]:
        raise CommandError(f"{dump.name} is missing or does not match its SHA-256; not restoring")
    if manifest["vendor"] != connection.vendor:
        raise CommandError(
            f"the backup is of a {manifest['vendor']} database; this is {connection.vendor}"
        )
    if connection.vendor == "postgresql":
        if not shutil.which("pg_restore"):
            raise CommandError("pg_restore is not installed (apt-get install postgresql-client)")
        env, args = pg_env_and_args()
        connection.close()  # our own session must not hold locks on the tables being replaced
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                dump,
            ],
            check=True,
            env=env,
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    if manifest.get("media_tar"):
        tar_path = folder / MEDIA_TAR
        if sha256_file(tar_path) != manifest["media_tar"]["sha256"]:
            raise CommandError(f"{MEDIA_TAR} does not match its SHA-256; database restored only")
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        with tarfile.open(tar_path) as tar:
            tar.extractall(settings.MEDIA_ROOT, filter="data")
    rows = row_counts()
    mismatches = {
        label: {"expected": expected, "found": rows.get(label)}
        for label, expected in manifest["rows"].items()
        if rows.get(label) != expected
    }
    missing = []
    for alias, files in manifest["media"].items():
        if alias not in settings.STORAGES:
            missing += [f"{alias}:{name}" for name in files]
            continue
        storage = storages[alias]
        missing += [f"{alias}:{name}" for name in files if not storage.exists(name)]
    return {"rows": rows, "row_mismatches": mismatches, "missing_files": missing}


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (replaces the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="A backup folder (holds manifest.json).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, folder: str, yes: bool, **options: Any) -> None:
        name = connection.settings_dict["NAME"]
        if not yes:
            answer = input(f"This replaces every table of database {name!s}. Type 'restore': ")
            if answer.strip() != "restore":
                raise CommandError("cancelled")
        report = restore(Path(folder))
        for label, count in report["rows"].items():
            self.stdout.write(f"  {label}: {count:,} rows")
        if report["row_mismatches"]:
            raise CommandError(f"row counts differ from the manifest: {report['row_mismatches']}")
        if report["missing_files"]:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report['missing_files'])} stored files listed in the manifest are "
                    f"missing, e.g. {report['missing_files'][:5]}"
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {folder} into {name}"))
