"""manage.py import_legacy_units survey_units.csv [--errors report.csv] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from suthra.billing.legacy import UNIT_COLUMNS, legacy_units_import, parse_legacy_units
from suthra.imports.parsers import ParseError, errors_csv, read_table


class Command(BaseCommand):
    help = "Import the old system's survey_units CSV export (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--errors", help="write the error report (CSV) to this file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            table = read_table(
                path.read_bytes(),
                filename=path.name,
                spec=UNIT_COLUMNS,
                max_bytes=settings.IMPORT_MAX_BYTES,
            )
        except ParseError as exc:
            raise CommandError(str(exc)) from exc
        records, errors = parse_legacy_units(table)
        self.stdout.write(
            f"{len(table.rows)} rows: {len(records)} accepted, {len(errors)} problems"
        )
        for e in errors[:20]:
            self.stdout.write(f"  row {e.row} {e.column} '{e.value}': {e.reason}")
        if options["errors"]:
            Path(options["errors"]).write_bytes(
                errors_csv(errors, max_rows=settings.IMPORT_ERROR_REPORT_MAX_ROWS)
            )
            self.stdout.write(f"Error report written to {options['errors']}")
        if options["dry_run"]:
            return
        counts = legacy_units_import(records)
        self.stdout.write(
            self.style.SUCCESS(
                f"Units: {counts['new']} new, {counts['changed']} changed, "
                f"{counts['unchanged']} unchanged"
            )
        )
