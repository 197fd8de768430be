"""Reports and payments: the old queries (before the summaries of issue #7) against the new
selectors, alternately in one process so that both run at the same machine load.

    .venv/bin/python bench/reports_ab.py [repetitions]

Needs the bench database (``suthra_bench``, 300 k units × 12 months) and its demo users.
Benchmarks are not tests: this only prints figures (docs/REPORTS.md records them).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import run as bench  # noqa: E402

MONTH = dt.date(2026, 11, 1)
PERIOD = {"paid_from": dt.date(2026, 10, 27), "paid_to": dt.date(2026, 11, 25)}


def main() -> None:
    bench.configure("postgres://postgres@127.0.0.1:5432/suthra_bench")
    bench.setup_django()
    from django.db.models import Count, F, Max, Q, Sum, Value
    from django.db.models.functions import Greatest
    from django.http import QueryDict

    from suthra.accounts import scope
    from suthra.accounts.models import Staff
    from suthra.billing import selectors as bills
    from suthra.billing.models import Bill, BillStatus, status_q
    from suthra.reports import reports
    from suthra.reports.filters import Place, month_add

    def old_consumers(actor: Any) -> Any:
        # Payment pattern over 6 months and closed units, read from the bills.
        mine = scope.scoped(actor, Bill.objects.all(), "unit__uc")
        per_unit = (
            mine.filter(month__gte=month_add(MONTH, -5), month__lte=MONTH)
            .values("unit_id")
            .annotate(
                n_bills=Count("psid"),
                n_full=Count("psid", filter=status_q(BillStatus.PAID)),
                n_any=Count("psid", filter=status_q(BillStatus.PARTIAL, BillStatus.PAID)),
            )
            .order_by()
        )
        per_unit.aggregate(
            units=Count("unit_id"),
            always=Count("unit_id", filter=Q(n_full=F("n_bills"))),
            never=Count("unit_id", filter=Q(n_any=0)),
        )
        list(
            mine.filter(unit__is_active=False)
            .values("unit_id")
            .annotate(last=Max("month"))
            .order_by()
            .values_list("last", flat=True)
        )

    def new_consumers(actor: Any) -> Any:
        reports.consumers(actor, QueryDict(f"month={MONTH:%Y-%m}"))

    def old_defaulters(actor: Any) -> Any:
        owed = Greatest(F("monthly_fee") + F("arrears") - F("paid_amount"), Value(0))
        qs = (
            scope.scoped(actor, Bill.objects.all(), "unit__uc")
            .filter(status_q(BillStatus.UNPAID, BillStatus.PARTIAL), month=MONTH)
            .annotate(owed=owed)
            .select_related("unit__uc__city", "unit__business_type")
            .order_by("-owed", "psid")[:50]
        )
        return [b.unit.uc.city.name for b in qs]

    def new_defaulters(actor: Any) -> Any:
        top = reports._top_owed(actor, Place(), MONTH, 50)
        rows = Bill.objects.filter(psid__in=top).select_related(
            "unit__uc__city", "unit__business_type"
        )
        return [b.unit.uc.city.name for b in rows]

    def old_payments(actor: Any) -> Any:
        qs = bills.payments_query(actor=actor, filters=PERIOD)
        list(bills.bill_rows(qs).order_by("-paid_on", "-psid")[:51])
        sums = {"n": Count("psid"), "total": Sum("paid_amount")}
        list(qs.values("paid_on").annotate(**sums).order_by("paid_on"))
        list(qs.values("channel").annotate(**sums).order_by("-total"))

    def new_payments(actor: Any) -> Any:
        qs = bills.payments_query(actor=actor, filters=PERIOD)
        [b.unit.uc.name for b in bills.payment_rows(qs).order_by("-paid_on", "-psid")[:51]]
        bills.collection(qs)

    manager = Staff.objects.get(username="manager")
    supervisor = Staff.objects.get(username="supervisor")
    pairs: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
        ("consumers: pattern and closed units", old_consumers, new_consumers),
        ("defaulters", old_defaulters, new_defaulters),
        ("payments page data", old_payments, new_payments),
    ]
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for label, old, new in pairs:
        for who, actor in (("manager", manager), ("supervisor", supervisor)):
            before, after = [], []
            old(actor), new(actor)
            for _ in range(reps):
                for call, out in ((old, before), (new, after)):
                    started = time.perf_counter()
                    call(actor)
                    out.append((time.perf_counter() - started) * 1000)
            print(
                f"{label} ({who}): before p50 {statistics.median(before):.0f} / "
                f"p95 {bench.pct(before, 0.95):.0f} ms, after p50 {statistics.median(after):.0f}"
                f" / p95 {bench.pct(after, 0.95):.0f} ms"
            )


if __name__ == "__main__":
    main()
