"""Bulk printed bills: a PDF of the largest UC (~3,200 bills), time, peak memory, file size.

    .venv/bin/python bench/bills_pdf.py                  # SQLite in a temporary folder
    .venv/bin/python bench/bills_pdf.py --bills 3200 --database-url postgres://.../suthra_bills

Builds one UC with ``--bills`` units, each with three months of bills (the newest unpaid with
two months of arrears, so every bill lists the months its arrears come from), then writes the
UC's unpaid bills of the newest month with ``suthra.consumers.bulk.write_bills_pdf`` — the code
the background export runs — in a child process, and reports wall time, the child's peak
resident memory (Django included) and the file size. Goal (issue 15): < 60 s, < 200 MB, < 10 MB.
Not a test: it only prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "true",
            "LOG_LEVEL": "WARNING",
            "SITE_URL": "https://suthra.example.pk",
        }
    )


def build(n: int) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from suthra.billing.models import Bill
    from suthra.locations.models import City, UnionCouncil
    from suthra.units.models import BusinessType, SizeCategory, SurveyUnit

    if Bill.objects.count() >= 3 * n:
        return UnionCouncil.objects.get(name="UC-Bench").id
    city = City.objects.create(name="Lahore", name_ur="لاہور")
    uc = UnionCouncil.objects.create(city=city, name="UC-Bench")
    types = [
        BusinessType.objects.create(name=name, name_ur=ur)
        for name, ur in (("Barber", "حجام"), ("Grocer", "کریانہ"), ("Tailor", "درزی"))
    ]
    units = SurveyUnit.objects.bulk_create(
        SurveyUnit(
            survey_id=f"SP-LHR-{i:07d}",
            uc=uc,
            business_type=types[i % 3],
            category=SizeCategory.SMALL if i % 4 else SizeCategory.MEDIUM,
            consumer_name=f"Muhammad Aslam {i}",
            billing_name=f"Muhammad Aslam Khan {i}",
            address=f"Shop {i}, Main Bazaar, Ravi Road",
            billing_mobile=f"0300{i:07d}",
        )
        for i in range(n)
    )
    bills = []
    for k, unit in enumerate(units):
        fee = 300 + (k % 5) * 100
        for m, month in enumerate(
            (dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1))
        ):
            psid = 10_000_000_000_000_000 + k * 3 + m
            bills.append(Bill(psid=psid, unit=unit, month=month, monthly_fee=fee, arrears=m * fee))
    Bill.objects.bulk_create(bills, batch_size=5000)
    return uc.id


def child(uc_id: int, out: str) -> None:
    import django

    django.setup()
    from suthra.billing.models import Bill, BillStatus
    from suthra.consumers.bulk import write_bills_pdf

    bills = Bill.objects.filter(unit__uc_id=uc_id, month=dt.date(2026, 11, 1)).status(
        BillStatus.UNPAID
    )
    started, cpu_started = time.monotonic(), time.process_time()
    with open(out, "wb") as f:
        count = write_bills_pdf(f, bills)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU seconds as well: on a shared, loaded machine the wall time says more about the load.
    figures = {"bills": count, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1)}
    print(json.dumps({**figures, "peak_mb": round(peak)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bills", type=int, default=3200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    tmp = Path(tempfile.gettempdir()) / "suthra-bench-bills"
    tmp.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{tmp / f'bills-{args.bills}.sqlite3'}"
    configure(url)
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    uc_id = build(args.bills)
    out = tmp / "bills.pdf"
    result = subprocess.run(
        [sys.executable, __file__, "--database-url", url, "--child", str(uc_id), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["file_mb"] = round(out.stat().st_size / 1e6, 1)
    figures["database"] = url.split(":", 1)[0]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
