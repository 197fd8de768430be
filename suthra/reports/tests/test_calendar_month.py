"""The calendar decides "this month": January's bill file imported on 2 December does not make
January the month of the dashboard, reports, unit browser or worklist until January begins."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from suthra.core.months import current_month, is_future_month
from suthra.reports import selectors
from suthra.reports.filters import Place
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit
from suthra.units.selectors import latest_bill_month

DEC, JAN = dt.date(2026, 12, 1), dt.date(2027, 1, 1)
# 2 December in Pakistan; 19:30 UTC on 31 December is already 1 January there.
ON_2_DEC = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
NEW_YEAR_PKT = dt.datetime(2026, 12, 31, 19, 30, tzinfo=dt.UTC)


def bills_for_dec_and_jan(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, DEC, fee=300, paid=300, paid_on=dt.date(2026, 12, 1))
    make_bill(unit, JAN, fee=300)  # the January file, imported early
    stats_refresh(keys=[(world.uc_a.pk, DEC), (world.uc_a.pk, JAN)])
    return unit


@pytest.mark.django_db
def test_current_month_is_the_calendar_month_in_pakistan():
    with time_machine.travel(ON_2_DEC, tick=False):
        assert current_month() == DEC
        assert is_future_month(JAN) and not is_future_month(DEC)
    with time_machine.travel(NEW_YEAR_PKT, tick=False):
        assert current_month() == JAN


@pytest.mark.django_db
def test_an_early_import_of_next_month_does_not_become_the_default(world, login):
    with time_machine.travel(ON_2_DEC, tick=False):
        bills_for_dec_and_jan(world)
        assert selectors.latest_month(world.head, Place()) == DEC
        assert latest_bill_month(uc_ids=[world.uc_a.pk]) == DEC
        page = login(world.head).get(reverse("reports:dashboard"))
        assert page.status_code == 200
        assert page.context["period"].month == DEC
    with time_machine.travel(NEW_YEAR_PKT, tick=False):
        assert selectors.latest_month(world.head, Place()) == JAN
        assert latest_bill_month(uc_ids=[world.uc_a.pk]) == JAN


@pytest.mark.django_db
def test_without_summaries_the_bills_decide_and_the_future_month_is_skipped(world):
    unit = make_unit(world.uc_b)
    make_bill(unit, DEC, fee=300)
    make_bill(unit, JAN, fee=300)
    with time_machine.travel(ON_2_DEC, tick=False):
        assert latest_bill_month(uc_ids=[world.uc_b.pk]) == DEC


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["reports:dashboard", "reports:collection"])
def test_the_future_month_is_offered_explicitly_marked_not_yet_due(world, login, page):
    from django.utils import translation

    with time_machine.travel(ON_2_DEC, tick=False):
        bills_for_dec_and_jan(world)
        client = login(world.head)
        r = client.get(reverse(page), {"city": world.lahore.id})
        assert r.status_code == 200
        assert [f["month"] for f in r.context["future_months"]] == [JAN]
        assert r.context["future_months"][0]["label"] == "January 2027 (not yet due)"
        text = r.content.decode()
        assert 'data-month="2027-01"' in text and "(not yet due)" in text
        assert "data-not-yet-due" not in text  # December is shown, and it is due
        link = r.context["future_months"][0]
        assert link["base"].startswith(f"?city={world.lahore.id}")
        # Asked for explicitly, January is shown with the warning.
        r = client.get(reverse(page), {"month": "2027-01", "from": "2027-01", "to": "2027-01"})
        assert "data-not-yet-due" in r.content.decode()
        # Out of the area, nothing is offered: the Multan supervisor has no January bills.
        if page == "reports:collection":
            other = login(world.supervisor_multan).get(reverse(page))
            assert other.context["future_months"] == []
        with translation.override("ur"):
            label = selectors.month_choices([JAN], "?")[0]["label"]
        assert "not yet due" not in label
    with time_machine.travel(NEW_YEAR_PKT, tick=False):
        r = login(world.head).get(reverse(page))
        assert r.context["future_months"] == [] and "data-not-yet-due" not in r.content.decode()
