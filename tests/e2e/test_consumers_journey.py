"""Printed bills and the public lookup in the browser: a manager prints a UC's unpaid bills;
a consumer on a phone opens the lookup from the QR code's address and downloads the bill."""

from __future__ import annotations

import datetime as dt

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import expect

from suthra.testing import make_bill, make_unit
from tests.e2e.conftest import SCREENSHOTS

NOV = dt.date(2026, 11, 1)


@pytest.mark.django_db(transaction=True)
def test_manager_prints_the_unpaid_bills_of_a_uc(desktop, world, login_as, screenshot):
    unpaid = [make_bill(make_unit(world.uc_a), NOV, fee=300) for _ in range(2)]
    make_bill(make_unit(world.uc_a), NOV, fee=300, paid=300, paid_on=NOV)
    # Tests run the export at once, inside the POST: rendering the PDF takes a few seconds.
    desktop.set_default_timeout(90_000)
    desktop.set_default_navigation_timeout(90_000)
    login_as(desktop, world.manager)
    desktop.goto(f"/reports/export/?kind=bills&uc={world.uc_a.id}&status=unpaid&month=2026-11")
    desktop.check("input[value=pdf]")
    desktop.get_by_role("button", name="Start export").click()
    link = desktop.locator("#export-download")
    expect(link).to_be_visible()
    with desktop.expect_download() as info:
        link.click()
    doc = pypdfium2.PdfDocument(info.value.path())
    image = doc[0].render(scale=3).to_pil()
    image.save(SCREENSHOTS / "printed-bills-a4.png")  # the user guide shows a printed bill
    codes = {r.text for r in zxingcpp.read_barcodes(image)}
    assert {str(b.psid) for b in unpaid} <= codes


@pytest.mark.django_db(transaction=True)
def test_consumer_opens_the_qr_address_on_a_phone_and_downloads(phone, world, screenshot):
    unit = make_unit(world.uc_a, consumer_name="Muhammad Ali")
    bill = make_bill(unit, NOV, fee=300, arrears=200)
    phone.goto(f"/bill/?psid={bill.psid}")
    expect(phone.locator("#lookup-bill")).to_contain_text("M**** A****")
    expect(phone.locator("#lookup-bill")).to_contain_text("500")
    screenshot(phone, "bill-lookup-phone")
    with phone.expect_download() as info:
        phone.locator("#lookup-pdf").click()
    with open(info.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # A made-up PSID: the same message as any other miss.
    phone.goto("/bill/?psid=99999999999999999")
    expect(phone.locator("#lookup-none")).to_be_visible()
