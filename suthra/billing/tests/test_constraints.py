import datetime as dt

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, transaction

from suthra.billing.models import Bill, BillStatus, PaymentChannel, status_q
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)


@pytest.mark.django_db
def test_duplicate_unit_and_month_is_rejected(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, NOV)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bill(unit, NOV)
    assert Bill.objects.count() == 1


@pytest.mark.django_db
def test_psid_is_unique(world):
    first, second = make_unit(world.uc_a), make_unit(world.uc_a)
    make_bill(first, NOV, psid=10020030040050003)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bill(second, NOV, psid=10020030040050003)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["monthly_fee", "arrears", "paid_amount"])
def test_negative_amounts_are_rejected(world, field):
    bill = make_bill(make_unit(world.uc_a), NOV)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.filter(pk=bill.pk).update(**{field: -1})


@pytest.mark.django_db
def test_month_must_be_first_of_month(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_bill(make_unit(world.uc_a), dt.date(2025, 11, 15))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "paid",
    [
        {"paid_on": NOV},  # a paid date without an amount
        {"channel": PaymentChannel.ATM},  # a channel without an amount
        {"paid_amount": 300},  # an amount without a paid date
    ],
)
def test_paid_fields_present_only_when_paid(world, paid):
    unit = make_unit(world.uc_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.create(psid=1, unit=unit, month=NOV, monthly_fee=300, **paid)
    assert not Bill.objects.exists()


@pytest.mark.django_db
def test_status_is_not_a_column(world):
    """The status follows from the paid amount; it cannot be written."""
    unit = make_unit(world.uc_a)
    with pytest.raises(AttributeError):  # a read-only property
        Bill.objects.create(psid=1, unit=unit, month=NOV, monthly_fee=300, status=2)
    with pytest.raises(FieldDoesNotExist):
        Bill.objects.update(status=BillStatus.PAID)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fee", "arrears", "paid", "status"),
    [
        (300, 0, 0, BillStatus.UNPAID),
        (300, 600, 400, BillStatus.PARTIAL),
        (300, 600, 900, BillStatus.PAID),
        (300, 0, 500, BillStatus.PAID),  # overpaid
    ],
)
def test_status_follows_from_the_paid_amount(world, fee, arrears, paid, status):
    bill = make_bill(make_unit(world.uc_a), NOV, fee=fee, arrears=arrears, paid=paid)
    assert bill.status == status
    assert list(Bill.objects.status(status)) == [bill]
    assert Bill.objects.exclude(status_q(status)).count() == 0


@pytest.mark.django_db
def test_amount_due_is_fee_plus_arrears(world):
    bill = make_bill(make_unit(world.uc_a), NOV, fee=300, arrears=600, paid=400)
    assert bill.amount_due == 900
    assert bill.balance == 500
    assert bill.status == BillStatus.PARTIAL
