"""The months a cash receipt pays: the arrears' months (found as the printed bill finds them),
the bill's month and an advance, oldest first, after what the bill already had paid; shown on
the receipt page, the thermal and A6 PDFs and the SMS, in English and Urdu."""

from __future__ import annotations

import datetime as dt
import uuid

import pypdfium2
import pytest
from django.urls import reverse

from suthra.billing.models import PaymentChannel
from suthra.cash import services
from suthra.cash.models import CashReceipt
from suthra.cash.months import months_paid
from suthra.consumers.printing import month_en, month_ur
from suthra.consumers.selectors import month_add
from suthra.core.months import current_month
from suthra.notifications.sms import MemorySmsBackend
from suthra.testing import make_bill, make_unit

NOV, OCT, SEP, AUG = (dt.date(2026, m, 1) for m in (11, 10, 9, 8))
DEC = dt.date(2026, 12, 1)
# Sep unpaid (no arrears before it), Oct unpaid: Nov's arrears 600 come from Sep and Oct.
HISTORY = [(OCT, 300, 300, 0), (SEP, 300, 0, 0)]


def paid(amount: int, paid_before: int = 0, history=HISTORY, arrears: int = 600):
    return months_paid(
        bill_month=NOV,
        fee=300,
        arrears=arrears,
        paid_before=paid_before,
        amount=amount,
        history=history,
    )


def test_the_bill_month_alone_when_there_are_no_arrears():
    assert paid(300, arrears=0, history=[]) == ([NOV], False)
    assert paid(100, arrears=0, history=[]) == ([NOV], False)


def test_arrears_are_paid_oldest_month_first():
    assert paid(300) == ([SEP], False)
    assert paid(301) == ([SEP, OCT], False)
    assert paid(900) == ([SEP, OCT, NOV], False)
    # After 300 already paid (Sep), the next 600 pays Oct and Nov.
    assert paid(600, paid_before=300) == ([OCT, NOV], False)
    assert paid(1, paid_before=899) == ([NOV], False)


def test_an_advance_names_the_months_after_the_bill():
    assert paid(1200) == ([SEP, OCT, NOV, DEC], False)
    assert paid(300, paid_before=900) == ([DEC], False)
    assert paid(50, paid_before=900) == ([DEC], False)


def test_a_month_partly_paid_before_owes_only_its_rest():
    # Sep: fee 300 of which 200 paid; Oct's arrears 100; Nov's arrears 400 = Sep 100 + Oct 300.
    history = [(OCT, 300, 100, 0), (SEP, 300, 0, 200)]
    assert paid(100, history=history, arrears=400) == ([SEP], False)
    assert paid(101, history=history, arrears=400) == ([SEP, OCT], False)
    # Oct's own payment (400 of 600) cleared what came before it: only Oct is left.
    history = [(OCT, 300, 300, 400)]
    assert paid(200, history=history, arrears=200) == ([OCT], False)


def test_arrears_older_than_the_bills_found_say_and_earlier():
    # Only Oct is known, and it had arrears of its own: 300 of the 600 is from before it.
    history = [(OCT, 300, 300, 0)]
    assert paid(300, history=history) == ([], True)
    assert paid(900, history=history) == ([OCT, NOV], True)
    assert paid(300, paid_before=300, history=history) == ([OCT], False)


# --- the receipt as the payer sees it -------------------------------------------------------


@pytest.fixture
def unit(world):
    return make_unit(world.uc_a)


@pytest.fixture
def bill(unit):
    this = current_month()
    make_bill(unit, month_add(this, -2), fee=300)
    make_bill(unit, month_add(this, -1), fee=300, arrears=300)
    return make_bill(unit, this, fee=300, arrears=600)


def _months(n_back: int, n_ahead: int) -> tuple[str, str, str, str]:
    """English and Urdu names of the first and last month from ``n_back`` before the current
    month to ``n_ahead`` after it."""
    first, last = month_add(current_month(), -n_back), month_add(current_month(), n_ahead)
    return month_en(first), month_en(last), month_ur(first), month_ur(last)


def _pdf_text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_receipt_page_and_pdfs_name_the_months_of_arrears_and_advance(world, unit, bill, login):
    client = login(world.agent_a)
    r = client.post(
        reverse("cash:collect", args=[unit.pk]),
        {"amount": "1200", "client_key": str(uuid.uuid4())},
    )
    receipt = CashReceipt.objects.get()
    assert r.status_code == 302
    assert len(receipt.months) == 4 and not receipt.months_earlier
    first_en, last_en, first_ur, last_ur = _months(2, 1)
    page = client.get(r.url).content.decode()
    assert "Month(s) paid" in page and f"{first_en} – {last_en} (4)" in page
    for size in ("58", "80", "a6"):
        response = client.get(reverse("cash:receipt_print", args=[receipt.pk]), {"size": size})
        text = _pdf_text(b"".join(response.streaming_content))
        assert f"{first_en} – {last_en} (4)" in text, (size, text)
        assert "Month(s) paid" in text
        # The Urdu line too (the text layer holds it in visual order: word by word).
        for word in (*first_ur.split(), *last_ur.split(), "تا", "ماہ", "برائے"):
            assert word in text, (size, word)
    # In Urdu the page names the months in Urdu.
    world.agent_a.language = "ur"
    world.agent_a.save(update_fields=["language"])
    page = client.get(r.url).content.decode()
    assert "ادائیگی برائے ماہ" in page and f"{first_ur} تا {last_ur}" in page
    assert f"{first_en} – {last_en}" not in page


def test_the_months_stay_as_they_were_when_the_receipt_was_made(world, unit, bill, login):
    first, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=300)
    second, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=600)
    month_2, month_1, this = (month_add(current_month(), n) for n in (-2, -1, 0))
    assert first.months == [f"{month_2:%Y-%m}"]
    assert second.months == [f"{month_1:%Y-%m}", f"{this:%Y-%m}"]
    page = login(world.agent_a).get(reverse("cash:receipt", args=[first.pk])).content.decode()
    assert f'<dd class="receipt-months">{month_en(month_2)}</dd>' in page


def test_a_double_payment_receipt_names_the_bill_month(world, unit):
    bill = make_bill(unit, current_month(), fee=300, paid=300, channel=PaymentChannel.JAZZCASH)
    receipt, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=300)
    assert receipt.double_payment and receipt.months == [f"{bill.month:%Y-%m}"]


def test_the_sms_names_the_months_in_urdu_and_english(
    world, unit, bill, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "suthra.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cash_collect(
            actor=world.agent_a, unit_id=unit.pk, amount=900, payer_mobile="03001112223"
        )
    ((_to, text),) = MemorySmsBackend.outbox
    first_en, last_en, first_ur, last_ur = _months(2, 0)
    urdu, english = text.split("\n")
    assert f"for {first_en} – {last_en} (3), receipt" in english
    assert f"{first_ur} تا {last_ur}" in urdu and "وصول" in urdu


def test_a_receipt_made_before_the_months_were_kept_names_its_bill_month(world, unit, bill):
    receipt, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=100)
    CashReceipt.objects.filter(pk=receipt.pk).update(months=[], months_earlier=False)
    receipt.refresh_from_db()
    assert f"for {month_en(bill.month)}, receipt" in services.receipt_sms_text(receipt, "en")


def test_arrears_from_before_any_bill_kept_are_named_so(world, unit, login):
    # No earlier bills: the arrears' months are unknown; Rs 500 of the 600 pays only them.
    bill = make_bill(unit, current_month(), fee=300, arrears=600)
    receipt, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=500)
    assert (receipt.months, receipt.months_earlier) == ([], True)
    page = login(world.agent_a).get(reverse("cash:receipt", args=[receipt.pk])).content.decode()
    assert f"Arrears before {month_en(bill.month)}" in page
    assert f"Arrears before {month_en(bill.month)}" in services.receipt_sms_text(receipt, "en")
    urdu = services.receipt_sms_text(receipt, "ur")
    assert f"{month_ur(bill.month)} سے پہلے کے بقایا" in urdu
    # Rs 900 reaches this month's bill too: "… and earlier".
    second, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=400)
    assert second.months == [f"{bill.month:%Y-%m}"] and second.months_earlier
    assert f"for {month_en(bill.month)} and earlier," in services.receipt_sms_text(second, "en")
