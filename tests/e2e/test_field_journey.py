"""Field work at a phone viewport with geolocation granted:
agent opens the worklist → records a visit with a photo → supervisor approves → agent sees the
notification."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from suthra.testing import TEST_PASSWORD, make_bill, make_unit
from suthra.visits.models import ComplianceVisit, VisitStatus
from suthra.visits.tests.images import jpeg_bytes

UNIT_LAT, UNIT_LON = 31.5925, 74.3095
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def sign_in(page, user):
    # Press Enter in the password field: the login page has other forms (language switch).
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".notif-badge")).to_be_visible()


def phone_with_gps(browser, live_server, lat=UNIT_LAT, lon=UNIT_LON, accuracy=12):
    context = browser.new_context(
        base_url=live_server.url,
        geolocation={"latitude": lat, "longitude": lon, "accuracy": accuracy},
        permissions=["geolocation"],
        **PHONE,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.mark.django_db(transaction=True)
def test_agent_visit_supervisor_approves_agent_notified(
    browser, live_server, world, screenshot, tmp_path
):
    unit = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON, consumer_name="Bashir Barber Shop")
    make_bill(unit, dt.date(2025, 11, 1), arrears=1200)
    photo = tmp_path / "shop.jpg"
    photo.write_bytes(jpeg_bytes(size=(1600, 1200)))

    agent_ctx = phone_with_gps(browser, live_server)
    agent = agent_ctx.new_page()
    sign_in(agent, world.agent_a)
    agent.goto("/visits/worklist/")
    item = agent.locator(".work-item", has_text="Bashir Barber Shop")
    expect(item).to_contain_text("1,500")
    # Nearest first uses the phone's GPS.
    agent.click("text=Nearest first")
    agent.wait_for_url("**lat=*")
    expect(item.first).to_contain_text("0 m")
    screenshot(agent, "field-worklist")
    item.locator("text=Visit").click()

    expect(agent.locator("#gps-status")).to_contain_text("GPS ± 12 m")
    expect(agent.locator("#gps-status")).to_contain_text("from the unit")
    assert agent.locator("input[type=file]").get_attribute("capture") == "environment"
    agent.set_input_files("input[type=file]", str(photo))
    expect(agent.locator("#photo-preview")).to_be_visible()
    agent.check("text=Promised to pay")
    agent.fill("textarea[name=notes]", "Will pay on Friday")
    screenshot(agent, "field-visit-form")
    agent.click("text=Save visit")
    # The offline queue (PWA) may send the form itself; either way we land on the visit.
    expect(agent.locator("h1")).to_contain_text("Visit #")
    visit = ComplianceVisit.objects.get()
    assert visit.lat is not None and visit.accuracy_m == 12 and not visit.flagged
    assert visit.distance_m is not None and visit.distance_m < 5

    # The worklist ticks the unit off.
    agent.goto("/visits/worklist/")
    expect(agent.locator(".work-item.done")).to_contain_text("Visited")

    sup_ctx = phone_with_gps(browser, live_server)
    sup = sup_ctx.new_page()
    sign_in(sup, world.supervisor)
    sup.goto("/visits/queue/")
    row = sup.locator("#visit-queue li", has_text=unit.survey_id)
    expect(row.locator("img.thumb")).to_be_visible()
    screenshot(sup, "field-approval-queue")
    row.locator("button[value=approve]").click()
    expect(sup.locator(".messages")).to_contain_text("Decision saved")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.APPROVED
    sup_ctx.close()

    agent.goto("/")
    expect(agent.locator(".notif-count")).to_have_text("1")
    agent.click(".notif-badge")
    expect(agent.locator(".notif.unread")).to_contain_text("was approved")
    screenshot(agent, "field-notifications")
    agent.locator(".notif.unread button").click()
    expect(agent.locator("h1")).to_contain_text(f"Visit #{visit.pk}")
    expect(agent.locator(".notif-count")).to_have_text("0")
    agent_ctx.close()


@pytest.mark.django_db(transaction=True)
def test_visit_far_from_the_unit_is_flagged_on_the_phone(browser, live_server, world, tmp_path):
    unit = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON)
    photo = tmp_path / "shop.jpg"
    photo.write_bytes(jpeg_bytes(size=(800, 600), noisy=False))
    # 1 km north of the unit.
    ctx = phone_with_gps(browser, live_server, lat=UNIT_LAT + 0.009)
    page = ctx.new_page()
    sign_in(page, world.agent_a)
    page.goto(f"/visits/new/{unit.pk}/")
    expect(page.locator("#gps-status")).to_contain_text("from the unit")
    page.set_input_files("input[type=file]", str(photo))
    page.check("text=Refused")
    page.click("text=Save visit")
    expect(page.locator("h1")).to_contain_text("Visit #")
    expect(page.locator(".badge", has_text="far from the unit")).to_be_visible()
    ctx.close()
