"""The summaries always equal a recount of the bills and units."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction

from suthra.billing.models import Bill, BillStatus, PaymentChannel, status_q
from suthra.demo.generator import generate
from suthra.stats.models import Aging, MonthlyStat, MonthlyTypeStat, UnitStat
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit

NOV = dt.date(2025, 11, 1)
OCT = dt.date(2025, 10, 1)
FIELDS = ("bills", "fees", "arrears", "collected", "outstanding")


def aging(fee: int, arrears: int) -> int:
    if arrears == 0:
        return Aging.NONE
    for bucket, months in ((Aging.UP_TO_3, 3), (Aging.UP_TO_6, 6), (Aging.UP_TO_12, 12)):
        if arrears <= fee * months:
            return bucket
    return Aging.OVER_12


def recount() -> tuple[dict, dict, dict]:
    """The summaries computed the slow way, bill by bill in Python."""
    monthly: dict = defaultdict(Counter)
    typed: dict = defaultdict(Counter)
    for b in Bill.objects.select_related("unit"):
        amounts = Counter(
            bills=1,
            fees=b.monthly_fee,
            arrears=b.arrears,
            collected=b.paid_amount,
            outstanding=b.balance,
        )
        monthly[(b.month, b.unit.uc_id, b.status, aging(b.monthly_fee, b.arrears))] += amounts
        typed[(b.month, b.unit.uc_id, b.unit.business_type_id, b.unit.category, b.status)] += (
            amounts
        )
    units: dict = defaultdict(lambda: [0, 0])
    for u in SurveyUnit.objects.all():
        units[u.uc_id][0 if u.is_active else 1] += 1
    return (
        {k: tuple(v[f] for f in FIELDS) for k, v in monthly.items()},
        {k: tuple(v[f] for f in FIELDS) for k, v in typed.items()},
        {k: tuple(v) for k, v in units.items()},
    )


def summaries() -> tuple[dict, dict, dict]:
    monthly = {
        (s.month, s.uc_id, s.status, s.aging): tuple(getattr(s, f) for f in FIELDS)
        for s in MonthlyStat.objects.all()
    }
    # One business-type row holds every status side by side; a status with no bills is no group.
    typed = {
        (s.month, s.uc_id, s.business_type_id, s.category, status): tuple(
            s.amounts(status)[f] for f in FIELDS
        )
        for s in MonthlyTypeStat.objects.all()
        for status in BillStatus.values
        if s.amounts(status)["bills"]
    }
    units = {s.uc_id: (s.active, s.inactive) for s in UnitStat.objects.all()}
    return monthly, typed, units


def assert_equal_to_recount() -> None:
    got, expected = summaries(), recount()
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    assert got[2] == expected[2]


@pytest.mark.django_db
def test_generated_data_summaries_equal_recount():
    generate(units=80, months=4, seed=3, end_month=NOV)
    assert MonthlyStat.objects.exists()
    assert_equal_to_recount()
    assert sum(MonthlyStat.objects.values_list("bills", flat=True)) == Bill.objects.count()


@pytest.mark.django_db
def test_bill_writes_then_refresh_keep_summaries_equal():
    generate(units=60, months=3, seed=5, end_month=NOV)
    # A payment, a correction (arrears changed) and a reversal, as billing services would do.
    bills = list(Bill.objects.select_related("unit").filter(month=NOV).order_by("psid")[:3])
    with transaction.atomic():
        unpaid = next(b for b in Bill.objects.filter(status_q(BillStatus.UNPAID), month=NOV))
        unpaid.paid_amount = unpaid.amount_due
        unpaid.paid_on = NOV + dt.timedelta(days=3)
        unpaid.channel = PaymentChannel.JAZZCASH
        unpaid.save()
        bills[0].arrears += 5000
        bills[0].save()
        Bill.objects.filter(psid=bills[1].psid).update(
            paid_amount=0, paid_on=None, channel=PaymentChannel.NONE
        )
        keys = [(b.unit.uc_id, b.month) for b in bills] + [(unpaid.unit.uc_id, NOV)]
        stats_refresh(keys=keys)
    assert_equal_to_recount()


@pytest.mark.django_db
def test_new_bills_and_units_in_a_fresh_uc_are_counted(world):
    unit = make_unit(world.uc_a)
    make_unit(world.uc_a, is_active=False)
    make_bill(unit, OCT, fee=300, arrears=0)
    make_bill(unit, NOV, fee=300, arrears=1000, paid=500)
    stats_refresh(keys=[(world.uc_a.id, OCT), (world.uc_a.id, dt.date(2025, 11, 17))])
    assert_equal_to_recount()
    nov = MonthlyStat.objects.get(month=NOV)
    assert (nov.status, nov.aging, nov.billed, nov.outstanding) == (
        BillStatus.PARTIAL,
        Aging.UP_TO_6,
        1300,
        800,
    )
    assert UnitStat.objects.get(uc=world.uc_a).inactive == 1


@pytest.mark.django_db
def test_refresh_of_other_keys_leaves_rows_alone(world):
    unit_a, unit_c = make_unit(world.uc_a), make_unit(world.uc_c)
    make_bill(unit_a, NOV)
    make_bill(unit_c, NOV)
    stats_refresh()
    Bill.objects.filter(unit=unit_c).delete()
    stats_refresh(keys=[(world.uc_a.id, NOV)])
    # UC C was not refreshed, so its (now stale) row stays until its key is refreshed.
    assert MonthlyStat.objects.filter(uc=world.uc_c).count() == 1
    stats_refresh(keys=[(world.uc_c.id, NOV)])
    assert_equal_to_recount()


@pytest.mark.django_db
def test_rebuild_stats_command(world):
    make_bill(make_unit(world.uc_b), NOV, paid=300)
    MonthlyStat.objects.create(uc=world.uc_c, month=OCT, status=0, aging=0, bills=9)
    call_command("rebuild_stats", stdout=None)
    assert_equal_to_recount()


@pytest.mark.django_db
def test_archived_months_keep_their_summaries(world):
    from suthra.billing.models import ArchivedMonth

    unit = make_unit(world.uc_a)
    make_bill(unit, OCT, fee=300, paid=300)
    make_bill(unit, NOV, fee=300)
    stats_refresh()
    # The billing app archives October: its bills leave the table, the figures stay.
    Bill.objects.filter(month=OCT).delete()
    ArchivedMonth.objects.create(month=OCT, file_key="archive/bills-2025-10.csv.gz", sha256="0")
    stats_refresh()
    stats_refresh(keys=[(world.uc_a.id, OCT)])
    assert MonthlyStat.objects.get(month=OCT).collected == 300
    assert MonthlyStat.objects.filter(month=NOV).exists()
