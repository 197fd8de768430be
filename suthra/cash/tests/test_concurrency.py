"""Receipt numbers under concurrency (PostgreSQL: real row locks between connections): many
receipts and block reservations at once by one collector give unique, gap-free numbers, and the
same form sent twice at once makes one receipt."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from suthra.billing.models import Bill
from suthra.cash import services
from suthra.cash.models import CashReceipt, ReceiptBlock
from suthra.core.months import current_month
from suthra.testing import make_bill, make_unit

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections need PostgreSQL"
)


def _run(jobs):
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def wrap(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_receipts_and_blocks_never_share_a_number(world, settings):
    settings.CASH_RECEIPT_BLOCK_SIZE = 5
    units = [make_unit(world.uc_a) for _ in range(8)]
    for u in units:
        make_bill(u, current_month(), fee=300)
    jobs = [
        (lambda u=u: services.cash_collect(actor=world.agent_a, unit_id=u.pk, amount=100))
        for u in units
    ]
    jobs += [lambda: services.receipt_block_reserve(actor=world.agent_a) for _ in range(3)]
    errors = _run(jobs)
    assert not errors, errors
    book = services.receipt_book(world.agent_a)
    online = sorted(int(n[-6:]) for n in CashReceipt.objects.values_list("number", flat=True))
    reserved = [
        n
        for first, last in ReceiptBlock.objects.values_list("first", "last")
        for n in range(first, last + 1)
    ]
    every = sorted(online + reserved)
    assert every == list(range(1, 8 + 3 * 5 + 1))  # unique, no gaps
    assert book.next_number == 8 + 15 + 1
    assert sum(Bill.objects.values_list("paid_amount", flat=True)) == 800


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_makes_one_receipt(world):
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, current_month(), fee=300)
    key = uuid.uuid4()
    results: list = []

    def send():
        results.append(
            services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=300, client_key=key)
        )

    errors = _run([send, send, send])
    assert not [e for e in errors if not isinstance(e, ValidationError)], errors
    assert CashReceipt.objects.count() == 1
    assert sum(1 for _r, created in results if created) == 1
    bill.refresh_from_db()
    assert bill.paid_amount == 300


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_offline_receipt_from_two_sends_is_taken_once(world, settings):
    settings.CASH_RECEIPT_BLOCK_SIZE = 2
    unit = make_unit(world.uc_a)
    make_bill(unit, current_month(), fee=300)
    block = services.receipt_block_reserve(actor=world.agent_a)
    number = block.book.number(block.first)

    def send():
        services.cash_collect(
            actor=world.agent_a,
            unit_id=unit.pk,
            amount=100,
            receipt_number=number,
            client_key=uuid.uuid4(),
        )

    errors = _run([send, send])
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert list(CashReceipt.objects.values_list("number", flat=True)) == [number]
