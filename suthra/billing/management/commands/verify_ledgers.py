from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from suthra.billing import ledger_check
from suthra.locations.models import UnionCouncil


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"--month: {value!r} is not YYYY-MM") from exc


class Command(BaseCommand):
    help = (
        "Check every unit's chain of bills (previous balance = this bill's arrears, approved "
        "adjustments counted) and every summary table against a recount from the bills. Lists "
        "each discrepancy; exit status 1 when there is any. A run without filters is stored "
        "and shown on the dashboard (docs/BILLING.md, 'The ledger check')."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--month", type=_month, help="Only this bill month (YYYY-MM).")
        parser.add_argument("--city", type=int, help="Only the UCs of this city (id).")
        parser.add_argument("--uc", type=int, help="Only this union council (id).")
        parser.add_argument("--report", help="Write the discrepancies to this CSV file.")
        parser.add_argument(
            "--limit",
            type=int,
            default=ledger_check.DEFAULT_LIMIT,
            help="List at most this many discrepancies (all are counted).",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Run the full check as a background task."
        )
        parser.add_argument(
            "--if-due",
            action="store_true",
            help="With --enqueue: only when tonight's run is due (LEDGER_CHECK_HOUR).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            if options["if_due"] and not ledger_check.ledger_check_due():
                self.stdout.write("Ledger check not due.")
                return
            from suthra.billing.tasks import verify_ledgers_task

            verify_ledgers_task.enqueue()
            self.stdout.write("Ledger check enqueued.")
            return
        limit = max(0, options["limit"])
        ucs: list[int] | None = None
        if options["city"] is not None:
            ucs = list(
                UnionCouncil.objects.filter(city_id=options["city"]).values_list("id", flat=True)
            )
            if not ucs:
                raise CommandError(f"--city: no union councils in city {options['city']}")
        if options["uc"] is not None:
            if not UnionCouncil.objects.filter(id=options["uc"]).exists():
                raise CommandError(f"--uc: no union council {options['uc']}")
            ucs = [u for u in (ucs or [options["uc"]]) if u == options["uc"]]
        full = ucs is None and options["month"] is None
        if full:
            _run, result = ledger_check.ledger_check_run(limit=limit)
        else:
            result = ledger_check.verify(month=options["month"], uc_ids=ucs, limit=limit)
        for d in result.rows:
            where = f"unit {d.unit_id} ({d.survey_id})" if d.unit_id else f"uc {d.uc_id or '-'}"
            month = d.month.strftime("%Y-%m") if d.month else "-"
            self.stdout.write(
                f"{d.kind}\t{where}\t{month}\t{d.item}\texpected {d.expected}\tfound {d.found}"
            )
        if result.total > len(result.rows):
            self.stdout.write(f"… {result.total - len(result.rows)} more not listed")
        if options["report"]:
            with open(options["report"], "w", newline="", encoding="utf-8") as out:
                ledger_check.write_csv(result, out)
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items()))
        summary = (
            f"{result.bills_checked} bills checked in {result.seconds:.1f} s: "
            f"{result.total} discrepancies{' (' + kinds + ')' if kinds else ''}."
        )
        if result.total:
            self.stderr.write(summary)
            raise SystemExit(1)
        self.stdout.write(summary)
