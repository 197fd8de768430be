"""Tickets at a phone viewport: an agent asks for a billing mobile change on a unit, the
supervisor of the city finds it in their queue and approves it, the unit changes and the agent is
notified."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from suthra.testing import TEST_PASSWORD, make_unit
from suthra.tickets.models import Ticket, TicketStatus

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def phone_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.press("#id_password", "Enter")
    expect(page.locator(".notif-badge")).to_be_visible()
    return context, page


@pytest.mark.django_db(transaction=True)
def test_agent_raises_mobile_change_supervisor_approves(browser, live_server, world, screenshot):
    unit = make_unit(world.uc_a, consumer_name="Nadeem Karyana", mobile="03001111111")
    agent_ctx, agent = phone_page(browser, live_server, world.agent_a)
    agent.goto(f"/tickets/new/{unit.pk}/")
    agent.select_option("select[name=type]", label="Name / mobile change")
    agent.fill("textarea[name=description]", "New owner since October")
    agent.fill("input[name=new_mobile]", "0321-9876543")
    screenshot(agent, "field-ticket-new")
    agent.click("text=Raise ticket")
    expect(agent.locator("h1")).to_contain_text("Name / mobile change")
    ticket = Ticket.objects.get()

    sup_ctx, sup = phone_page(browser, live_server, world.supervisor)
    expect(sup.locator(".notif-count")).to_have_text("1")
    sup.goto("/tickets/?queue=mine")
    sup.click(f"text=#{ticket.pk} Name / mobile change")
    sup.check("input[name=decision][value=approve]")
    sup.fill("textarea[name=reason]", "Checked the CNIC")
    screenshot(sup, "field-ticket-decide")
    sup.click("text=Save decision")
    expect(sup.locator(".messages")).to_contain_text("Decision saved")
    ticket.refresh_from_db()
    unit.refresh_from_db()
    assert ticket.status == TicketStatus.APPROVED and unit.billing_mobile == "03219876543"
    sup_ctx.close()

    agent.goto("/notifications/")
    expect(agent.locator(".notif.unread")).to_contain_text(f"Ticket #{ticket.pk} approved")
    agent_ctx.close()


@pytest.mark.django_db(transaction=True)
def test_other_city_supervisor_gets_not_found(browser, live_server, world):
    unit = make_unit(world.uc_a)
    ticket = Ticket.objects.create(unit=unit, reported_by=world.agent_a, type=9, description="x")
    ctx, page = phone_page(browser, live_server, world.supervisor_multan)
    response = page.goto(f"/tickets/{ticket.pk}/")
    assert response.status == 404
    ctx.close()
