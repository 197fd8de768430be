"""SMS campaigns in the browser: a manager previews an Urdu due-date reminder for UC-Ravi,
confirms it, the messages go to a real local HTTP gateway (one number fails and is retried, one
always fails), and the page shows each recipient's status with the gateway's answer. Head office
edits a template and sees the parts per message change live."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from suthra.sms.models import Kind, MessageStatus, OptOut, SmsMessage, SmsTemplate
from suthra.sms.services import templates_ensure
from suthra.sms.tests.gateway_server import GatewayServer, configure
from suthra.testing import make_bill, make_unit

MONTH = dt.date(2025, 11, 1)


@pytest.fixture
def gateway(settings):
    server = GatewayServer().start()
    configure(settings, server)
    # The journey runs at any hour: no quiet hours here (tests/sms cover them).
    settings.SMS_QUIET_HOURS = (0, 0)
    settings.PUBLIC_BASE_URL = "https://bills.example.pk"
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_manager_previews_and_sends_an_urdu_reminder(
    desktop, live_server, world, gateway, login_as, screenshot
):
    bills = []
    for n, mobile in enumerate(["03001110001", "03001110002", "03001110003", "03001110004"]):
        unit = make_unit(world.uc_a, consumer_name=f"Dukan {n}", mobile=mobile)
        bills.append(make_bill(unit, MONTH, arrears=300 * n))
    make_bill(make_unit(world.uc_a, mobile="0300-12"), MONTH)  # invalid number
    OptOut.objects.create(mobile="03001110004", source="staff")
    gateway.plan = {
        "923001110002": [(500, "ERR temporary", 0), (200, "OK id=2", 0)],
        "923001110003": [(200, "ERROR 31 DND number", 0)],
    }

    page = login_as(desktop, world.manager)
    page.goto("/sms/")
    page.click("text=New campaign")
    page.select_option("select[name=kind]", "due_reminder")
    page.select_option("select[name=language]", "ur")
    page.select_option("select[name=area]", label="Lahore · UC-Ravi")
    page.fill("input[name=month]", "2025-11")
    page.click("#campaign-form button[type=submit]")

    expect(page.locator("#recipients")).to_have_text("3")
    expect(page.locator("#skipped")).to_contain_text("Invalid number: 1")
    expect(page.locator("#skipped")).to_contain_text("Opted out: 1")
    expect(page.locator("#sample")).to_contain_text("محترم Dukan 0")
    expect(page.locator("#sample")).to_contain_text(
        f"https://bills.example.pk/bill/?psid={bills[0].psid}"
    )
    total = int(page.locator("#total-parts").inner_text())
    assert total >= 3
    screenshot(page, "sms-campaign-preview")
    page.click("#confirm-send")

    expect(page.locator(".messages")).to_contain_text("Campaign confirmed")
    log = page.locator("table.sms-log")
    expect(log.locator(f"tr[data-psid='{bills[0].psid}']")).to_contain_text("Sent")
    retried = log.locator(f"tr[data-psid='{bills[1].psid}']")
    expect(retried).to_contain_text("Sent")
    expect(retried.locator("td.num")).to_have_text("2")
    failed = log.locator(f"tr[data-psid='{bills[2].psid}']")
    expect(failed).to_contain_text("Failed")
    expect(failed).to_contain_text("ERROR 31 DND number")
    expect(log.locator(f"tr[data-psid='{bills[3].psid}']")).to_contain_text("Opted out")
    screenshot(page, "sms-campaign-status")

    sent_to = sorted({r.params["to"] for r in gateway.received})
    assert sent_to == ["923001110001", "923001110002", "923001110003"]
    assert all(r.params["unicode"] == "true" for r in gateway.received)
    assert SmsMessage.objects.filter(status=MessageStatus.SENT).count() == 2


@pytest.mark.django_db(transaction=True)
def test_head_sees_parts_per_message_live(desktop, live_server, world, login_as):
    templates_ensure()
    template = SmsTemplate.objects.get(kind=Kind.DUE_REMINDER, language="en")
    page = login_as(desktop, world.head)
    page.goto(f"/sms/templates/{template.pk}/")
    counter = page.locator("#sms-parts")
    box = page.locator("textarea[name=body]")
    box.fill("a" * 160)
    expect(counter).to_have_attribute("data-parts", "1")
    expect(counter).to_have_attribute("data-encoding", "GSM-7")
    box.fill("a" * 159 + "€")
    expect(counter).to_have_attribute("data-parts", "2")
    box.fill("ب" * 70)
    expect(counter).to_have_attribute("data-parts", "1")
    expect(counter).to_have_attribute("data-encoding", "UCS-2")
    box.fill("ب" * 71)
    expect(counter).to_have_attribute("data-parts", "2")
    box.fill("محترم {name}، رقم Rs {amount}")
    expect(counter).to_contain_text("UCS-2")
    box.fill("Dear {nmae}, Rs {amount}")
    page.click("#template-form button[type=submit]")
    expect(page.locator("#template-form")).to_contain_text("Unknown placeholders: {nmae}")
