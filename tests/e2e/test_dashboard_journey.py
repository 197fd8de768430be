"""Manager on a phone and a desktop: dashboard → filter a month → drill into a city → report
exported to XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from suthra.stats.services import stats_refresh
from suthra.testing import TEST_PASSWORD, make_bill, make_unit

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)


def sign_in(page, user):
    # Enter in the password field: the login page has other forms (language switch).
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")


def seed(world):
    for uc, fee, paid in ((world.uc_a, 300, 300), (world.uc_b, 1000, 0), (world.uc_c, 5000, 2500)):
        unit = make_unit(uc)
        make_bill(unit, OCT, fee=fee, paid=fee)
        make_bill(unit, NOV, fee=fee, paid=paid)
    stats_refresh()


def watch_errors(page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return errors


def open_dashboard_filter_and_drill(page, screenshot, name):
    errors = watch_errors(page)
    page.goto("/reports/dashboard/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    # Filter a month: October, when everyone paid in full. The filters fold away on a phone.
    page.locator(".filter-box > summary").click()
    page.fill("#id_month", "2025-10")
    page.locator(".dash-filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-kpi=rate_amount] .num")).to_have_text("100.0%")
    expect(page.locator(".dash-scope")).to_contain_text("October 2025")
    # Back to November and drill into Lahore from the breakdown table.
    page.locator(".filter-box > summary").click()
    page.fill("#id_month", "2025-11")
    page.locator(".dash-filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-kpi=billed] .num")).to_have_text("Rs 6,300")
    page.locator("table.breakdown").get_by_role("link", name="Lahore").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".crumbs")).to_contain_text("Lahore")
    expect(page.locator("[data-kpi=billed] .num")).to_have_text("Rs 1,300")
    expect(page.locator("table.breakdown")).to_contain_text("UC-Shalimar")
    expect(page.locator("table.breakdown")).not_to_contain_text("UC-Bosan")
    # The charts drew (Chart.js sizes its canvas) and nothing broke under the CSP.
    box = page.locator("#chart-trend").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    page.wait_for_timeout(300)
    screenshot(page, name)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_manager_dashboard_on_phone_and_desktop_then_exports(phone, desktop, world, screenshot):
    seed(world)
    sign_in(phone, world.manager)
    open_dashboard_filter_and_drill(phone, screenshot, "dashboard-phone")
    # No sideways scrolling on a 360 px phone (tables scroll inside their own box).
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    sign_in(desktop, world.manager)
    open_dashboard_filter_and_drill(desktop, screenshot, "dashboard-desktop")

    # A report, filtered in the URL, exported to Excel and PDF.
    desktop.goto("/reports/")
    desktop.get_by_role("link", name="Collection").first.click()
    desktop.fill("#id_from", "2025-10")
    desktop.fill("#id_to", "2025-11")
    desktop.select_option("#id_group", "uc")
    desktop.locator(".report-filters button[type=submit]").click()
    desktop.wait_for_load_state("networkidle")
    expect(desktop.locator(".report-table table").first).to_contain_text("UC-Bosan")
    screenshot(desktop, "report-collection")
    with desktop.expect_download() as xlsx_info:
        desktop.locator("a[data-format=xlsx]").click()
    xlsx = xlsx_info.value
    assert xlsx.suggested_filename.endswith(".xlsx")
    with open(xlsx.path(), "rb") as fh:  # the saved file has no extension; openpyxl wants one
        ws = load_workbook(io.BytesIO(fh.read())).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "Union council"
    assert {r[0] for r in rows[1:]} >= {"UC-Ravi", "UC-Shalimar", "UC-Bosan"}
    with desktop.expect_download() as pdf_info:
        desktop.locator("a[data-format=pdf]").click()
    pdf = pdf_info.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as fh:
        text = PdfReader(io.BytesIO(fh.read())).pages[0].extract_text()
    assert "Collection" in text and "UC-Bosan" in text and "2025-10 to 2025-11" in text


@pytest.mark.django_db(transaction=True)
def test_agent_list_export_with_progress_and_download(phone, world, screenshot):
    make_unit(world.uc_a, consumer_name="Ravi Trader")
    make_unit(world.uc_c, consumer_name="Multan Trader")
    sign_in(phone, world.agent_a)
    phone.goto("/reports/export/?kind=units")
    phone.check("input[value=csv]")
    phone.get_by_role("button", name="Start export").click()
    # Tests run tasks at once; in production the page polls until the file is ready.
    link = phone.locator("#export-download")
    expect(link).to_be_visible()
    screenshot(phone, "export-ready-phone")
    with phone.expect_download() as info:
        link.click()
    with open(info.value.path(), encoding="utf-8-sig") as fh:
        body = fh.read()
    assert "Ravi Trader" in body and "Multan Trader" not in body
