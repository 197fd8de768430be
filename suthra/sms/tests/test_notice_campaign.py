"""The "notice served" campaign goes to the units whose defaulter notice an agent recorded as
handed over (still owing), and its {due_date} is the notice's deadline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suthra.consumers.models import Notice, NoticeBatch
from suthra.sms import services
from suthra.sms.models import Kind
from suthra.sms.selectors import plan
from suthra.testing import make_bill, make_unit

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)
BODY = "Dear {name}, Rs {amount} on PSID {psid}: pay by {due_date}."


def _unit(world, mobile, *, notice=None, paid=0):
    unit = make_unit(world.uc_a, mobile=mobile)
    bill = make_bill(unit, NOV, fee=300, arrears=600, paid=paid)
    if notice is not None:
        batch = NoticeBatch.objects.create(
            created_by=world.manager, deadline=dt.date(2026, 12, 20), notices=1
        )
        Notice.objects.create(
            batch=batch,
            unit=unit,
            psid=bill.psid,
            issued_on=dt.date(2026, 11, 25),
            amount=900,
            months=["2026-11-01"],
            deadline=dt.date(2026, 12, 20),
            issued_by=world.manager,
            served_at=timezone.now() if notice == "served" else None,
            served_by=world.agent_a if notice == "served" else None,
        )
    return unit


def test_notice_served_reaches_only_the_served_units_with_the_deadline(world):
    _unit(world, "03001110001", notice="served")
    _unit(world, "03001110002", notice="unserved")
    _unit(world, "03001110003")
    _unit(world, "03001110004", notice="served", paid=900)  # paid since: nothing to say
    services.templates_ensure()
    campaign = services.campaign_create(
        actor=world.manager,
        kind=Kind.NOTICE_SERVED,
        language="en",
        city=world.lahore,
        uc=world.uc_a,
        month=NOV,
    )
    result = plan(campaign, BODY)
    assert [r.to for r in result.recipients] == ["03001110001"]
    assert "pay by 20/12/2026" in result.sample.text and "Rs 900" in result.sample.text
