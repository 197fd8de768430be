"""Filters fold on a phone (issue 19): below 600 px each list's filter form is one "Filter (n)"
control, so the first row is on the first screen; from 600 px up the form shows as before."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.test_phone_lists import make_lists


def fold_pages(world):
    """(url, filters set in the url, selector of the list's first row or None)."""
    uc = world.uc_a.pk
    return [
        (f"{reverse('billing:bills')}?status=0&uc={uc}", 2, ".bills-table tbody tr"),
        (f"{reverse('billing:payments')}?uc={uc}", 1, ".payments-table tbody tr"),
        (f"{reverse('units:browse')}?uc={uc}", 1, ".units-table tbody tr"),
        (f"{reverse('tickets:queue')}?queue=area&status=PENDING", 1, ".ticket-rows .row"),
        (f"{reverse('visits:list')}?status=&flagged=no", 1, ".visit-rows .row"),
        (f"{reverse('accounts:staff_list')}?role=AGENT", 1, ".staff-table tbody tr"),
        (reverse("reports:collection"), 0, None),
    ]


@pytest.mark.django_db(transaction=True)
def test_filters_fold_into_one_control_on_a_phone(phone, desktop, world, login_as):
    make_lists(world)
    login_as(phone, world.head)
    for url, n, row in fold_pages(world):
        phone.goto(url)
        phone.wait_for_load_state("networkidle")
        fold = phone.locator("details.filter-fold")
        summary = fold.locator("summary.filter-summary")
        expect(summary).to_have_text(f"Filter ({n})" if n else "Filter")
        expect(fold.locator("select, input:not([type=hidden])").first).to_be_hidden()
        if row:
            # The first row starts on the first screen, no scrolling.
            box = phone.locator(row).first.bounding_box()
            assert box and box["y"] < 740 - 40, f"{url}: first row at {box}"
        summary.click()
        expect(fold.locator("select, input:not([type=hidden])").first).to_be_visible()

    login_as(desktop, world.head)
    for url, _n, _row in fold_pages(world):
        desktop.goto(url)
        desktop.wait_for_load_state("networkidle")
        fold = desktop.locator("details.filter-fold")
        expect(fold.locator("select, input:not([type=hidden])").first).to_be_visible()
        expect(fold.locator("summary.filter-summary")).to_be_hidden()


@pytest.mark.django_db(transaction=True)
def test_folded_filter_in_urdu_counts_and_fits(phone, world, login_as):
    make_lists(world)
    world.agent_a.language = "ur"
    world.agent_a.save()
    login_as(phone, world.agent_a)
    phone.goto(f"{reverse('billing:bills')}?status=unpaid")
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    expect(phone.locator("details.filter-fold summary")).to_have_text("فلٹر (1)")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.locator(".bills-table tbody tr").first.bounding_box()
    assert box and box["y"] < 700
