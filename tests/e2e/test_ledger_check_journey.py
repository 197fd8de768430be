"""The nightly ledger check finds a broken chain: the Multan manager sees the warning on the
dashboard, follows it to the list and from there to the unit's ledger; a clean run clears it."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from suthra.billing.ledger_check import ledger_check_run
from suthra.billing.models import Bill
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit

NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def test_manager_follows_the_ledger_warning_to_the_unit(desktop, world, login_as, screenshot):
    unit = make_unit(world.uc_c)
    make_bill(unit, NOV, fee=500)
    dec = make_bill(unit, DEC, fee=500, arrears=450)  # Nov left 500 unpaid, not 450
    stats_refresh()
    ledger_check_run()
    login_as(desktop, world.manager_multan)
    desktop.goto("/reports/dashboard/")
    warning = desktop.locator(".ledger-warning")
    expect(warning).to_contain_text("1 discrepancy")
    warning.get_by_role("link").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("h1")).to_have_text("Ledger check")
    row = desktop.locator("tr[data-kind=chain]")
    expect(row).to_contain_text(unit.survey_id)
    expect(row).to_contain_text("500")
    expect(row).to_contain_text("450")
    screenshot(desktop, "ledger-check")
    row.get_by_role("link", name=unit.survey_id).click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator("h1")).to_contain_text(unit.survey_id)
    # Corrected (here directly) and checked again: the warning is gone.
    Bill.objects.filter(psid=dec.psid).update(arrears=500)
    stats_refresh()
    ledger_check_run()
    desktop.goto("/reports/dashboard/")
    expect(desktop.locator("h1")).to_have_text("Dashboard")
    expect(desktop.locator(".ledger-warning")).to_have_count(0)
