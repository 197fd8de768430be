"""Lists on a phone (issue 19): below 600 px every list shows each row as a card, amount due and
status first, nothing cut off to the right; from 600 px up the table is still a table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit
from suthra.tickets.models import Ticket, TicketType
from suthra.visits.models import ComplianceVisit, VisitOutcome

PSID = 10_000_000_000_012_345  # 17 digits: one line, never wrapped

# Cells outside the viewport (cut off), and how many lines the widest PSID takes.
LAYOUT = """(sel) => {
    const vw = document.documentElement.clientWidth;
    const out = [];
    document.querySelectorAll(sel + " td, " + sel + " th").forEach((el) => {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) return;
        if (r.left < -0.5 || r.right > vw + 0.5) {
            const text = el.textContent.trim().slice(0, 30);
            out.push(`${el.tagName} "${text}" ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
    });
    return {
        cut: out,
        scrollWidth: document.documentElement.scrollWidth,
        display: getComputedStyle(document.querySelector(sel)).display,
        headVisible: !!document.querySelector(sel + " thead") &&
            getComputedStyle(document.querySelector(sel + " thead")).display !== "none",
    };
}"""

PSID_LINES = """(psid) => {
    const el = [...document.querySelectorAll(".psid")].find((e) => e.textContent.includes(psid));
    if (!el) return null;
    const lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
    return Math.round(el.getBoundingClientRect().height / lh);
}"""


def make_lists(world):
    month = timezone.localdate().replace(day=1)
    units = []
    for i in range(3):
        unit = make_unit(
            world.uc_a, consumer_name=f"Shop {i} with a rather long business name for a card"
        )
        make_bill(unit, (month - dt.timedelta(days=1)).replace(day=1), fee=300, paid=300)
        make_bill(unit, month, fee=1000, arrears=2500, psid=PSID if i == 0 else None, paid=200 * i)
        units.append(unit)
        Ticket.objects.create(
            unit=unit, reported_by=world.agent_a, type=TicketType.WRONG_BILL, description="fee"
        )
        ComplianceVisit.objects.create(
            staff=world.agent_a,
            unit=unit,
            visited_at=timezone.now(),
            outcome=VisitOutcome.PROMISED,
            lat=31.5,
            lon=74.3,
        )
    ImportBatch.objects.create(
        kind=ImportBatch.Kind.BILLS,
        file_name="november-bills-lahore-all-ucs-final-version-2.csv",
        rows_total=12000,
        created_by=world.manager,
    )
    return units


def list_pages(world, units):
    """(url, table selector, text of the first card's key cells) for every list."""
    return [
        (reverse("billing:bills"), ".bills-table", ["3,500", "Unpaid"]),
        (f"{reverse('units:browse')}?uc={world.uc_a.pk}", ".units-table", ["Unpaid"]),
        (reverse("units:detail", args=[units[0].pk]), ".bills-table", ["3,500", "Unpaid"]),
        (reverse("billing:ledger", args=[units[0].pk]), ".ledger", ["300", "Paid"]),
        (reverse("billing:payments"), ".payments-table", ["300", "Paid"]),
        (reverse("accounts:staff_list"), ".staff-table", ["Agent"]),
        (reverse("imports:list"), ".imports-table", ["Uploaded"]),
        (reverse("reports:collection"), ".report-table table", []),
        (reverse("reports:defaulters"), ".report-table table", []),
    ]


@pytest.mark.django_db(transaction=True)
def test_every_list_is_cards_on_a_phone_and_a_table_on_a_laptop(
    phone, desktop, world, login_as, screenshot
):
    units = make_lists(world)
    login_as(phone, world.head)
    for url, table, key in list_pages(world, units):
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
        layout = phone.evaluate(LAYOUT, table)
        assert layout["cut"] == [], f"{url}: cells outside the 360 px screen: {layout['cut']}"
        assert layout["scrollWidth"] <= 360, f"{url}: page {layout['scrollWidth']} px wide"
        assert layout["display"] == "block" and not layout["headVisible"], f"{url}: not cards"
        first = phone.locator(f"{table} tbody tr").first
        expect(first).to_be_visible()
        keys = first.locator(".card-key")
        for text in key:
            expect(keys.filter(has_text=text).first).to_be_visible()
        if key:
            # The key cells (amount due, status) are the top of the card.
            top_key = keys.first.bounding_box()
            for cell in first.locator("td").all():
                box = cell.bounding_box()
                if box and box["height"]:
                    assert box["y"] >= top_key["y"] - 1, f"{url}: a cell above the amount/status"
    for url in (reverse("billing:bills"), reverse("billing:ledger", args=[units[0].pk])):
        phone.goto(url)
        assert phone.evaluate(PSID_LINES, str(PSID)) == 1, f"{url}: the PSID wraps"
    phone.goto(reverse("billing:bills"))
    screenshot(phone, "phone-bills-cards")

    login_as(desktop, world.head)
    for url, table, _key in list_pages(world, units):
        desktop.goto(url)
        desktop.wait_for_load_state("networkidle")
        layout = desktop.evaluate(LAYOUT, table)
        assert layout["display"] == "table" and layout["headVisible"], f"{url}: not a table"
    desktop.goto(reverse("billing:bills"))
    assert desktop.evaluate(PSID_LINES, str(PSID)) == 1


@pytest.mark.django_db(transaction=True)
def test_tickets_and_visits_are_cards_that_fit(phone, world, login_as):
    make_lists(world)
    login_as(phone, world.supervisor)
    for url, row in (
        (reverse("tickets:queue") + "?queue=area", ".ticket-rows .row"),
        (reverse("visits:list"), ".visit-rows .row"),
    ):
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
        first = phone.locator(row).first
        expect(first.locator(".badge").first).to_be_visible()
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, url
        style = "(sel) => getComputedStyle(document.querySelector(sel)).borderTopStyle"
        assert phone.evaluate(style, row) == "solid", f"{url}: rows are not cards"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, url


@pytest.mark.django_db(transaction=True)
def test_urdu_bill_cards_read_right_to_left_and_fit(phone, world, login_as, screenshot):
    units = make_lists(world)
    world.agent_a.language = "ur"
    world.agent_a.save()
    login_as(phone, world.agent_a)
    for url, table in (
        (reverse("billing:bills"), ".bills-table"),
        (reverse("units:detail", args=[units[0].pk]), ".bills-table"),
    ):
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("document.documentElement.dir") == "rtl"
        layout = phone.evaluate(LAYOUT, table)
        assert layout["cut"] == [] and layout["scrollWidth"] <= 360, (url, layout)
        first = phone.locator(f"{table} tbody tr").first
        due = first.locator("td.card-key[data-label]").first
        # The label is Urdu and sits to the right of the amount (the start of an RTL line).
        label = due.get_attribute("data-label")
        assert label and label != "Due"
        box, card = due.bounding_box(), first.bounding_box()
        assert box["x"] + box["width"] > card["x"] + card["width"] / 2
        if url == reverse("billing:bills"):
            screenshot(phone, "urdu-bills-cards")
