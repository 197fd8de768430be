"""The consumer journeys for the user guide: a printed bill (printed from the Urdu interface)
and a printed notice rendered from their PDFs, and the Urdu interface of the
public lookup on a phone, the agent's "notice to serve" and the opt-out list — each page checked
right to left and with no English interface text."""

from __future__ import annotations

import datetime as dt

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from playwright.sync_api import expect

from suthra.consumers.models import BillSettings, Notice, NoticeBatch
from suthra.testing import make_bill, make_unit
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_urdu import missing_on

NOV, OCT, SEP = (dt.date(2026, m, 1) for m in (11, 10, 9))


def _page_image(path, scale: float = 2.5):
    doc = pypdfium2.PdfDocument(path)
    return doc[0].render(scale=scale).to_pil().convert("RGB")


@pytest.mark.django_db(transaction=True)
def test_printed_bill_from_the_urdu_interface(desktop, world, login_as):
    BillSettings.objects.create(pk=1, helpline="0800-78847", due_day=15, late_charge=50)
    unit = make_unit(
        world.uc_a,
        consumer_name="Muhammad Aslam",
        billing_name="Muhammad Aslam General Store",
        address="12 Circular Road, Ravi Town",
    )
    make_bill(unit, SEP, fee=300)
    make_bill(unit, OCT, fee=300, arrears=300)
    bill = make_bill(unit, NOV, fee=300, arrears=600, psid=10011202611000123)
    world.agent_a.language = "ur"
    world.agent_a.save()
    desktop.set_default_timeout(60_000)
    login_as(desktop, world.agent_a)
    desktop.goto(f"/units/{unit.pk}/")
    link = desktop.locator("#print-bill")
    expect(link).to_have_text("بل پرنٹ کریں (پی ڈی ایف)")
    with desktop.expect_download() as info:
        link.click()
    image = _page_image(info.value.path())
    assert str(bill.psid) in {r.text for r in zxingcpp.read_barcodes(image)}
    # One bill on an A4 page (English and Urdu side by side): the sheet is the top 40 %.
    image.crop((0, 0, image.width, int(image.height * 0.4))).save(SCREENSHOTS / "printed-bill.png")


@pytest.mark.django_db(transaction=True)
def test_manager_issues_notices_and_prints_them(desktop, world, login_as):
    for name in ("Rafiq Barber", "Nadeem Tailor"):
        unit = make_unit(world.uc_a, consumer_name=name)
        make_bill(unit, SEP, fee=300)
        make_bill(unit, OCT, fee=300, arrears=300)
        make_bill(unit, NOV, fee=300, arrears=600)
    desktop.set_default_timeout(60_000)
    login_as(desktop, world.manager)
    desktop.goto(f"/consumers/notices/?uc={world.uc_a.id}")
    desktop.fill("input[name=min_months]", "3")
    desktop.fill("input[name=deadline]", "2026-12-15")
    desktop.get_by_role("button", name="Issue notices").click()
    expect(desktop.locator("#notice-count")).to_have_text("2")
    with desktop.expect_download() as info:
        desktop.get_by_role("link", name="Download the notices (PDF)").click()
    image = _page_image(info.value.path())
    image.crop((0, 0, image.width, int(image.height / 3))).save(SCREENSHOTS / "printed-notice.png")


@pytest.mark.django_db(transaction=True)
def test_consumer_lookup_in_urdu_on_a_phone(phone, world, screenshot):
    unit = make_unit(world.uc_a, consumer_name="Muhammad Ali")
    bill = make_bill(unit, NOV, fee=300, arrears=200)
    phone.goto("/bill/")
    phone.context.add_cookies([{"name": "django_language", "value": "ur", "url": phone.url}])
    missing = missing_on(
        phone, [("lookup", "/bill/"), ("lookup-found", f"/bill/?psid={bill.psid}")]
    )
    assert not missing, missing
    phone.goto("/bill/")
    screenshot(phone, "urdu-bill-lookup-form")
    phone.fill("#psid", str(bill.psid))
    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("#lookup-bill")).to_contain_text("M**** A****")
    expect(phone.locator("#lookup-pdf")).to_have_text("بل ڈاؤن لوڈ کریں (پی ڈی ایف)")
    screenshot(phone, "urdu-bill-lookup")


@pytest.mark.django_db(transaction=True)
def test_agent_serves_a_notice_in_urdu(phone, world, login_as, screenshot):
    unit = make_unit(world.uc_a, consumer_name="Rafiq Barber")
    bill = make_bill(unit, NOV, fee=300, arrears=600)
    batch = NoticeBatch.objects.create(created_by=world.manager, deadline=dt.date(2026, 12, 15))
    notice = Notice.objects.create(
        batch=batch,
        unit=unit,
        psid=bill.psid,
        issued_on=timezone.localdate(),
        amount=900,
        months=["2026-09-01", "2026-10-01", "2026-11-01"],
        deadline=dt.date(2026, 12, 15),
        issued_by=world.manager,
    )
    world.agent_a.language = "ur"
    world.agent_a.save()
    login_as(phone, world.agent_a)
    missing = missing_on(
        phone,
        [
            ("worklist", "/visits/worklist/"),
            ("visit-form", f"/visits/new/{unit.pk}/?notice={notice.pk}"),
            ("opt-outs", "/sms/opt-outs/"),
        ],
    )
    assert not missing, missing
    phone.goto("/visits/worklist/")
    row = phone.locator(f'li[data-unit="{unit.pk}"]')
    expect(row.locator(".notice-to-serve")).to_have_text("نوٹس پہنچانا ہے")
    screenshot(phone, "urdu-worklist-notice")
    row.locator("a.button").first.click()
    expect(phone.locator("#notice-served")).to_be_visible()
    phone.locator("#notice-served").scroll_into_view_if_needed()
    screenshot(phone, "urdu-visit-notice")
    phone.goto("/sms/opt-outs/")
    phone.locator("details.optout-remove summary").click()
    screenshot(phone, "urdu-optouts")
