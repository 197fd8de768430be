"""The phone's offline queue holds visits and cash receipts: at a phone viewport, offline, an
agent saves a visit and a cash receipt; the queue page shows each with its kind (Visit / Cash
receipt, the receipt with amount, PSID and number), the menu entry is neutral ("Saved on this
phone"), in English and in Urdu; back online both are sent once."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sw_ready
from tests.e2e.test_pwa import kept_pages


@pytest.mark.django_db(transaction=True)
def test_queue_shows_visits_and_cash_receipts_and_sends_each_once(
    phone, world, login_as, screenshot, tmp_path
):
    from PIL import Image

    from suthra.billing.models import Bill
    from suthra.cash.models import CashReceipt
    from suthra.core.months import current_month
    from suthra.testing import make_bill, make_unit
    from suthra.visits.models import ComplianceVisit

    visit_unit = make_unit(world.uc_a, consumer_name="Queue visit shop")
    cash_unit = make_unit(world.uc_a, consumer_name="Queue cash shop")
    make_bill(visit_unit, current_month(), fee=300, arrears=600)
    cash_bill = make_bill(cash_unit, current_month(), fee=300, arrears=900)
    visit_form = f"/visits/new/{visit_unit.pk}/"
    cash_form = f"/cash/collect/{cash_unit.pk}/"
    photo = tmp_path / "shop.jpg"
    Image.new("RGB", (640, 480), (90, 140, 160)).save(photo, "JPEG")

    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": visit_unit.lat, "longitude": visit_unit.lon})
    login_as(phone, world.agent_a)
    sw_ready(phone)
    phone.goto("/visits/worklist/")
    deadline = time.monotonic() + 20
    while not {visit_form, cash_form} <= set(kept_pages(phone)):
        assert time.monotonic() < deadline, kept_pages(phone)
        phone.wait_for_timeout(250)
    # Online once: the collect form gives this phone its block of receipt numbers.
    phone.goto(cash_form)
    phone.wait_for_function("() => window.SuthraCash && window.SuthraCash.numbers().length > 0")
    number = phone.evaluate("() => window.SuthraCash.numbers()[0]")

    phone.context.set_offline(True)
    try:
        phone.goto("/visits/worklist/")
        phone.click(f"a[href='{visit_form}']")
        expect(phone.locator("h1")).to_contain_text("Record a visit")
        phone.set_input_files("input[type=file]", str(photo))
        phone.check("input[name=outcome][value='2']")
        phone.click("#visit-form button[type=submit]")
        expect(phone).to_have_url(re.compile(r"/offline/queue/\?saved="))

        phone.goto("/visits/worklist/")
        phone.click(f"a[href='{cash_form}']")
        expect(phone.locator("h1")).to_contain_text("Collect cash")
        phone.fill("input[name=amount]", "1200")
        phone.click("#cash-form button[type=submit]")
        expect(phone).to_have_url(re.compile(r"/offline/queue/\?saved="))

        expect(phone.locator("h1")).to_have_text("Saved on this phone")
        expect(phone.locator("#pwa-saved-note")).to_contain_text("Saved on this phone.")
        expect(phone.locator("#pwa-queue li[data-state=waiting]")).to_have_count(2)
        visit_row = phone.locator("#pwa-queue li[data-kind=visit]")
        cash_row = phone.locator("#pwa-queue li[data-kind=cash]")
        expect(visit_row).to_have_count(1)
        expect(cash_row).to_have_count(1)
        expect(visit_row.locator(".q-kind")).to_have_text("Visit")
        expect(visit_row).to_contain_text("Queue visit shop")
        expect(visit_row.locator(".q-detail")).to_be_hidden()
        expect(cash_row.locator(".q-kind")).to_have_text("Cash receipt")
        expect(cash_row).to_contain_text("Queue cash shop")
        detail = cash_row.locator(".q-detail")
        expect(detail).to_contain_text("Rs 1,200")
        expect(detail).to_contain_text(f"PSID {cash_bill.psid}")
        expect(detail).to_contain_text(f"Receipt {number}")
        menu_entry = phone.locator(".menu a[href='/offline/queue/']")
        assert menu_entry.text_content().strip() == "Saved on this phone"
        screenshot(phone, "offline-queue-kinds")
        assert not ComplianceVisit.objects.exists() and not CashReceipt.objects.exists()
        # A copy of both records, to send them again later as a phone that lost the answers.
        phone.evaluate("async () => { window.copies = await SuthraQueue.all(); }")
    finally:
        phone.context.set_offline(False)

    expect(phone.locator("#pwa-queue li[data-state=sent]")).to_have_count(2, timeout=20_000)
    # Sent, the rows keep their kind and the receipt's details.
    expect(phone.locator("#pwa-queue li[data-kind=cash] .q-detail")).to_contain_text("Rs 1,200")
    expect(phone.locator("#pwa-queue li[data-kind=visit] .q-kind")).to_have_text("Visit")
    assert ComplianceVisit.objects.filter(unit=visit_unit).count() == 1
    receipt = CashReceipt.objects.get()
    assert (receipt.number, receipt.unit_id, receipt.amount, receipt.offline) == (
        number,
        cash_unit.pk,
        1200,
        True,
    )
    phone.evaluate(
        """async (user) => {
            for (const rec of window.copies) await SuthraQueue.put(rec);
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            return SuthraQueue.sync(user, token, {});
        }""",
        world.agent_a.username,
    )
    assert ComplianceVisit.objects.count() == 1 and CashReceipt.objects.count() == 1
    assert Bill.objects.get(pk=cash_bill.pk).paid_amount == 1200

    # In Urdu: the same list with Urdu kinds, and the neutral menu entry.
    world.agent_a.language = "ur"
    world.agent_a.save(update_fields=["language"])
    phone.goto("/offline/queue/")
    expect(phone.locator("h1")).to_have_text("اس فون پر محفوظ")
    expect(phone.locator("#pwa-queue li[data-kind=visit] .q-kind")).to_have_text("دورہ")
    expect(phone.locator("#pwa-queue li[data-kind=cash] .q-kind")).to_have_text("نقد رقم کی رسید")
    expect(phone.locator("#pwa-queue li[data-kind=cash] .q-detail")).to_contain_text(
        f"رسید {number}"
    )
    menu_entry = phone.locator(".menu a[href='/offline/queue/']")
    assert menu_entry.text_content().strip() == "اس فون پر محفوظ"
    screenshot(phone, "offline-queue-kinds-ur")
