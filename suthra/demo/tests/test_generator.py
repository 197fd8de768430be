import datetime as dt
from itertools import pairwise

import pytest
from django.core.management import call_command

from suthra.accounts.models import Role, Staff
from suthra.billing.models import Bill, BillStatus
from suthra.billing.selectors import bill_import_batch
from suthra.demo.generator import generate
from suthra.demo.users import ensure_demo_users
from suthra.imports.models import ImportBatch
from suthra.units.models import SurveyUnit, Tariff


@pytest.mark.django_db
def test_small_run_produces_consistent_arrears():
    result = generate(units=60, months=6, seed=7, end_month=dt.date(2025, 11, 1))
    assert result.units == SurveyUnit.objects.count() == 60
    assert result.bills == Bill.objects.count()
    assert (
        Bill.objects.filter(unit__is_active=True).count()
        == 6 * SurveyUnit.objects.filter(is_active=True).count()
    )
    for unit in SurveyUnit.objects.all():
        bills = list(unit.bills.order_by("month"))
        assert bills[0].arrears == 0
        fee = Tariff.objects.get(business_type=unit.business_type, category=unit.category)
        for bill in bills:
            assert bill.monthly_fee == fee.monthly_fee
            assert bill.month.day == 1
            assert 0 <= bill.paid_amount <= bill.amount_due
        for previous, current in pairwise(bills):
            # this month's arrears = last month's amount due − what was paid on it
            assert current.arrears == previous.amount_due - previous.paid_amount
    # The generated batch knows its bills by PSID runs (the bill does not name its import).
    runs = ImportBatch.objects.get(kind=ImportBatch.Kind.GENERATED).written_runs()
    assert sum(last - first + 1 for first, last in runs) == result.bills
    some = Bill.objects.order_by("?").values_list("psid", flat=True)[:5]
    assert all(bill_import_batch(psid) is not None for psid in some)
    statuses = set(Bill.objects.with_status().values_list("status", flat=True))
    assert statuses == {BillStatus.PAID, BillStatus.UNPAID, BillStatus.PARTIAL}
    assert all(len(str(p)) == 17 for p in Bill.objects.values_list("psid", flat=True))


@pytest.mark.django_db
def test_generating_twice_appends_without_collisions():
    generate(units=10, months=2, seed=1)
    generate(units=10, months=2, seed=2)
    assert SurveyUnit.objects.count() == 20
    assert Bill.objects.values("psid").distinct().count() == Bill.objects.count()


@pytest.mark.django_db
def test_urdu_names_are_generated():
    generate(units=200, months=1, seed=3)
    assert SurveyUnit.objects.filter(consumer_name__regex=r"[\u0600-\u06FF]").exists()


@pytest.mark.django_db
def test_demo_setup_creates_one_login_per_role_and_is_idempotent():
    call_command("generate_data", "--units", "30", "--months", "2", "--if-empty")
    call_command("generate_data", "--units", "30", "--months", "2", "--if-empty")
    assert SurveyUnit.objects.count() == 30
    ensure_demo_users()
    ensure_demo_users()
    roles = set(Staff.objects.values_list("role", flat=True))
    assert roles == {Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.HEAD}
    agent = Staff.objects.get(username="agent")
    assert agent.check_password("suthra-demo-2025")
    assert set(agent.ucs.values_list("name", flat=True)) == {"UC-Ravi", "UC-Shalimar"}


@pytest.mark.django_db
def test_demo_data_holds_no_payment_after_today_and_no_future_month():
    import time_machine
    from django.db.models import Max

    # 5 December in Pakistan (21:30 UTC on the 4th is already the 5th in Karachi).
    with time_machine.travel(dt.datetime(2026, 12, 4, 21, 30, tzinfo=dt.UTC), tick=False):
        generate(units=300, months=3, seed=9)
        latest = Bill.objects.aggregate(month=Max("month"), paid_on=Max("paid_on"))
        assert latest["month"] == dt.date(2026, 12, 1)
        assert latest["paid_on"] == dt.date(2026, 12, 5)
        # Some of December is already paid (3–5 Dec), far from the 60 % of a finished month.
        december = Bill.objects.filter(month=dt.date(2026, 12, 1))
        paid = december.filter(paid_amount__gt=0).count()
        assert 0 < paid < december.count() * 0.2
        with pytest.raises(ValueError, match="after the current month"):
            generate(units=5, months=1, seed=1, end_month=dt.date(2027, 1, 1))
