"""manage.py restore_bills --month 2024-11"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from suthra.billing.archive import ArchiveError, restore_month


class Command(BaseCommand):
    help = "Bring an archived month's bills back into the database (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year, month = options["month"].split("-")
            first = dt.date(int(year), int(month), 1)
        except ValueError as exc:
            raise CommandError("--month must look like 2024-11") from exc
        try:
            result = restore_month(first)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write(f"{first:%b-%Y}: {result.skipped}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{first:%b-%Y}: {result.bills} bills restored"))
