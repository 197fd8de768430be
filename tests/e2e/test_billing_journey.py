"""Phone journey: a manager uploads a bill file, checks the preview and its errors, commits,
watches the progress bar, sees the bills on the unit page; then a payments file turns them PAID."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from suthra.billing.models import Bill, BillStatus
from suthra.imports import services
from suthra.testing import TEST_PASSWORD, make_bill, make_unit

BILLS = (
    "psid,bill_month,survey_id_fk,monthly_fee,arrears,amount_due\n"
    "10020030040050001,Nov-2025,SP-E2E-1,300,0,300\n"
    "10020030040050002,Nov-2025,SP-E2E-2,1000,500,1500\n"
    "10020030040050003,Nov-2025,SP-UNKNOWN,300,0,300\n"
    "10020030040050004,Nov-2025,SP-E2E-2,-5,0,-5\n"
)
PAYMENTS = (
    "PSID;Paid Date;Amount;Bank\n"
    "10020030040050001;20/11/2025;300;JazzCash\n"
    "10020030040050002;21/11/2025;1500;HBL\n"
)


def _login(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _upload(page, kind: str, name: str, content: str) -> None:
    page.goto("/imports/")
    page.select_option("#id_kind", kind)
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.click("text=Upload and check")


@pytest.mark.django_db(transaction=True)
def test_manager_imports_bills_then_payments(phone, world, screenshot, monkeypatch):
    unit = make_unit(world.uc_a, survey_id="SP-E2E-1", consumer_name="Bilal Bills")
    make_unit(world.uc_a, survey_id="SP-E2E-2")
    # Hold the commit back so the progress bar can be watched; the test plays the worker.
    real_start = services.start
    held: list[int] = []
    monkeypatch.setattr(
        services,
        "start",
        lambda batch, step, run_now=False: (
            held.append(batch.pk) if step == "commit" else real_start(batch, step, run_now=run_now)
        ),
    )
    _login(phone, world.manager)
    _upload(phone, "BILLS", "november.csv", BILLS)

    # Preview: counts and the rejected rows, nothing written yet.
    expect(phone.locator("[data-count=new]")).to_have_text("2")
    expect(phone.locator("[data-count=rejected]")).to_have_text("2")
    expect(phone.locator(".import-errors")).to_contain_text("unknown survey id")
    expect(phone.locator(".import-errors")).to_contain_text("must not be negative")
    expect(phone.get_by_text("Download the error report (CSV)")).to_be_visible()
    screenshot(phone, "billing-import-preview")
    assert not Bill.objects.exists()

    phone.click("button.commit")
    expect(phone.locator("progress")).to_be_visible()
    expect(phone.locator(".import-status")).to_contain_text("Committing")
    screenshot(phone, "billing-import-progress")
    services.batch_commit(held[0])  # the worker runs; the polling page reloads by itself
    expect(phone.locator("h2")).to_contain_text("Result", timeout=15_000)
    expect(phone.locator("progress")).to_have_count(0)
    assert Bill.objects.count() == 2

    # The bills are on the unit page.
    phone.goto(f"/units/{unit.pk}/")
    expect(phone.locator("body")).to_contain_text("10020030040050001")
    screenshot(phone, "billing-unit-with-bill")

    # Payments file (semicolons, day-first dates, bank names) → the bills turn PAID.
    monkeypatch.setattr(services, "start", real_start)
    _upload(phone, "PAYMENTS", "bank.csv", PAYMENTS)
    expect(phone.locator("[data-count=paid]")).to_have_text("2")
    phone.click("button.commit")
    expect(phone.locator("h2")).to_contain_text("Result")
    assert set(Bill.objects.with_status().values_list("status", flat=True)) == {BillStatus.PAID}
    phone.goto("/billing/bills/?status=2")
    expect(phone.locator(".bills-table tbody tr")).to_have_count(2)
    expect(phone.locator(".bills-table")).to_contain_text("Paid")
    screenshot(phone, "billing-bills-paid")


@pytest.mark.django_db(transaction=True)
def test_supervisor_corrects_a_payment_on_a_phone(phone, world):
    unit = make_unit(world.uc_a, survey_id="SP-E2E-9")
    bill = make_bill(unit, dt.date(2025, 11, 1), fee=300)
    _login(phone, world.supervisor)
    phone.goto(f"/billing/units/{unit.pk}/ledger/")
    phone.click("text=payment…")
    phone.fill("#id_paid_amount", "300")
    phone.fill("#id_paid_on", "2025-11-12")
    phone.click("text=Save payment")
    # The reason is mandatory: the form does not go without it.
    expect(phone.locator("#id_reason:invalid")).to_have_count(1)
    expect(phone).to_have_url(f"/billing/bills/{bill.psid}/payment/")
    phone.fill("#id_reason", "cash receipt 42")
    phone.click("text=Save payment")
    expect(phone.locator(".ledger")).to_contain_text("Paid")
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID
