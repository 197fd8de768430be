"""manage.py import_legacy DIR | --from-database postgres://… [--errors report.csv] …

The switch-over from the old system in one command: the six old tables (locations, units,
staff, bills, tickets, compliance visits), from their CSV exports in DIR or straight from the
old database, streamed in chunks, resumable after a crash, verified at the end. See
docs/MIGRATION.md. The exit status is non-zero when the verification finds a difference (this
source's rows only: a target that already holds data verifies), or when rows were rejected
(unless --accept-rejects). Staff keep their old password for one login (hashed, must be
changed; --unusable-passwords: none). --language ur: the summary and the error report's
reasons in Urdu (the report's codes stay). The runbook is in docs/DEPLOY.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from suthra.migration.importer import (
    DEFAULT_CHUNK,
    LegacyImport,
    LegacyImportError,
    Result,
    translate,
)
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
        parser.add_argument(
            "--unusable-passwords",
            action="store_true",
            help="do not use the old passwords: every imported account needs a reset by head "
            "office (default: the old password is hashed and must be changed at first login)",
        )
        parser.add_argument(
            "--ledger-check",
            action="store_true",
            help="also run the ledger check (manage.py verify_ledgers) at the end, for information",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default="en",
            help="the language of the summary and of the error report's reasons (en, ur)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        self.language = options["language"]
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
                unusable_passwords=options["unusable_passwords"],
                language=self.language,
                ledger_check=options["ledger_check"],
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
            self.stdout.write(self.t("Error report written to %(path)s", path=options["errors"]))
        if not result.verified:
            raise CommandError(self.t("Verification failed: the database differs from the source."))
        if result.rejected and not options["accept_rejects"]:
            raise CommandError(
                self.t(
                    "%(n)s rows were rejected (see the error report); "
                    "run again with --accept-rejects to accept that.",
                    n=f"{result.rejected:,}",
                )
            )

    def t(self, message: str, **params: Any) -> str:
        return translate(getattr(self, "language", "en"), message, **params)

    def _source(self, options: dict[str, Any]) -> Source:
        t = self.t
        if options["from_database"] and options["directory"]:
            raise CommandError(t("Give a directory or --from-database, not both."))
        if options["from_database"]:
            try:
                return DatabaseSource(options["from_database"])
            except Exception as exc:  # psycopg.OperationalError and friends
                raise CommandError(t("Cannot read the old database: %(error)s", error=exc)) from exc
        if not options["directory"]:
            raise CommandError(t("Give the directory of the CSV exports, or --from-database URL."))
        directory = Path(options["directory"])
        if not directory.is_dir():
            raise CommandError(t("No such directory: %(path)s", path=directory))
        return FileSource(directory)

    def _report(self, result: Result) -> None:
        w, t = self.stdout.write, self.t
        ok, differs = t("ok"), t("DIFFERS")
        w("")
        w(t("Verification"))
        # Each column at least as wide as its heading in this language, and a space apart.
        heads = [t(h) for h in ("read", "new", "changed", "unchanged", "rejected", "in db")]
        widths = [max(n, len(h) + 1) for n, h in zip((11, 11, 9, 11, 10, 11), heads, strict=True)]

        def cells(values: list[str], widths: list[int]) -> str:
            return "".join(f"{v:>{n}}" for v, n in zip(values, widths, strict=True))

        w(f"  {t('table'):<18}{cells(heads, widths)}  {t('check')}")
        for r in result.tables.values():
            if r.missing:
                w(f"  {r.table:<18}{t('(not in the source)'):>40}")
                continue
            db = "" if r.in_database is None else f"{r.in_database:,}"
            figures = [r.read, r.new, r.changed, r.unchanged, r.rejected]
            w(
                f"  {r.table:<18}{cells([f'{v:,}' for v in figures] + [db], widths)}"
                f"  {ok if r.consistent else differs}"
            )
        for r in result.tables.values():
            if r.others:
                w(
                    "  "
                    + t(
                        "%(table)s: %(n)s other rows in the database "
                        "(not from this source; not compared)",
                        table=r.table,
                        n=f"{r.others:,}",
                    )
                )
        w("")
        heads = [t(h) for h in ("bills", "fee", "arrears", "paid", "rejected")]
        widths = [max(n, len(h) + 1) for n, h in zip((10, 14, 16, 14, 10), heads, strict=True)]
        w(f"  {t('month'):<8}{cells(heads, widths)}  {t('check (source − rejected = database)')}")
        for key, m in sorted(result.months.items()):
            d = m.database
            if m.ok:
                check = ok
            else:
                check = t(
                    "DIFFERS: source %(source)s; rejected %(rejected)s",
                    source=", ".join(f"{v:,}" for v in m.source),
                    rejected=", ".join(f"{v:,}" for v in m.rejected),
                )
            w(f"  {key:<8}{cells([f'{v:,}' for v in [*d, m.rejected[0]]], widths)}  {check}")
        others = sum(m.others for m in result.months.values())
        if others:
            w(
                "  "
                + t(
                    "other bills in the database (not from this source; not compared): %(n)s",
                    n=f"{others:,}",
                )
            )
        w(
            "  "
            + t(
                "arrears not following last month's bill: %(n)s bills",
                n=f"{result.arrears_breaks:,}",
            )
        )
        if result.ledger is not None:
            w("  " + t("ledger check (for information):"))
            for label, n in result.ledger.items():
                w(f"    {label}: {n:,}")
            if not result.ledger:
                w("    " + t("no discrepancies"))
        if result.batch_id:
            w(t("Import batch #%(n)s.", n=result.batch_id))
        if result.verified and not result.wrote and result.batch_id:
            w(
                self.style.SUCCESS(
                    t("Nothing to do: everything was already imported; nothing changed.")
                )
            )
        elif result.verified:
            w(self.style.SUCCESS(t("Verified: the database matches the source.")))
