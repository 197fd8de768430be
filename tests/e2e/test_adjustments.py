"""The adjustment journey: a supervisor asks for a waiver from a unit page on a phone, a manager
approves it, and the unit's ledger and the dashboard show it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_waiver_requested_on_a_phone_approved_by_a_manager(
    browser, live_server, phone, world, login_as, screenshot
):
    from suthra.billing.models import Adjustment, AdjustmentStatus, Bill
    from suthra.core.months import current_month
    from suthra.testing import make_bill, make_unit

    month = current_month()
    unit = make_unit(world.uc_a, consumer_name="Flooded barber")
    bill = make_bill(unit, month, fee=300, arrears=1200)

    # The supervisor, on a phone: unit page → "Request adjustment" → waive the arrears.
    login_as(phone, world.supervisor)
    phone.goto(f"/units/{unit.pk}/")
    phone.get_by_role("link", name="Request adjustment").click()
    expect(phone.locator("h1")).to_contain_text("Request adjustment")
    phone.select_option("#id_kind", "1")
    phone.fill("#id_new_arrears", "0")
    phone.select_option("#id_reason", "5")
    phone.fill("#id_note", "Shop flooded in the monsoon; arrears waived by the programme")
    screenshot(phone, "adjustment-request")
    phone.get_by_role("button", name="Send for approval").click()
    expect(phone.locator(".msg, .messages").first).to_contain_text("requested")
    adj = Adjustment.objects.get()
    assert adj.status == AdjustmentStatus.REQUESTED and adj.amount == 1200
    # Nothing to decide for the requester.
    expect(phone.get_by_role("button", name="Save decision")).to_have_count(0)

    # A manager, at a desk: the queue → the request → approve with a reason.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    login_as(desk, world.manager)
    desk.goto("/billing/adjustments/")
    desk.locator(f'[data-adjustment="{adj.pk}"] a').click()
    expect(desk.locator(".adjustment-amount")).to_contain_text("1,200")
    screenshot(desk, "adjustment-decide")
    desk.select_option("#id_decision", "approve")  # no default: the manager chooses
    desk.fill("#id_reason", "Flood report and photos seen")
    desk.get_by_role("button", name="Save decision").click()
    expect(desk.locator("[data-status]")).to_contain_text("Approved")
    bill.refresh_from_db()
    assert (bill.monthly_fee, bill.arrears) == (300, 0)
    assert Bill.objects.get(pk=bill.pk).amount_due == 300

    # The ledger shows the adjustment line; the dashboard shows it among the month's figures.
    desk.goto(f"/billing/units/{unit.pk}/ledger/")
    line = desk.locator(f'tr.adjustment-line[data-adjustment="{adj.pk}"]')
    expect(line).to_contain_text("Waiver")
    expect(line).to_contain_text("1,200")
    screenshot(desk, "adjustment-ledger")
    desk.goto(f"/reports/dashboard/?month={month:%Y-%m}")
    card = desk.locator(".dash-adjustments")
    expect(card.locator(".adjusted-amount")).to_contain_text("Rs 1,200")
    expect(card).to_contain_text(unit.survey_id)
    screenshot(desk, "adjustment-dashboard")
    context.close()

    # The supervisor's unit page shows the approved line too.
    phone.goto(f"/units/{unit.pk}/")
    expect(phone.locator(f'tr.adjustment-line[data-adjustment="{adj.pk}"]')).to_contain_text(
        "Approved"
    )
