"""manage.py import_legacy_staff staff.csv [--force-reset] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from suthra.accounts.legacy import read_csv
from suthra.accounts.services import staff_import_legacy


class Command(BaseCommand):
    help = (
        "Import the old system's staff table (CSV export). Passwords are hashed on the way in "
        "and never printed; running it twice creates no duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--force-reset",
            action="store_true",
            help="every imported user must choose a new password at first login",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["csv_file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            records, errors = read_csv(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        report = staff_import_legacy(
            records=records, force_reset=options["force_reset"], dry_run=options["dry_run"]
        )
        problems = sorted([*errors, *report.errors], key=lambda e: e.line)
        for err in problems:
            self.stderr.write(f"line {err.line} ({err.username or '?'}): {err.message}")
        for warn in report.warnings:
            self.stdout.write(f"line {warn.line} ({warn.username}): warning: {warn.message}")
        prefix = "would create" if options["dry_run"] else "created"
        self.stdout.write(
            f"{prefix} {len(report.created)}, already present {len(report.existing)}, "
            f"skipped {len(problems)}; must change password at first login: "
            f"{len(report.must_change)}"
        )
