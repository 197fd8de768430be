"""The worklist reads only the rows it shows (plus today's visited units) and still counts all."""

from __future__ import annotations

import datetime as dt

import pytest

from suthra.testing import make_bill, make_unit
from suthra.visits import selectors, services
from suthra.visits.models import VisitOutcome

NOV = dt.date(2025, 11, 1)
LAT, LON = 31.5925, 74.3095

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(world):
    units = {}
    for arrears in (100, 200, 300, 400, 500):
        unit = make_unit(world.uc_a, lat=LAT + arrears / 1_000_000, lon=LON)
        make_bill(unit, NOV, arrears=arrears)
        units[arrears] = unit
    make_bill(make_unit(world.uc_a), NOV, paid=300)  # paid: not on the list
    services.visit_record(actor=world.agent_a, unit=units[500], outcome=VisitOutcome.PROMISED)
    return units


def ids(work):
    return [i.unit_id for i in work.items]


def test_first_rows_are_the_unvisited_with_most_arrears(world, five):
    work = selectors.worklist(actor=world.agent_a, limit=2)
    assert ids(work) == [five[400].pk, five[300].pk]
    assert (work.total, work.done, work.month) == (5, 1, NOV)


def test_the_visited_unit_comes_last_when_everything_fits(world, five):
    work = selectors.worklist(actor=world.agent_a, limit=10)
    assert ids(work) == [five[a].pk for a in (400, 300, 200, 100, 500)]
    assert [i.visited_today for i in work.items] == [False] * 4 + [True]
    assert (work.total, work.done) == (5, 1)


def test_nearest_first_reads_every_row(world, five):
    work = selectors.worklist(actor=world.agent_a, lat=LAT, lon=LON, limit=2)
    assert ids(work) == [five[100].pk, five[200].pk]
    assert (work.total, work.done) == (5, 1)
