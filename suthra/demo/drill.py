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
