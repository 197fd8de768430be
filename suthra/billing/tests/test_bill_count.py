"""The bill query's "about N" comes from the summaries: it equals a count of the query."""

from __future__ import annotations

import datetime as dt

import pytest

from suthra.billing import selectors
from suthra.billing.models import ArchivedMonth, Bill, BillStatus
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)


@pytest.mark.django_db
def test_summary_count_equals_the_query(world):
    for uc in (world.uc_a, world.uc_a, world.uc_b, world.uc_c):
        unit = make_unit(uc)
        make_bill(unit, OCT, paid=300)
        make_bill(unit, NOV)
    stats_refresh()
    cases = [
        {},
        {"month_from": NOV},
        {"month_from": OCT, "month_to": OCT, "status": str(BillStatus.PAID)},
        {"city": world.uc_a.city_id},
        {"uc": world.uc_b.id, "status": "0"},
        {"psids": [], "psid": None, "due_min": None},
    ]
    for actor in (world.head, world.supervisor, world.agent_a, world.manager_multan):
        for filters in cases:
            expected = selectors.bill_query(actor=actor, filters=filters).count()
            got = selectors.bill_count_estimate(actor=actor, filters=filters)
            assert got == expected, (actor, filters)


@pytest.mark.django_db
def test_filters_beyond_the_summaries_and_archived_months(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, OCT, paid=300)
    make_bill(unit, NOV)
    stats_refresh()
    assert selectors.bill_count_estimate(actor=world.head, filters={"due_min": 1}) is None
    assert selectors.bill_count_estimate(actor=world.head, filters={"psid": 1}) is None
    # An archived month keeps its summaries but its bills are no longer in the table.
    Bill.objects.filter(month=OCT).delete()
    ArchivedMonth.objects.create(month=OCT, file_key="archive/bills-2025-10.csv.gz", sha256="0")
    assert selectors.bill_count_estimate(actor=world.head, filters={}) == 1
