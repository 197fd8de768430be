"""Phone journey: an agent picks a UC, filters to arrears, opens a unit, sees its bills and map."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from suthra.testing import TEST_PASSWORD, make_bill, make_unit

MONTH = dt.date(2025, 11, 1)


def _offline_tiles(page) -> None:
    # No internet here: tile requests fail at once, as they would in a dead zone.
    page.route(
        "**/*",
        lambda route: (
            route.abort()
            if "127.0.0.1" not in route.request.url and "localhost" not in route.request.url
            else route.continue_()
        ),
    )


def _login(page, user) -> None:
    # Submit the login form itself (the page also carries a language switch button).
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.django_db(transaction=True)
def test_agent_filters_to_arrears_and_opens_a_unit(phone, world, screenshot):
    world.agent_a.ucs.add(world.uc_b)  # two UCs: the agent has to pick one
    owing = make_unit(world.uc_a, consumer_name="Bilal Arrears", lat=31.52, lon=74.35)
    make_bill(owing, MONTH - dt.timedelta(days=31), fee=500)
    make_bill(owing, MONTH, fee=500, arrears=1500, psid=12345678901234567)
    paid = make_unit(world.uc_a, consumer_name="Ahmad Paid")
    make_bill(paid, MONTH, fee=300, paid=300)
    make_unit(world.uc_b, consumer_name="Shalimar Unit")
    _offline_tiles(phone)

    _login(phone, world.agent_a)
    phone.goto("/units/")
    expect(phone.locator("#unit-results")).to_contain_text("Choose a city")
    phone.select_option("#id_city", label="Lahore")
    expect(phone.locator("#id_uc option", has_text="UC-Ravi")).to_have_count(1)
    phone.select_option("#id_uc", label="UC-Ravi")
    expect(phone.locator(".units-table")).to_contain_text("Ahmad Paid")
    expect(phone.locator(".units-table")).not_to_contain_text("Shalimar Unit")

    phone.click("text=Filters and sorting")
    phone.fill("#id_arrears_above", "0")
    phone.click("#apply-filters")
    expect(phone.locator(".units-table")).not_to_contain_text("Ahmad Paid")
    expect(phone.locator(".units-table")).to_contain_text("Bilal Arrears")
    expect(phone).to_have_url(re.compile(rf"uc={world.uc_a.pk}&.*arrears_above=0"))
    screenshot(phone, "units-browse-arrears")

    phone.click("text=Bilal Arrears")
    expect(phone.locator("h1")).to_contain_text("Bilal Arrears")
    expect(phone.locator(".bills-table")).to_contain_text("12345678901234567")
    expect(phone.locator(".bills-table")).to_contain_text("2,000")
    expect(phone.locator("#unit-map.map-ready")).to_be_visible()
    expect(phone.locator("#unit-map .leaflet-interactive")).to_have_count(1)
    screenshot(phone, "units-detail")

    # The back button returns to the filtered list (filters live in the URL).
    phone.go_back()
    expect(phone.locator("#id_arrears_above")).to_have_value("0")
    expect(phone.locator(".units-table")).not_to_contain_text("Ahmad Paid")


@pytest.mark.django_db(transaction=True)
def test_uc_map_loads_points_in_view(phone, world):
    for i in range(30):
        unit = make_unit(world.uc_a, lat=31.50 + i / 1000, lon=74.30 + i / 1000)
        make_bill(unit, MONTH, paid=300 if i % 2 else 0)
    _offline_tiles(phone)
    _login(phone, world.agent_a)
    phone.goto(f"/units/uc/{world.uc_a.pk}/map/")
    expect(phone.locator("#map-status")).to_contain_text("30 units shown")
    expect(phone.locator(".marker-cluster").first).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_supervisor_searches_edits_and_bulk_deactivates(phone, world, screenshot):
    from suthra.core.models import AuditEvent
    from suthra.units.models import SurveyUnit

    unit = make_unit(world.uc_a, consumer_name="Muhammad Ali", mobile="03214567890")
    for i in range(3):
        make_bill(make_unit(world.uc_a, consumer_name=f"Closed Market {i}"), MONTH, arrears=900)
    _offline_tiles(phone)
    _login(phone, world.supervisor)

    # Search by a mobile written the international way.
    phone.goto("/units/")
    phone.fill("#id_q", "+92 321 456 7890")
    phone.press("#id_q", "Enter")
    expect(phone.locator(".units-table")).to_contain_text("Muhammad Ali")
    phone.click("text=Muhammad Ali")

    # Edit the billing mobile; a bad number is refused with the expected format.
    phone.click("text=Edit billing details")
    phone.fill("#id_billing_mobile", "12345")
    phone.click("button:has-text('Save')")
    expect(phone.locator(".field-error")).to_contain_text("03XX-XXXXXXX")
    phone.fill("#id_billing_mobile", "0300 765 4321")
    phone.click("button:has-text('Save')")
    expect(phone.locator("#billing-details")).to_contain_text("03007654321")
    expect(phone.locator("#history")).to_contain_text("Billing details changed")

    # Deactivate with a reason.
    phone.click("text=Deactivate this unit")
    phone.fill("#id_reason", "Shop closed")
    phone.click("button:has-text('Deactivate')")
    expect(phone.locator(".unit-sub")).to_contain_text("inactive")

    # Bulk: filter to arrears, preview the count and a sample, confirm.
    phone.goto(f"/units/?uc={world.uc_a.pk}&arrears_above=0")
    phone.click("text=Activate / deactivate these units")
    phone.select_option("#id_active", "0")
    phone.fill("#id_reason", "Market demolished")
    phone.click("#bulk-submit")
    expect(phone.locator(".bulk-preview h2")).to_contain_text("3 units will be deactivated")
    screenshot(phone, "units-bulk-preview")
    phone.click("#bulk-submit")
    expect(phone.locator(".messages")).to_contain_text("3 units deactivated")
    assert SurveyUnit.objects.filter(is_active=False).count() == 4
    assert AuditEvent.objects.filter(action="unit.deactivate").count() == 4
    unit.refresh_from_db()
    assert unit.billing_mobile == "03007654321"
