"""Field cash at a phone viewport: an agent collects cash online and once offline (through the
phone's queue, with a receipt number from the block kept on the phone), the receipts arrive
once, the agent hands over, the supervisor confirms, and the cash report agrees with the
units' ledgers."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sw_ready
from tests.e2e.test_pwa import kept_pages


@pytest.mark.django_db(transaction=True)
def test_cash_collected_online_and_offline_handed_over_and_reported(
    phone, world, login_as, screenshot
):
    from suthra.billing.models import Bill, PaymentChannel
    from suthra.cash.models import CashReceipt, HandOverStatus
    from suthra.core.months import current_month
    from suthra.testing import make_bill, make_unit

    units = [make_unit(world.uc_a, consumer_name=f"Cash shop {i}") for i in range(2)]
    bills = [make_bill(u, current_month(), fee=300, arrears=600) for u in units]
    forms = [f"/cash/collect/{u.pk}/" for u in units]

    login_as(phone, world.agent_a)
    sw_ready(phone)
    phone.goto("/visits/worklist/")
    deadline = time.monotonic() + 20
    while not set(forms) <= set(kept_pages(phone)):
        assert time.monotonic() < deadline, kept_pages(phone)
        phone.wait_for_timeout(250)

    # Online: the form reserves a block of receipt numbers for this phone, then the receipt.
    phone.goto(forms[0])
    expect(phone.locator("h1")).to_contain_text("Collect cash")
    phone.wait_for_function("() => window.SuthraCash && window.SuthraCash.numbers().length === 20")
    phone.fill("input[name=amount]", "500")
    phone.fill("input[name=payer_name]", "Aslam")
    phone.fill("input[name=payer_mobile]", "0300-1234567")
    screenshot(phone, "cash-collect")
    phone.click("#cash-form button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/cash/receipts/\d+/$"))
    online = CashReceipt.objects.get()
    expect(phone.locator("h1")).to_contain_text(online.number)
    expect(phone.locator("main")).to_contain_text("Five hundred rupees only")
    screenshot(phone, "cash-receipt")
    # The phone reserved numbers 1–20 first; the online receipt took the book's next (21).
    assert online.number.endswith("-000021")
    offline_number = phone.evaluate(
        "(u) => JSON.parse(localStorage.getItem('suthra-receipt-numbers:' + u))[0]",
        world.agent_a.username,
    )
    assert offline_number == online.number[:-6] + "000001"

    # Offline: the kept form, a number from the phone's block, queued.
    phone.context.set_offline(True)
    try:
        phone.goto("/visits/worklist/")
        phone.click(f"a[href='{forms[1]}']")
        expect(phone.locator("h1")).to_contain_text("Collect cash")
        phone.fill("input[name=amount]", "300")
        phone.click("#cash-form button[type=submit]")
        expect(phone).to_have_url(re.compile(r"/offline/queue/\?saved="))
        expect(phone.locator("#pwa-queue")).to_contain_text(offline_number)
        screenshot(phone, "cash-offline-queued")
        assert CashReceipt.objects.count() == 1
        phone.evaluate("async () => { window.copies = await SuthraQueue.all(); }")
    finally:
        phone.context.set_offline(False)
    expect(phone.locator("#pwa-queue li[data-state=sent]")).to_have_count(2, timeout=20_000)
    offline = CashReceipt.objects.get(number=offline_number)
    assert offline.offline and offline.unit_id == units[1].pk and offline.amount == 300
    # Sent again (a phone that never got the answer): nothing new.
    phone.evaluate(
        """async (user) => {
            for (const rec of window.copies) await SuthraQueue.put(rec);
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            return SuthraQueue.sync(user, token, {});
        }""",
        world.agent_a.username,
    )
    assert CashReceipt.objects.count() == 2

    # The agent's cash book, and the hand-over to the supervisor.
    phone.goto("/cash/")
    expect(phone.locator("#cash-in-hand")).to_contain_text("800")
    screenshot(phone, "cash-book")
    phone.check("input[name=method][value='1']")
    phone.click("form[action='/cash/handover/'] button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("Hand-over of Rs 800 recorded")

    # The supervisor confirms on their phone.
    phone.context.clear_cookies()
    login_as(phone, world.supervisor)
    phone.goto("/cash/handovers/")
    card = phone.locator("li.handover").first
    expect(card).to_contain_text("Agent_A")
    expect(card).to_contain_text("Rs 800")
    screenshot(phone, "cash-handover-confirm")
    card.locator("button[type=submit]").click()
    expect(phone.locator(".messages")).to_contain_text("Hand-over confirmed")
    assert CashReceipt.objects.filter(handover__status=HandOverStatus.CONFIRMED).count() == 2

    # The cash report and the units' ledgers agree.
    phone.goto("/cash/report/")
    row = phone.locator("table.cash-report tbody tr").first
    cells = row.locator("td")
    expect(cells.nth(4)).to_have_text("800")  # collected
    expect(cells.nth(5)).to_have_text("800")  # handed over
    expect(cells.nth(6)).to_have_text("0")  # in hand
    screenshot(phone, "cash-report")
    paid = {b.unit_id: (b.paid_amount, b.channel) for b in Bill.objects.all()}
    assert paid == {
        units[0].pk: (500, PaymentChannel.CASH_FIELD),
        units[1].pk: (300, PaymentChannel.CASH_FIELD),
    }
    for unit, amount in zip(units, (500, 300), strict=True):
        phone.goto(f"/billing/units/{unit.pk}/ledger/")
        expect(phone.locator("main")).to_contain_text(f"{amount}")
    assert sum(b.paid_amount for b in Bill.objects.filter(pk__in=[b.pk for b in bills])) == 800


@pytest.mark.django_db(transaction=True)
def test_cash_steps_in_urdu_at_a_phone_viewport(phone, world, login_as, screenshot):
    """The agent's and the supervisor's cash steps with the Urdu interface (the user guide's
    Urdu screenshots): right to left, Urdu labels, the months paid named in Urdu."""
    from suthra.cash.models import CashReceipt, HandOverStatus
    from suthra.consumers.printing import month_ur
    from suthra.consumers.selectors import month_add
    from suthra.core.months import current_month
    from suthra.testing import make_bill, make_unit

    this = current_month()
    unit = make_unit(world.uc_a, consumer_name="Cash shop Urdu")
    make_bill(unit, month_add(this, -2), fee=300)
    make_bill(unit, month_add(this, -1), fee=300, arrears=300)
    make_bill(unit, this, fee=300, arrears=600)
    for staff in (world.agent_a, world.supervisor):
        staff.language = "ur"
        staff.save(update_fields=["language"])

    def right_to_left():
        expect(phone.locator("html")).to_have_attribute("lang", "ur")
        expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        assert phone.evaluate("getComputedStyle(document.querySelector('main')).direction") == (
            "rtl"
        )

    # The agent collects: Rs 1,200 pays the two months of arrears, this month and the next.
    login_as(phone, world.agent_a)
    phone.goto(f"/cash/collect/{unit.pk}/")
    expect(phone.locator("h1")).to_have_text("نقد رقم وصول کریں")
    right_to_left()
    expect(phone.locator("main")).to_contain_text("آپ کے پاس نقد رقم")
    expect(phone.locator("main")).to_contain_text("زیادہ سے زیادہ وصولی")
    expect(phone.locator("label[for=id_amount]")).to_contain_text("وصول شدہ رقم (روپے)")
    expect(phone.locator("#cash-form button[type=submit]")).to_have_text(
        "رقم وصول کریں اور رسید جاری کریں"
    )
    phone.wait_for_function("() => window.SuthraCash && window.SuthraCash.numbers().length === 20")
    phone.fill("input[name=amount]", "1200")
    phone.fill("input[name=payer_name]", "اسلم")
    screenshot(phone, "cash-collect-ur")
    phone.click("#cash-form button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/cash/receipts/\d+/$"))
    receipt = CashReceipt.objects.get()
    expect(phone.locator("h1")).to_contain_text("رسید")
    expect(phone.locator("h1")).to_contain_text(receipt.number)
    right_to_left()
    facts = phone.locator("dl.receipt")
    expect(facts).to_contain_text("ادائیگی برائے ماہ")
    expect(phone.locator(".receipt-months")).to_have_text(
        f"{month_ur(month_add(this, -2))} تا {month_ur(month_add(this, 1))}"
    )
    expect(facts).to_contain_text("ایک ہزار دو سو روپے")
    expect(phone.locator("main")).to_contain_text("80 ملی میٹر پرنٹ")
    screenshot(phone, "cash-receipt-ur")

    # The cash book and the hand-over.
    phone.goto("/cash/")
    expect(phone.locator("h1")).to_have_text("کیش بک")
    right_to_left()
    expect(phone.locator("main")).to_contain_text("آج کی رسیدیں")
    expect(phone.locator("main")).to_contain_text(receipt.number)
    expect(phone.locator("#cash-in-hand")).to_contain_text("1,200")
    expect(phone.locator("label:has(input[name=method][value='1'])")).to_contain_text(
        "نقد رقم سپروائزر کو"
    )
    screenshot(phone, "cash-book-ur")
    phone.check("input[name=method][value='1']")
    handover = phone.locator("form[action='/cash/handover/'] button[type=submit]")
    expect(handover).to_have_text("حوالے کریں")
    handover.click()
    expect(phone.locator(".messages")).to_contain_text("حوالگی درج ہو گئی")

    # The supervisor confirms, and reads the cash report.
    phone.context.clear_cookies()
    login_as(phone, world.supervisor)
    phone.goto("/cash/handovers/")
    expect(phone.locator("h1")).to_have_text("نقد رقم کی حوالگیاں")
    right_to_left()
    expect(phone.locator("main")).to_contain_text("آپ کی تصدیق کے منتظر")
    card = phone.locator("li.handover").first
    expect(card).to_contain_text("Agent_A")
    expect(card.locator("button[type=submit]")).to_have_text("وصولی کی تصدیق کریں")
    screenshot(phone, "cash-handover-confirm-ur")
    card.locator("button[type=submit]").click()
    expect(phone.locator(".messages")).to_contain_text("حوالگی کی تصدیق ہو گئی")
    assert CashReceipt.objects.get().handover.status == HandOverStatus.CONFIRMED

    phone.goto("/cash/report/")
    expect(phone.locator("h1")).to_have_text("فیلڈ میں وصول شدہ نقد رقم")
    right_to_left()
    head = phone.locator("table.cash-report thead th")
    expect(head.nth(4)).to_have_text("وصول شدہ (روپے)")
    expect(head.nth(5)).to_have_text("حوالے شدہ (روپے)")
    expect(head.nth(6)).to_have_text("ہاتھ میں (روپے)")
    cells = phone.locator("table.cash-report tbody tr").first.locator("td")
    expect(cells.nth(4)).to_have_text("1,200")  # collected
    expect(cells.nth(5)).to_have_text("1,200")  # handed over
    expect(cells.nth(6)).to_have_text("0")  # in hand
    screenshot(phone, "cash-report-ur")
