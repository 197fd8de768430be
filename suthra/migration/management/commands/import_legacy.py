"""manage.py import_legacy DIR | --from-database postgres://… [--errors report.csv] …

The switch-over from the old system in one command: the six old tables (locations, units,
staff, bills, tickets, compliance visits), from their CSV exports in DIR or straight from the
old database, streamed in chunks, resumable after a crash, verified at the end. See
docs/MIGRATION.md. The exit status is non-zero when the verification finds a difference, or when
rows were rejected (unless --accept-rejects).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from suthra.migration.importer import DEFAULT_CHUNK, LegacyImport, LegacyImportError, Result
from suthra.migration.models import LegacyChunk, LegacyReject
from suthra.migration.sources import DatabaseSource, FileSource, Source


class Command(BaseCommand):
    help = "Import the old system's tables (CSV exports in DIR, or --from-database URL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", nargs="?", help="directory with <table>.csv files")
        parser.add_argument("--from-database", metavar="URL", help="the old PostgreSQL database")
        parser.add_argument("--errors", help="write the error report (CSV) to this file too")
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK, help="rows per transaction"
        )
        parser.add_argument(
            "--accept-rejects",
            action="store_true",
            help="exit 0 even when rows were rejected (the verification must still pass)",
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="compare source and database; write nothing"
        )
        parser.add_argument(
            "--restart", action="store_true", help="forget this source's progress and start over"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        source = self._source(options)
        try:
            if options["restart"]:
                LegacyChunk.objects.filter(source=source.key).delete()
                LegacyReject.objects.filter(source=source.key).delete()
            job = LegacyImport(
                source,
                chunk_size=max(1, options["chunk_size"]),
                verify_only=options["verify_only"],
                progress=not options["no_progress"],
                out=self.stdout,
            )
            try:
                result = job.run()
            except LegacyImportError as exc:
                raise CommandError(str(exc)) from exc
        finally:
            if isinstance(source, DatabaseSource):
                source.close()
        self._report(result)
        if options["errors"] and result.error_report:
            # Copied in pieces, never read whole (issue 21, finding 4).
            with (
                default_storage.open(result.error_report, "rb") as handle,
                open(options["errors"], "wb") as out,
            ):
                shutil.copyfileobj(handle, out)
            self.stdout.write(f"Error report written to {options['errors']}")
        if not result.verified:
            raise CommandError("Verification failed: the database differs from the source.")
        if result.rejected and not options["accept_rejects"]:
            raise CommandError(
                f"{result.rejected:,} rows were rejected (see the error report); "
                "run again with --accept-rejects to accept that."
            )

    def _source(self, options: dict[str, Any]) -> Source:
        if options["from_database"] and options["directory"]:
            raise CommandError("Give a directory or --from-database, not both.")
        if options["from_database"]:
            try:
                return DatabaseSource(options["from_database"])
            except Exception as exc:  # psycopg.OperationalError and friends
                raise CommandError(f"Cannot read the old database: {exc}") from exc
        if not options["directory"]:
            raise CommandError("Give the directory of the CSV exports, or --from-database URL.")
        directory = Path(options["directory"])
        if not directory.is_dir():
            raise CommandError(f"No such directory: {directory}")
        return FileSource(directory)

    def _report(self, result: Result) -> None:
        w = self.stdout.write
        w("")
        w("Verification")
        w(
            f"  {'table':<18}{'read':>11}{'new':>11}{'changed':>9}{'unchanged':>11}"
            f"{'rejected':>10}{'in db':>11}  check"
        )
        for t in result.tables.values():
            if t.missing:
                w(f"  {t.table:<18}{'(not in the source)':>40}")
                continue
            db = "" if t.in_database is None else f"{t.in_database:,}"
            w(
                f"  {t.table:<18}{t.read:>11,}{t.new:>11,}{t.changed:>9,}{t.unchanged:>11,}"
                f"{t.rejected:>10,}{db:>11}  {'ok' if t.consistent else 'DIFFERS'}"
            )
        w("")
        w(
            f"  {'month':<8}{'bills':>10}{'fee':>14}{'arrears':>16}{'paid':>14}"
            f"{'rejected':>10}  check (source − rejected = database)"
        )
        for key, m in sorted(result.months.items()):
            d = m.database
            w(
                f"  {key:<8}{d[0]:>10,}{d[1]:>14,}{d[2]:>16,}{d[3]:>14,}{m.rejected[0]:>10,}  "
                + (
                    "ok"
                    if m.ok
                    else "DIFFERS: source "
                    + ", ".join(f"{v:,}" for v in m.source)
                    + "; rejected "
                    + ", ".join(f"{v:,}" for v in m.rejected)
                )
            )
        w(f"  arrears not following last month's bill: {result.arrears_breaks:,} bills")
        if result.batch_id:
            w(f"Import batch #{result.batch_id}.")
        if result.verified and not result.wrote and result.batch_id:
            w(self.style.SUCCESS("Nothing changed: everything was already imported."))
        elif result.verified:
            w(self.style.SUCCESS("Verified: the database matches the source."))
