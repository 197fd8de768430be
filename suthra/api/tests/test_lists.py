"""Lists: the unit browser's filters, search, the bill query, and cursor paging."""

from __future__ import annotations

import datetime as dt

import pytest

from suthra.testing import make_bill, make_unit
from suthra.units.models import SizeCategory

pytestmark = pytest.mark.django_db

NOV = dt.date(2025, 11, 1)


def test_unit_browser_filters_and_current_bill(world, api):
    owing = make_unit(world.uc_a, consumer_name="Akram")
    make_bill(owing, NOV, arrears=900)
    paid = make_unit(world.uc_a, consumer_name="Bashir", category=SizeCategory.MEDIUM)
    make_bill(paid, NOV, paid=300)
    make_unit(world.uc_a, consumer_name="Closed", is_active=False)
    client = api(world.agent_a)
    body = client.get("/units", {"uc": world.uc_a.pk}).json()
    assert body["month"] == "2025-11"
    assert [u["name"] for u in body["items"]] == ["Akram", "Bashir", "Closed"]
    assert body["items"][0]["bill"]["amount_due"] == 1200
    assert body["items"][2]["bill"] is None
    # The status is derived from the paid amount (no column), the JSON keeps it.
    assert [u["bill"] and u["bill"]["status"] for u in body["items"]] == [0, 2, None]

    def names(**query):
        items = client.get("/units", {"uc": world.uc_a.pk, **query}).json()["items"]
        return [u["name"] for u in items]

    assert names(status="0") == ["Akram"]
    assert names(status="2") == ["Bashir"]
    assert names(status="1") == []
    assert names(status="none") == ["Closed"]
    assert names(arrears_above=500) == ["Akram"]
    assert names(active="false") == ["Closed"]
    assert names(category=2) == ["Bashir"]
    assert names(sort="-arrears")[0] == "Akram"


def test_unit_browser_of_other_uc_is_404(world, api):
    assert api(world.agent_a).get("/units", {"uc": world.uc_b.pk}).status_code == 404


def test_search_by_mobile_any_spelling_stays_in_scope(world, api):
    mine = make_unit(world.uc_a, mobile="03001234567")
    make_unit(world.uc_b, mobile="03001234567")
    client = api(world.agent_a)
    for q in ("0300-1234567", "+92 300 1234567", "923001234567"):
        assert [u["id"] for u in client.get("/units/search", {"q": q}).json()] == [mine.pk]


def test_cursor_walk_visits_every_row_once_while_rows_are_added(world, api):
    units = [make_unit(world.uc_a, consumer_name=f"Name {i:03d}") for i in range(60)]
    client = api(world.agent_a)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"uc": world.uc_a.pk, "size": 25}
        if cursor:
            query["cursor"] = cursor
        body = client.get("/units", query).json()
        seen += [u["id"] for u in body["items"]]
        pages += 1
        if pages == 1:
            make_unit(world.uc_a, consumer_name="Name 000 added behind the cursor")
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen))
    assert set(seen) >= {u.pk for u in units}


def test_bill_query_filters(world, api):
    unit = make_unit(world.uc_a)
    oct_bill = make_bill(unit, dt.date(2025, 10, 1), paid=300)
    nov_bill = make_bill(unit, NOV, arrears=700)
    make_bill(make_unit(world.uc_c), NOV)
    client = api(world.supervisor)

    def psids(**query):
        return [b["psid"] for b in client.get("/bills", query).json()["items"]]

    assert psids() == [str(nov_bill.psid), str(oct_bill.psid)]
    assert psids(month_from="2025-11") == [str(nov_bill.psid)]
    assert psids(status=2) == [str(oct_bill.psid)]
    assert psids(due_min=1000) == [str(nov_bill.psid)]
    assert psids(psid=str(oct_bill.psid)) == [str(oct_bill.psid)]
    assert psids(uc=world.uc_b.pk) == []
    detail = client.get(f"/bills/{nov_bill.psid}").json()
    assert detail["amount_due"] == 1000 and detail["balance"] == 1000


def test_unit_bills_newest_first(world, api):
    unit = make_unit(world.uc_a)
    old = make_bill(unit, dt.date(2025, 10, 1))
    new = make_bill(unit, NOV)
    body = api(world.agent_a).get(f"/units/{unit.pk}/bills").json()
    assert [b["psid"] for b in body["items"]] == [str(new.psid), str(old.psid)]


def test_list_endpoints_run_a_constant_number_of_queries(world, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.head)
    client.get("/me")  # the token's first use writes last_used_at; keep it out of the counts

    def count(path, query):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path, query).status_code == 200
        return len(ctx.captured_queries)

    def make(n):
        for _ in range(n):
            unit = make_unit(world.uc_a)
            make_bill(unit, NOV, paid=300)

    make(3)
    few = {
        "units": count("/units", {"uc": world.uc_a.pk}),
        "bills": count("/bills", {}),
        "payments": count("/payments", {}),
    }
    make(20)
    many = {
        "units": count("/units", {"uc": world.uc_a.pk}),
        "bills": count("/bills", {}),
        "payments": count("/payments", {}),
    }
    assert few == many
    assert max(many.values()) <= 8
