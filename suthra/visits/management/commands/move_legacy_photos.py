from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from suthra.visits.legacy_photos import legacy_photos_move, save_failure_report


class Command(BaseCommand):
    help = (
        "Move legacy survey photos (image_portal_url) into photo storage where reachable. "
        "Unreachable or invalid photos keep their URL and are listed in a CSV report."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="At most this many units.")
        parser.add_argument("--dry-run", action="store_true", help="Fetch and check only.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = legacy_photos_move(limit=options["limit"], dry_run=options["dry_run"])
        self.stdout.write(f"Moved {report.moved} photo(s); {len(report.failed)} failed.")
        if report.failed:
            key = save_failure_report(report)
            self.stdout.write(f"Failures: {key}")
            for survey_id, url, reason in report.failed[:20]:
                self.stdout.write(f"  {survey_id} {url}: {reason}")
