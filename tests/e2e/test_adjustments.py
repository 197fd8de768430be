"""The adjustment journey: a supervisor asks for a waiver from a unit page on a phone, a manager
approves it, and the unit's ledger, the dashboard and the collection report show it, the report's
totals still reconciling. Run in English and in Urdu (the user guide's pictures of both)."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect


def _number(text: str) -> int:
    """A report cell as shown ("1,200", "Rs 1,200", "−300") → an integer."""
    digits = text.replace("Rs", "").replace(",", "").replace("−", "-").strip()
    return int(digits or 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "ur"])
def test_waiver_requested_on_a_phone_approved_by_a_manager(
    browser, live_server, phone, world, login_as, screenshot, language
):
    from suthra.billing.importing import month_add
    from suthra.billing.models import Adjustment, AdjustmentStatus, Bill
    from suthra.core.months import current_month
    from suthra.testing import make_bill, make_unit

    def t(text: str) -> str:  # the interface's words in the journey's language
        with translation.override(language):
            return translation.gettext(text)

    def shot(page, name: str) -> None:
        screenshot(page, name if language == "en" else f"{name}-ur")

    for user in (world.supervisor, world.manager):
        user.language = language
        user.save(update_fields=["language"])
    month = current_month()
    unit = make_unit(world.uc_a, consumer_name="Flooded barber")
    bill = make_bill(unit, month, fee=300, arrears=1200)

    # The supervisor, on a phone: unit page → "Request adjustment" → waive the arrears.
    login_as(phone, world.supervisor)
    phone.goto(f"/units/{unit.pk}/")
    assert phone.evaluate("document.documentElement.lang") == language
    phone.get_by_role("link", name=t("Request adjustment")).click()
    expect(phone.locator("h1")).to_contain_text(t("Request adjustment"))
    phone.select_option("#id_kind", "1")
    phone.fill("#id_new_arrears", "0")
    phone.select_option("#id_reason", "5")
    note = {
        "en": "Shop flooded in the monsoon; arrears waived by the programme",
        "ur": "مون سون میں دکان میں سیلاب آیا؛ پروگرام نے بقایا جات معاف کیے",
    }[language]
    phone.fill("#id_note", note)
    shot(phone, "adjustment-request")
    phone.get_by_role("button", name=t("Send for approval")).click()
    adj = Adjustment.objects.get()
    expect(phone.locator(".msg, .messages").first).to_contain_text(
        t("Adjustment #%(n)s requested: a manager decides it.") % {"n": adj.pk}
    )
    assert adj.status == AdjustmentStatus.REQUESTED and adj.amount == 1200
    # Nothing to decide for the requester.
    expect(phone.get_by_role("button", name=t("Save decision"))).to_have_count(0)

    # A manager, at a desk: the queue → the request → approve with a reason.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    login_as(desk, world.manager)
    desk.goto("/billing/adjustments/")
    desk.locator(f'[data-adjustment="{adj.pk}"] a').click()
    expect(desk.locator(".adjustment-amount")).to_contain_text("1,200")
    shot(desk, "adjustment-decide")
    desk.select_option("#id_decision", "approve")  # no default: the manager chooses
    desk.fill(
        "#id_reason",
        {"en": "Flood report and photos seen", "ur": "سیلاب کی رپورٹ اور تصاویر دیکھ لیں"}[
            language
        ],
    )
    desk.get_by_role("button", name=t("Save decision")).click()
    expect(desk.locator("[data-status]")).to_contain_text(t("Approved"))
    bill.refresh_from_db()
    assert (bill.monthly_fee, bill.arrears) == (300, 0)
    assert Bill.objects.get(pk=bill.pk).amount_due == 300

    # The ledger shows the adjustment line; the dashboard shows it among the month's figures.
    desk.goto(f"/billing/units/{unit.pk}/ledger/")
    line = desk.locator(f'tr.adjustment-line[data-adjustment="{adj.pk}"]')
    expect(line).to_contain_text(t("Waiver"))
    expect(line).to_contain_text("1,200")
    shot(desk, "adjustment-ledger")
    desk.goto(f"/reports/dashboard/?month={month:%Y-%m}")
    card = desk.locator(".dash-adjustments")
    expect(card.locator(".adjusted-amount")).to_contain_text("Rs 1,200")
    expect(card).to_contain_text(unit.survey_id)
    shot(desk, "adjustment-dashboard")

    # The collection report over a range that contains the bill: the adjustment is in the
    # "Adjusted" column and every row and the total still reconcile on the page.
    start = month_add(month, -2)
    desk.goto(
        f"/reports/collection/?from={start:%Y-%m}&to={month:%Y-%m}&group=uc&uc={world.uc_a.pk}"
    )
    table = desk.locator("section.report-table table").first
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    col = {
        name: headers.index(t(label))
        for name, label in (
            ("opening", "Opening balance (Rs)"),
            ("billed", "Billed (Rs)"),
            ("collected", "Collected (Rs)"),
            ("adjusted", "Adjusted (Rs)"),
            ("closing", "Closing balance (Rs)"),
        )
    }
    rows = [r.locator("td").all_inner_texts() for r in table.locator("tbody tr").all()]
    footer = table.locator("tfoot th").all_inner_texts()
    assert rows and footer
    for cells in [*rows, footer]:
        v = {name: _number(cells[i]) for name, i in col.items()}
        assert v["opening"] + v["billed"] - v["collected"] - v["adjusted"] == v["closing"], cells
    total = {name: _number(footer[i]) for name, i in col.items()}
    assert total == {
        "opening": 1200,
        "billed": 300,
        "collected": 0,
        "adjusted": 1200,
        "closing": 300,
    }
    uc_row = next(cells for cells in rows if world.uc_a.name in cells[0])
    assert _number(uc_row[col["adjusted"]]) == 1200
    table.scroll_into_view_if_needed()
    shot(desk, "adjustment-collection")
    context.close()

    # The supervisor's unit page shows the approved line too.
    phone.goto(f"/units/{unit.pk}/")
    expect(phone.locator(f'tr.adjustment-line[data-adjustment="{adj.pk}"]')).to_contain_text(
        t("Approved")
    )
