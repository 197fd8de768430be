"""Data for the fault drills (``suthra/core/drills.py``): generated units and bills with their
payments, two staff, and a few adjustments through the services. Run in a child ``manage.py``
against a scratch database; never in production (the generator writes no audit events)."""

from __future__ import annotations

import datetime as dt

from suthra.accounts.models import Role, Staff
from suthra.billing import adjustments as adjusting
from suthra.billing.models import AdjustmentKind, AdjustmentReason, Bill
from suthra.demo.generator import generate
from suthra.locations.models import City
from suthra.units.models import SurveyUnit


def seed(*, units: int, months: int, adjustments: int = 3) -> dict[str, int]:
    """``units`` × ``months`` bills ending last month, then ``adjustments`` approved waivers
    and one pending, requested by a manager and approved by head office."""
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    generate(units=units, months=months, seed=7, end_month=last_month)
    manager = Staff.objects.create_user(
        "drill-manager", "drill-password-9", full_name="Drill Manager", role=Role.MANAGER
    )
    manager.cities.set(City.objects.all())
    head = Staff.objects.create_user(
        "drill-head", "drill-password-9", full_name="Drill Head", role=Role.HEAD
    )
    made = pending = 0
    candidates = Bill.objects.filter(month=last_month, arrears__gt=0, paid_amount=0)
    for bill in candidates.order_by("psid")[: adjustments * 5 + 5]:
        try:
            adjustment = adjusting.adjustment_request(
                actor=manager,
                psid=bill.psid,
                kind=AdjustmentKind.WAIVER,
                reason=AdjustmentReason.HARDSHIP,
                note="restore drill",
                new_arrears=0,
            )
        except adjusting.AdjustmentError:
            continue
        if made < adjustments:
            adjusting.adjustment_approve(actor=head, adjustment=adjustment, reason="drill")
            made += 1
        else:
            pending += 1
            break
    return {"approved": made, "pending": pending, "bills": Bill.objects.count()}


# --- the worker-killed drill: files, and the import steps as staff would take them -------------


def _manager() -> Staff:
    return Staff.objects.get(username="drill-manager")


def bill_file(path: str) -> int:
    """A bill file for this month: one new bill per unit (PSIDs no generated bill uses)."""
    month = dt.date.today().replace(day=1)
    rows = ["psid,bill_month,survey_id,monthly_fee,arrears"]
    units = SurveyUnit.objects.order_by("pk").values_list("survey_id", flat=True)
    for i, survey_id in enumerate(units.iterator(), start=1):
        rows.append(f"{990_000_000_000_000 + i},{month:%Y-%m},{survey_id},300,0")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")
    return len(rows) - 1


def payment_file(path: str) -> int:
    """A payments file: last month's unpaid bills paid in full today."""
    today = dt.date.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rows = ["psid,paid_on,amount"]
    bills = Bill.objects.filter(month=last_month, paid_amount=0).order_by("psid")
    for psid, fee, arrears in bills.values_list("psid", "monthly_fee", "arrears").iterator():
        if fee + arrears > 0:
            rows.append(f"{psid},{today:%Y-%m-%d},{fee + arrears}")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(rows) + "\n")
    return len(rows) - 1


def upload(path: str, kind: str) -> int:
    """Upload ``path`` as the drill's manager; the preview is queued for the worker."""
    from pathlib import Path

    from suthra.imports import services

    data = Path(path).read_bytes()
    return services.batch_upload(
        actor=_manager(), kind=kind, file_name=Path(path).name, data=data
    ).pk


def commit(batch_id: int) -> str:
    from suthra.imports import services
    from suthra.imports.models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    return str(services.batch_request_commit(actor=_manager(), batch=batch))


def restart(batch_id: int) -> str:
    from suthra.imports import services
    from suthra.imports.models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    return str(services.batch_restart(actor=_manager(), batch=batch))


def state(batch_id: int) -> dict[str, object]:
    from suthra.imports.models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    counts = batch.counts or {}
    return {
        "status": batch.status,
        "stalled": batch.is_stalled,
        "message": batch.message,
        **{k: counts.get(k) for k in ("new", "changed", "unchanged", "rejected", "applied")},
    }
