"""The payments page: collection per day and per channel from one grouped query, the page's
units fetched in one more query whatever the number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suthra.billing.models import PaymentChannel
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)
PERIOD = {"paid_from": "2025-11-01", "paid_to": "2025-11-30"}


def pay(unit, channel, day, amount):
    return make_bill(
        unit, NOV, fee=amount, paid=amount, paid_on=dt.date(2025, 11, day), channel=channel
    )


@pytest.mark.django_db
def test_collection_per_day_and_channel_add_up(world, login):
    pay(make_unit(world.uc_a), PaymentChannel.JAZZCASH, 5, 300)
    pay(make_unit(world.uc_a), PaymentChannel.ATM, 5, 200)
    pay(make_unit(world.uc_b), PaymentChannel.JAZZCASH, 7, 1000)
    pay(make_unit(world.uc_c), PaymentChannel.ATM, 7, 9999)  # Multan: out of scope
    summary = login(world.supervisor).get(reverse("billing:payments"), PERIOD).context["summary"]
    assert [(d["paid_on"].day, d["n"], d["total"]) for d in summary["per_day"]] == [
        (5, 2, 500),
        (7, 1, 1000),
    ]
    assert [(c["channel"], c["n"], c["total"]) for c in summary["per_channel"]] == [
        (PaymentChannel.JAZZCASH, 2, 1300),
        (PaymentChannel.ATM, 1, 200),
    ]
    assert (summary["count"], summary["total"]) == (3, 1500)


@pytest.mark.django_db
def test_payments_page_queries_do_not_grow_with_rows(world, login):
    client = login(world.head)
    pay(make_unit(world.uc_a), PaymentChannel.ATM, 3, 100)
    client.get(reverse("billing:payments"), PERIOD)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("billing:payments"), PERIOD)
    for i in range(30):
        pay(make_unit(world.uc_b if i % 2 else world.uc_c), PaymentChannel.ATM, 4, 100 + i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("billing:payments"), PERIOD)
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(response.context["page"].items) == 31
    html = response.content.decode()
    assert world.uc_c.name in html and world.uc_b.city.name in html
    # The page's bills are read without joining their units (those come in one more query).
    page_sql = [
        q["sql"] for q in many.captured_queries if "LIMIT" in q["sql"] and "paid_on" in q["sql"]
    ]
    assert page_sql and all("units_surveyunit" not in sql for sql in page_sql)
