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
    runs = ImportBatch.objects.get(kind=ImportBatch.Kind.GENERATED).psid_runs
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
