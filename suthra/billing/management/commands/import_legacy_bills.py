"""manage.py import_legacy_bills bills.csv [--errors report.csv] [--dry-run]

The same validation, preview and single-transaction commit as the web import (batch kind
LEGACY). The file's SHA-256 is recorded, so running it again with the same file does nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from suthra.imports import services
from suthra.imports.models import ImportBatch


class Command(BaseCommand):
    help = "Import the old system's bills CSV export (safe to run again)."
    kind = ImportBatch.Kind.LEGACY

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--errors", help="write the error report (CSV) to this file")
        parser.add_argument("--dry-run", action="store_true", help="preview only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            batch = services.batch_upload(
                actor=None,
                kind=self.kind,
                file_name=path.name,
                data=path.read_bytes(),
                run_now=True,
            )
        except services.ImportRefused as exc:
            self.stdout.write(self.style.WARNING(str(exc)))
            return
        batch.refresh_from_db()
        self._report(batch, options)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise CommandError(batch.message or f"Import #{batch.pk} is {batch.status}")
        if options["dry_run"]:
            services.batch_cancel(actor=None, batch=batch)
            self.stdout.write("Dry run: nothing written.")
            return
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
        services.batch_commit(batch.pk)
        batch.refresh_from_db()
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError(batch.message or f"Import #{batch.pk} failed")
        c = batch.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{batch.pk} done: {c.get('new', 0)} new, {c.get('changed', 0)} changed, "
                f"{c.get('unchanged', 0)} unchanged, {c.get('rejected', 0)} rejected"
            )
        )

    def _report(self, batch: ImportBatch, options: dict[str, Any]) -> None:
        c = batch.counts
        if c:
            self.stdout.write(
                f"Preview #{batch.pk}: {c.get('file', {}).get('rows', 0)} rows — "
                f"{c.get('new', 0)} new, {c.get('changed', 0)} changed, "
                f"{c.get('unchanged', 0)} unchanged, {c.get('rejected', 0)} rejected"
            )
            for e in c.get("error_sample", [])[:20]:
                self.stdout.write(f"  row {e['row']} {e['column']} '{e['value']}': {e['reason']}")
            for check in c.get("details", {}).get("checks", []):
                if not check.get("skipped"):
                    self.stdout.write(
                        f"  {check['month']} vs {check['previous']}: {check['missing']} missing, "
                        f"{check['new_units']} new units, {check['fee_changes']} fee changes, "
                        f"{check['arrears_mismatch']} arrears not following"
                    )
        if options["errors"] and batch.error_report_key:
            # Copied in pieces, never read whole (issue 21, finding 4).
            with (
                default_storage.open(batch.error_report_key, "rb") as handle,
                open(options["errors"], "wb") as out,
            ):
                shutil.copyfileobj(handle, out)
            self.stdout.write(f"Error report written to {options['errors']}")
