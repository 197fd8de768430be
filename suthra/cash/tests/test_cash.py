"""Field cash: collect and receipt, bad input, offline blocks, limit, cancellation, hand-over,
double payments with e-Pay (both orders), scope, the report and the PDFs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from suthra.billing.models import BillStatus, PaymentChannel, PaymentException
from suthra.billing.tests.helpers import commit, csv_bytes, upload_batch
from suthra.cash import selectors, services
from suthra.cash.models import CashReceipt, HandOverMethod, HandOverStatus, ReceiptStatus
from suthra.core.models import AuditEvent
from suthra.core.months import current_month
from suthra.notifications.sms import MemorySmsBackend
from suthra.testing import make_bill, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):
    return make_unit(world.uc_a)


@pytest.fixture
def bill(unit):
    return make_bill(unit, current_month(), fee=300, arrears=600)


def collect(world, unit, amount, **kw):
    kw.setdefault("actor", world.agent_a)
    return services.cash_collect(unit_id=unit.pk, amount=amount, **kw)


def test_collect_pays_the_bill_and_issues_a_numbered_receipt(world, unit, bill):
    receipt, created = collect(world, unit, 500, payer_name="Aslam")
    assert created
    assert receipt.number == f"LAH-{world.agent_a.pk:04d}-000001"
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.channel, bill.status) == (
        500,
        PaymentChannel.CASH_FIELD,
        BillStatus.PARTIAL,
    )
    second, _ = collect(world, unit, 400)
    assert second.number.endswith("-000002")
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.status) == (900, BillStatus.PAID)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("cash.collect") == 2 and actions.count("bill.payment_cash") == 2


def test_amount_above_the_bill_pays_it_up_to_one_months_fee_more(world, unit, bill):
    # owed 900 (fee 300 + arrears 600); one month's fee more: at most 1200
    with pytest.raises(ValidationError, match="at most Rs 1,200"):
        collect(world, unit, 1201)
    receipt, _ = collect(world, unit, 1200)
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.status) == (1200, BillStatus.PAID)


@pytest.mark.parametrize("amount", [0, -5])
def test_zero_or_negative_amount_writes_nothing(world, unit, bill, amount):
    with pytest.raises(ValidationError):
        collect(world, unit, amount)
    assert not CashReceipt.objects.exists()


def test_inactive_unit_and_out_of_scope_unit_are_refused(world, bill, unit):
    unit.is_active = False
    unit.save()
    with pytest.raises(ValidationError, match="inactive"):
        collect(world, unit, 100)
    other = make_unit(world.uc_b)
    make_bill(other, current_month())
    with pytest.raises(Http404):
        collect(world, other, 100)
    with pytest.raises(Http404):
        collect(world, make_unit(world.uc_c), 100, actor=world.supervisor)
    assert not CashReceipt.objects.exists()


def test_managers_do_not_collect(world, unit, bill):
    with pytest.raises(PermissionDenied):
        collect(world, unit, 100, actor=world.manager)


def test_supervisor_collects_in_their_city(world, bill, unit):
    receipt, _ = collect(world, unit, 100, actor=world.supervisor)
    assert receipt.collector == world.supervisor


def test_same_client_key_is_applied_once(world, unit, bill):
    key = uuid.uuid4()
    first, created = collect(world, unit, 300, client_key=key)
    again, created_again = collect(world, unit, 300, client_key=key)
    assert created and not created_again and again.pk == first.pk
    bill.refresh_from_db()
    assert bill.paid_amount == 300
    with pytest.raises(ValidationError):
        collect(world, unit, 300, client_key=key, actor=world.supervisor)


def test_offline_block_numbers_never_collide_with_online_ones(world, unit, bill, settings):
    settings.CASH_RECEIPT_BLOCK_SIZE = 3
    online, _ = collect(world, unit, 10)  # number 1
    block = services.receipt_block_reserve(actor=world.agent_a)
    assert (block.first, block.last) == (2, 4)
    block2 = services.receipt_block_reserve(actor=world.agent_a)  # a second phone
    assert (block2.first, block2.last) == (5, 7)
    after, _ = collect(world, unit, 10)
    assert after.number.endswith("-000008")
    book = block.book
    off, _ = collect(world, unit, 10, receipt_number=book.number(3), client_key=uuid.uuid4())
    assert off.offline and off.number.endswith("-000003")
    # The same receipt sent again with another key: refused, nothing written.
    with pytest.raises(ValidationError, match="already submitted"):
        collect(world, unit, 10, receipt_number=book.number(3), client_key=uuid.uuid4())
    # A number from no block of this collector: refused.
    with pytest.raises(ValidationError, match="not from a block"):
        collect(world, unit, 10, receipt_number=book.number(9), client_key=uuid.uuid4())
    with pytest.raises(ValidationError, match="not from a block"):
        collect(world, unit, 10, receipt_number="LAH-0001-000099", client_key=uuid.uuid4())
    numbers = list(CashReceipt.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


def test_cash_in_hand_limit_blocks_until_the_handover_is_confirmed(world, unit, bill, settings):
    settings.CASH_IN_HAND_LIMIT = 1000
    collect(world, unit, 900)
    with pytest.raises(ValidationError, match="limit"):
        collect(world, unit, 200)
    with pytest.raises(ValidationError, match="limit"):
        services.receipt_block_reserve(actor=world.agent_a) if services.cash_in_hand(
            world.agent_a
        ) >= 1000 else services._check_limit(world.agent_a, 200)
    handover = services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    with pytest.raises(ValidationError, match="limit"):  # not confirmed yet: still in hand
        collect(world, unit, 200)
    services.handover_confirm(actor=world.supervisor, handover=handover, received_amount=900)
    assert services.cash_in_hand(world.agent_a) == 0
    collect(world, unit, 200)


def test_handover_difference_is_flagged_and_needs_a_note(world, unit, bill):
    collect(world, unit, 500)
    collect(world, unit, 300)
    handover = services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    assert (handover.amount, handover.receipts_count) == (800, 2)
    with pytest.raises(ValidationError, match="nothing|no cash"):
        services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    with pytest.raises(ValidationError, match="note"):
        services.handover_confirm(actor=world.supervisor, handover=handover, received_amount=700)
    with pytest.raises(Http404):
        services.handover_confirm(
            actor=world.supervisor_multan, handover=handover, received_amount=800
        )
    done = services.handover_confirm(
        actor=world.supervisor, handover=handover, received_amount=700, note="Rs 100 short"
    )
    assert (done.status, done.difference) == (HandOverStatus.CONFIRMED, -100)
    with pytest.raises(ValidationError, match="already"):
        services.handover_confirm(actor=world.supervisor, handover=handover, received_amount=800)
    assert AuditEvent.objects.filter(action="cash.handover_confirm").count() == 1


def test_bank_deposit_needs_slip_number_and_photo(world, unit, bill):
    collect(world, unit, 500)
    with pytest.raises(ValidationError, match="slip"):
        services.handover_create(actor=world.agent_a, method=HandOverMethod.BANK, slip_number="1")
    h = services.handover_create(
        actor=world.agent_a, method=HandOverMethod.BANK, slip_number="HBL-77", slip_photo_key="k"
    )
    assert h.slip_number == "HBL-77"


def test_collector_cannot_confirm_own_handover(world, unit, bill):
    collect(world, unit, 100, actor=world.supervisor)
    h = services.handover_create(actor=world.supervisor, method=HandOverMethod.SUPERVISOR)
    with pytest.raises(ValidationError, match="another supervisor"):
        services.handover_confirm(actor=world.supervisor, handover=h, received_amount=100)
    services.handover_confirm(actor=world.manager, handover=h, received_amount=100)


def test_cancel_rules(world, unit, bill):
    receipt, _ = collect(world, unit, 500)
    with pytest.raises(PermissionDenied):
        services.receipt_cancel(actor=world.agent_a, receipt=receipt, reason="x")
    with pytest.raises(Http404):
        services.receipt_cancel(actor=world.supervisor_multan, receipt=receipt, reason="x")
    with pytest.raises(ValidationError, match="reason"):
        services.receipt_cancel(actor=world.supervisor, receipt=receipt, reason=" ")
    own, _ = collect(world, unit, 100, actor=world.supervisor)
    with pytest.raises(ValidationError, match="another supervisor"):
        services.receipt_cancel(actor=world.supervisor, receipt=own, reason="typo")
    done = services.receipt_cancel(actor=world.supervisor, receipt=receipt, reason="typed twice")
    assert done.status == ReceiptStatus.CANCELLED
    bill.refresh_from_db()
    assert bill.paid_amount == 100  # the supervisor's own receipt stays
    # The number is kept, never reused.
    nxt, _ = collect(world, unit, 50)
    assert nxt.number.endswith("-000002")
    # After hand-over: only through an adjustment.
    services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    nxt.refresh_from_db()
    with pytest.raises(ValidationError, match="adjustment"):
        services.receipt_cancel(actor=world.supervisor, receipt=nxt, reason="wrong unit")
    assert AuditEvent.objects.filter(action="cash.cancel").count() == 1
    assert AuditEvent.objects.filter(action="bill.payment_cash_cancel").count() == 1


def test_cancel_the_only_receipt_clears_the_payment(world, unit, bill):
    receipt, _ = collect(world, unit, 500)
    services.receipt_cancel(actor=world.supervisor, receipt=receipt, reason="wrong unit")
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.paid_on, bill.channel) == (0, None, PaymentChannel.NONE)


def test_cash_after_epay_is_a_double_payment(world, unit):
    bill = make_bill(unit, current_month(), fee=300, paid=300, channel=PaymentChannel.JAZZCASH)
    receipt, _ = collect(world, unit, 300)
    assert receipt.double_payment
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.channel) == (300, PaymentChannel.JAZZCASH)  # not overwritten
    exc = PaymentException.objects.get()
    assert (exc.kind, exc.batch_id, exc.receipt_number, exc.amount, exc.bill_id) == (
        PaymentException.Kind.DOUBLE_PAYMENT,
        None,
        receipt.number,
        300,
        bill.psid,
    )


def test_epay_after_cash_is_a_double_payment_and_resolved_with_audit(world, unit, login):
    month = current_month()
    bill = make_bill(unit, month, fee=300, psid=10020030040059999)
    collect(world, unit, 300)
    client = login(world.manager)
    day = max(month, dt.date.today())
    data = csv_bytes("PSID,Paid Date,Paid Amount,Channel", f"{bill.psid},{day:%Y-%m-%d},300,ATM")
    batch = commit(client, upload_batch(client, data, kind="PAYMENTS", name="p.csv"))
    assert batch.status == batch.Status.DONE, (batch.message, batch.counts)
    exc = PaymentException.objects.get()
    assert exc.kind == PaymentException.Kind.DOUBLE_PAYMENT
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.channel) == (300, PaymentChannel.CASH_FIELD)
    page = login(world.supervisor).get(reverse("billing:exceptions"))
    text = page.content.decode()
    assert "Double payment" in text and "Cash to field staff" in text and "ATM" in text
    r = client.post(
        reverse("billing:exception_resolve", args=[exc.pk]),
        {"outcome": "credit", "resolution": "next bill"},
    )
    assert r.status_code == 302
    exc.refresh_from_db()
    assert exc.resolution.startswith("Carried forward as credit")
    assert AuditEvent.objects.filter(action="payment_exception.resolve").exists()
    assert batch.pk


def test_receipt_sms_goes_to_the_payer(
    world, unit, bill, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "suthra.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        receipt, _ = collect(world, unit, 250, payer_mobile="03001112223")
    assert len(MemorySmsBackend.outbox) == 1
    to, text = MemorySmsBackend.outbox[0]
    assert to == "03001112223" and receipt.number in text and "Rs 250" in text
    receipt.refresh_from_db()
    assert receipt.sms_sent


def test_collect_page_and_receipt_views(world, unit, bill, login):
    client = login(world.agent_a)
    url = reverse("cash:collect", args=[unit.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {"amount": "0", "client_key": str(uuid.uuid4())})
    assert r.status_code == 400 and not CashReceipt.objects.exists()
    r = client.post(url, {"amount": "99999", "client_key": str(uuid.uuid4())})
    assert r.status_code == 400 and b"at most Rs 1,200" in r.content, r.content.decode()[-3000:]
    r = client.post(
        url, {"amount": "300", "payer_mobile": "0300-1234567", "client_key": str(uuid.uuid4())}
    )
    receipt = CashReceipt.objects.get()
    assert r.status_code == 302 and r.url == reverse("cash:receipt", args=[receipt.pk])
    assert receipt.payer_mobile == "03001234567"
    page = client.get(r.url).content.decode()
    assert receipt.number in page and "Three hundred rupees only" in page
    for size in ("58", "80", "a6"):
        pdf = client.get(reverse("cash:receipt_print", args=[receipt.pk]), {"size": size})
        assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        client.get(reverse("cash:receipt_print", args=[receipt.pk]), {"size": "a4"}).status_code
        == 400
    )
    book = client.get(reverse("cash:book")).content.decode()
    assert receipt.number in book
    blocks = client.post(reverse("cash:blocks")).json()
    assert blocks["numbers"][0].endswith("-000002") and len(blocks["numbers"]) == 20
    # Another agent's scope: the receipt is a 404.
    assert login(world.agent_b).get(reverse("cash:receipt", args=[receipt.pk])).status_code == 404


def test_cash_report_and_exports_are_scoped(world, unit, bill, login):
    collect(world, unit, 500)
    r2, _ = collect(world, unit, 200)
    services.receipt_cancel(actor=world.supervisor, receipt=r2, reason="twice")
    h = services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    services.handover_confirm(actor=world.supervisor, handover=h, received_amount=450, note="short")
    collect(world, unit, 100)
    today = dt.date.today()
    rows = selectors.cash_report(actor=world.supervisor, start=today, end=today)
    assert len(rows) == 1
    row = rows[0]
    assert (row["collected"], row["handed_over"], row["in_hand"], row["difference"]) == (
        600,
        500,
        100,
        -50,
    )
    assert (row["cancelled"], row["cancelled_amount"]) == (1, 200)
    assert selectors.cash_report(actor=world.supervisor_multan, start=today, end=today) == []
    client = login(world.supervisor)
    for fmt, start in (("csv", b"\xef\xbb\xbfDay"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        resp = client.get(reverse("cash:report"), {"format": fmt})
        body = b"".join(resp.streaming_content) if resp.streaming else resp.getvalue()
        assert resp.status_code == 200 and body.startswith(start), fmt
    assert AuditEvent.objects.filter(action="export.report", object_id="cash").count() == 3
    page = client.get(reverse("cash:report")).content.decode()
    assert "Agent_A" in page
    # The cash report agrees with the ledger of the bill.
    bill.refresh_from_db()
    assert bill.paid_amount == row["collected"]


def test_collection_by_channel_includes_field_cash(world, unit, bill, login):
    other = make_unit(world.uc_a)
    make_bill(other, current_month(), fee=300, paid=300, channel=PaymentChannel.JAZZCASH)
    collect(world, unit, 500)
    month = f"{current_month():%Y-%m}"
    r = login(world.supervisor).get(
        reverse("reports:collection"), {"from": month, "to": month, "group": "uc"}
    )
    assert r.status_code == 200
    table = r.context["result"].tables[1]
    assert table.rows == [["JazzCash", 1, 300], ["Cash to field staff", 1, 500]]
    assert table.footer[1:] == [2, 800]
    # Out of scope: nothing from Lahore.
    r = login(world.supervisor_multan).get(
        reverse("reports:collection"), {"from": month, "to": month}
    )
    assert r.context["result"].tables[1].rows == []


def test_double_payment_from_cash_shows_in_the_queue_and_needs_an_outcome(world, unit, login):
    make_bill(unit, current_month(), fee=300, paid=300, channel=PaymentChannel.EASYPAISA)
    receipt, _ = collect(world, unit, 300)
    client = login(world.supervisor)
    text = client.get(reverse("billing:exceptions")).content.decode()
    assert receipt.number in text and "Easypaisa" in text and "Cash to field staff" in text
    exc = PaymentException.objects.get()
    client.post(reverse("billing:exception_resolve", args=[exc.pk]), {"resolution": "called"})
    exc.refresh_from_db()
    assert exc.resolved_at is None  # a double payment needs refund or credit
    client.post(
        reverse("billing:exception_resolve", args=[exc.pk]),
        {"resolution": "paid back at the office", "outcome": "refund"},
    )
    exc.refresh_from_db()
    assert exc.resolution == "Refund noted: paid back at the office"
    # Not visible to another city's supervisor.
    text = login(world.supervisor_multan).get(reverse("billing:exceptions")).content.decode()
    assert receipt.number not in text


def test_managers_get_403_when_posting_cash(world, unit, bill, login):
    client = login(world.manager)
    url = reverse("cash:collect", args=[unit.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"amount": "100"}).status_code == 403
    assert client.post(reverse("cash:blocks")).status_code == 403
    assert not CashReceipt.objects.exists()


def test_limit_message_on_the_page_and_no_block_above_it(world, unit, bill, login, settings):
    settings.CASH_IN_HAND_LIMIT = 500
    collect(world, unit, 500)
    client = login(world.agent_a)
    r = client.post(
        reverse("cash:collect", args=[unit.pk]), {"amount": "100", "client_key": str(uuid.uuid4())}
    )
    assert r.status_code == 400 and b"over the limit" in r.content
    assert client.post(reverse("cash:blocks")).status_code == 409
    assert b"reached the limit" in client.get(reverse("cash:book")).content


def test_unit_page_lists_receipts_and_links_to_collect(world, unit, bill, login):
    receipt, _ = collect(world, unit, 100)
    page = login(world.agent_a).get(reverse("units:detail", args=[unit.pk])).content.decode()
    assert receipt.number in page and reverse("cash:collect", args=[unit.pk]) in page


def test_an_offline_receipt_pays_the_bill_current_when_the_cash_was_taken(world, unit, settings):
    from django.utils import timezone

    settings.CASH_RECEIPT_BLOCK_SIZE = 2
    this = current_month()
    last = (this - dt.timedelta(days=1)).replace(day=1)
    old = make_bill(unit, last, fee=300)
    new = make_bill(unit, this, fee=300, arrears=300)
    import time_machine

    morning = timezone.make_aware(dt.datetime.combine(this - dt.timedelta(days=2), dt.time(8)))
    with time_machine.travel(morning):
        block = services.receipt_block_reserve(actor=world.agent_a)
    taken = timezone.make_aware(dt.datetime.combine(this - dt.timedelta(days=1), dt.time(18)))
    # Not before the phone had the number, and not more than a week old.
    for when in (morning - dt.timedelta(hours=1), timezone.now() - dt.timedelta(days=8)):
        with pytest.raises(ValidationError, match="before this phone|days ago"):
            collect(
                world,
                unit,
                300,
                receipt_number=block.book.number(block.first),
                client_key=uuid.uuid4(),
                collected_at=when,
            )
    receipt, _ = collect(
        world,
        unit,
        300,
        receipt_number=block.book.number(block.first),
        client_key=uuid.uuid4(),
        collected_at=taken,
    )
    assert receipt.bill_id == old.psid
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.paid_amount, new.paid_amount) == (300, 0)
    assert old.paid_on == taken.date()
