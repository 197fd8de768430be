"""The collection report's arithmetic (``suthra/reports/ledger.py``) over long ranges.

    .venv/bin/python bench/ledger_range.py --database-url postgres://postgres@127.0.0.1:5432/x

Generates 300 k units × 12 months with the fast generator when the database is empty (about a
minute), adds 3,000 approved waivers once, then times ``ledger.ledger`` twice for each range,
actor and grouping and prints the seconds and the totals (which must not change between
versions). A benchmark, not a test: it only prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402

WAIVERS = """
INSERT INTO billing_adjustment (bill_id, unit_id, month, kind, reason, note, amount, new_fee,
    new_arrears, fee_before, arrears_before, proof_key, status, requested_by_id, requested_at,
    decided_by_id, decided_at, decision_reason)
SELECT psid, unit_id, month, 1, 5, 'bench', arrears, monthly_fee, 0, monthly_fee, arrears, '',
    1, %s, now(), %s, now(), 'bench'
FROM billing_bill WHERE month = %s AND arrears > 0 AND paid_amount = 0 ORDER BY psid LIMIT 3000
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--units", type=int, default=300_000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    run.configure(args.database_url)
    run.ensure_database(args.database_url, False)
    run.setup_django()
    run.ensure_data(args.units, args.months, "generated")
    from django.db import connection

    from suthra.billing.importing import month_add
    from suthra.billing.models import Adjustment
    from suthra.reports import ledger

    users = run.bench_users()
    head, manager = users["head"], users["manager"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(month), max(month) FROM billing_bill")
        first, last = cursor.fetchone()
        if not Adjustment.objects.exists():
            cursor.execute(WAIVERS, [manager.pk, head.pk, last])
            cursor.execute(
                "UPDATE billing_bill b SET arrears = 0 FROM billing_adjustment a"
                " WHERE a.bill_id = b.psid"
            )
            cursor.execute("ANALYZE billing_adjustment")
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    def cpu() -> float:
        """CPU seconds of the database server process serving us (local server only): what
        a loaded machine's wall time hides."""
        try:
            stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    print(f"load average {os.getloadavg()[0]:.1f}")
    cases = [
        ("1 month, HEAD, by city", head, last, last, "city"),
        ("12 months, HEAD, total", head, first, last, None),
        ("12 months, HEAD, by city", head, first, last, "city"),
        ("12 months, HEAD, by UC", head, first, last, "uc"),
        ("12 months, HEAD, by month", head, first, last, "month"),
        ("12 months, HEAD, by status", head, first, last, "status"),
        ("12 months, manager, by city", manager, first, last, "city"),
        ("6 months, HEAD, by city", head, month_add(last, -5), last, "city"),
    ]
    for name, actor, start, end, group in cases:
        seconds, cpus = [], []
        for _ in range(2):
            t, c = time.monotonic(), cpu()
            result = ledger.ledger(actor, start, end, group=group)
            seconds.append(time.monotonic() - t)
            cpus.append(cpu() - c)
        t = result.total
        figures = (t.units, t.bills, t.opening, t.billed, t.collected, t.adjusted, t.closing)
        wall = " / ".join(f"{s:.2f}" for s in seconds)
        server = " / ".join(f"{s:.2f}" for s in cpus)
        print(f"{name}: {wall} s wall, {server} s database CPU; {figures}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
