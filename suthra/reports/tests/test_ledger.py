"""The ledger arithmetic (suthra/reports/ledger.py): the identity and a recount from the bills."""

from __future__ import annotations

import datetime as dt

import pytest

from suthra.core.testing import make_bill, make_unit
from suthra.reports import ledger

OCT = dt.date(2025, 10, 1)
NOV = dt.date(2025, 11, 1)
DEC = dt.date(2025, 12, 1)


@pytest.mark.django_db
def test_worked_example(world):
    a = make_unit(world.uc_a)
    b = make_unit(world.uc_b)
    make_bill(a, OCT, fee=300, arrears=1000, paid=500)  # leaves 800
    make_bill(a, NOV, fee=300, arrears=800, paid=1500)  # overpaid by 400
    make_bill(a, DEC, fee=300, arrears=0)
    make_bill(b, NOV, fee=1000, arrears=200, paid=700)  # first bill brings 200 in; leaves 500
    r = ledger.ledger(world.head, NOV, DEC, group="city")
    t = r.total
    assert (t.opening, t.billed, t.collected, t.adjusted, t.closing) == (1000, 1600, 1800, 0, 800)
    assert t.overpaid == 400 and t.units == 2 and t.bills == 3
    assert t.balanced
    assert [row.ledger.balanced for row in r.rows] == [True]
