"""The phone app: installable, works offline, light on a slow network."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sw_ready


@pytest.mark.django_db(transaction=True)
def test_install_criteria_manifest_and_service_worker(phone, world, login_as, screenshot):
    login_as(phone, world.agent_a)
    href = phone.get_attribute("link[rel=manifest]", "href")
    manifest = phone.evaluate(
        "async (href) => (await fetch(href, {credentials: 'include'})).json()", href
    )
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        status = phone.evaluate("async (src) => (await fetch(src)).status", icon["src"])
        assert status == 200, icon["src"]
    assert phone.get_attribute("meta[name=theme-color]", "content")
    assert sw_ready(phone).endswith("/sw.js")
    scope = phone.evaluate("async () => (await navigator.serviceWorker.getRegistration()).scope")
    assert scope == phone.url.split("/", 3)[0] + "//" + phone.url.split("/", 3)[2] + "/"
    screenshot(phone, "pwa-home")


@pytest.mark.django_db(transaction=True)
def test_a_page_not_kept_shows_the_offline_page(phone, world, login_as):
    login_as(phone, world.agent_a)
    sw_ready(phone)
    phone.reload()
    phone.context.set_offline(True)
    try:
        phone.goto("/units/not-kept-offline/")
        expect(phone.locator("h1").first).to_contain_text("You are offline")
        expect(phone.locator("[lang=ur] h1")).to_contain_text("آف لائن")
    finally:
        phone.context.set_offline(False)


def kept_pages(page) -> list[str]:
    return page.evaluate(
        """async () => {
            const cache = await caches.open("suthra-pages");
            return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )


@pytest.mark.django_db(transaction=True)
def test_offline_visits_are_queued_and_arrive_once(phone, world, login_as, screenshot, tmp_path):
    import datetime as dt
    import re

    from django.utils import timezone
    from PIL import Image

    from suthra.testing import make_bill, make_unit
    from suthra.visits.models import ComplianceVisit

    month = timezone.localdate().replace(day=1)
    units = [make_unit(world.uc_a, consumer_name=f"Offline shop {i}") for i in range(2)]
    for unit in units:
        make_bill(unit, month, fee=300, arrears=600)
    photo = tmp_path / "shop.jpg"
    Image.new("RGB", (640, 480), (120, 160, 90)).save(photo, "JPEG")
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": units[0].lat, "longitude": units[0].lon})

    login_as(phone, world.agent_a)
    sw_ready(phone)
    phone.goto("/visits/worklist/")
    forms = [f"/visits/new/{u.pk}/" for u in units]
    # Online, the worklist and the visit forms it links to are kept on the phone.
    deadline = time.monotonic() + 20
    while not set(forms) <= set(kept_pages(phone)):
        assert time.monotonic() < deadline, kept_pages(phone)
        phone.wait_for_timeout(250)
    screenshot(phone, "worklist-online")

    phone.context.set_offline(True)
    for unit, form in zip(units, forms, strict=True):
        phone.goto("/visits/worklist/")
        phone.click(f"a[href='{form}']")
        expect(phone.locator("h1")).to_contain_text("Record a visit")
        phone.set_input_files("input[type=file]", str(photo))
        phone.check("input[name=outcome][value='2']")
        if unit == units[0]:
            screenshot(phone, "visit-form-offline")
        phone.click("#visit-form button[type=submit]")
        expect(phone).to_have_url(re.compile(r"/offline/queue/\?saved="))
        expect(phone.locator("#pwa-saved-note")).to_be_visible()
    expect(phone.locator("#pwa-queue li[data-state=waiting]")).to_have_count(2)
    expect(phone.locator(".pwa-pending")).to_contain_text("2")
    expect(phone.locator("#pwa-queue")).to_contain_text("Offline shop 1")
    screenshot(phone, "offline-queue-waiting")
    assert ComplianceVisit.objects.count() == 0
    # The worklist kept offline shows what is saved on the phone.
    phone.goto("/visits/worklist/")
    expect(phone.locator("a.pwa-saved")).to_have_count(2)
    phone.goto("/offline/queue/")
    # Keep a copy of the queued records to replay them later, as a phone that never got the
    # server's answer would.
    phone.evaluate("async () => { window.copies = await SuthraQueue.all(); }")

    phone.context.set_offline(False)
    expect(phone.locator("#pwa-queue li[data-state=sent]")).to_have_count(2, timeout=20_000)
    expect(phone.locator(".pwa-pending")).to_be_hidden()
    screenshot(phone, "offline-queue-sent")
    visits = list(ComplianceVisit.objects.order_by("unit_id"))
    assert [v.unit_id for v in visits] == sorted(u.pk for u in units)
    assert all(v.staff_id == world.agent_a.pk and v.photo_key for v in visits)
    assert len({v.client_key for v in visits}) == 2
    assert all(timezone.now() - v.visited_at < dt.timedelta(minutes=5) for v in visits)

    # Replaying both sends (same client keys) creates nothing new.
    states = phone.evaluate(
        """async (user) => {
            for (const rec of window.copies) await SuthraQueue.put(rec);
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
            return SuthraQueue.sync(user, token, {});
        }""",
        world.agent_a.username,
    )
    assert states["sent"] == 2
    assert ComplianceVisit.objects.count() == 2
