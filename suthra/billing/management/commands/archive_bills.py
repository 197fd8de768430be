"""manage.py archive_bills --older-than 12 [--dry-run]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from suthra.billing.archive import ArchiveError, archive_month, months_older_than


class Command(BaseCommand):
    help = "Move bills older than N months into gzipped CSV files in storage (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", type=int, required=True, metavar="MONTHS")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["older_than"] < 1:
            raise CommandError("--older-than must be at least 1")
        months = months_older_than(options["older_than"])
        if not months:
            self.stdout.write("Nothing to archive.")
            return
        for month in months:
            if options["dry_run"]:
                self.stdout.write(f"Would archive {month:%b-%Y}")
                continue
            try:
                result = archive_month(month)
            except ArchiveError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(f"{month:%b-%Y}: {result.bills} bills → {result.file_key}")
            )
