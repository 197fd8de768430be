"""The UC browser: filters, sorting, keyset pages, query counts and scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from suthra.testing import make_bill, make_unit
from suthra.units.models import BusinessType, SizeCategory, SurveyUnit
from suthra.units.tests.helpers import MONTH, PREV

URL = reverse("units:browse")


def names(response) -> list[str]:
    return [u.consumer_name for u in response.context["page"].items]


@pytest.fixture
def uc_a_units(world):
    bakery = BusinessType.objects.create(name="Bakery")
    when = timezone.make_aware(dt.datetime(2024, 3, 15, 10, 0))
    units = {
        "paid": make_unit(world.uc_a, consumer_name="Ahmad Paid", surveyed_at=when),
        "arrears": make_unit(
            world.uc_a,
            consumer_name="Bilal Arrears",
            category=SizeCategory.MEDIUM,
            surveyed_at=when + dt.timedelta(days=30),
        ),
        "partial": make_unit(world.uc_a, consumer_name="Chand Partial", business_type=bakery),
        "nobill": make_unit(world.uc_a, consumer_name="Dawood Nobill", is_active=False),
    }
    make_bill(units["paid"], PREV, fee=300)
    make_bill(units["paid"], MONTH, fee=300, paid=300)
    make_bill(units["arrears"], MONTH, fee=1000, arrears=4000)
    make_bill(units["partial"], MONTH, fee=300, arrears=300, paid=100)
    make_unit(world.uc_b, consumer_name="Other UC unit")
    return units


def test_agent_lists_own_uc_with_latest_bill(world, login, uc_a_units):
    response = login(world.agent_a).get(URL, {"uc": world.uc_a.pk})
    assert response.status_code == 200
    assert names(response) == ["Ahmad Paid", "Bilal Arrears", "Chand Partial", "Dawood Nobill"]
    assert response.context["month"] == MONTH
    html = response.content.decode()
    assert "5,000" in html  # amount due of the arrears unit: 1000 + 4000
    assert "Other UC unit" not in html
    assert str(response.context["count"]) == "4"


def test_agent_with_one_uc_gets_it_without_choosing(world, login, uc_a_units):
    response = login(world.agent_a).get(URL)
    assert response.context["uc"] == world.uc_a
    assert len(names(response)) == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "2"}, ["Ahmad Paid"]),
        ({"status": "0"}, ["Bilal Arrears"]),
        ({"status": "1"}, ["Chand Partial"]),
        ({"status": "none"}, ["Dawood Nobill"]),
        ({"arrears_above": "0"}, ["Bilal Arrears", "Chand Partial"]),
        ({"arrears_above": "300"}, ["Bilal Arrears"]),
        ({"active": "0"}, ["Dawood Nobill"]),
        ({"active": "1"}, ["Ahmad Paid", "Bilal Arrears", "Chand Partial"]),
        ({"category": "2"}, ["Bilal Arrears"]),
        ({"surveyed_from": "2024-03-15", "surveyed_to": "2024-03-15"}, ["Ahmad Paid"]),
        ({"surveyed_from": "2024-04-01"}, ["Bilal Arrears"]),
        ({"sort": "-arrears", "active": "1"}, ["Bilal Arrears", "Chand Partial", "Ahmad Paid"]),
        ({"sort": "-name"}, ["Dawood Nobill", "Chand Partial", "Bilal Arrears", "Ahmad Paid"]),
        ({"sort": "-surveyed", "surveyed_from": "2024-01-01"}, ["Bilal Arrears", "Ahmad Paid"]),
    ],
)
def test_every_filter_and_sort(world, login, uc_a_units, params, expected):
    response = login(world.supervisor).get(URL, {"uc": world.uc_a.pk, **params})
    assert response.status_code == 200, response.content
    assert names(response) == expected


def test_business_type_filter(world, login, uc_a_units):
    bakery = BusinessType.objects.get(name="Bakery")
    response = login(world.agent_a).get(URL, {"uc": world.uc_a.pk, "business_type": bakery.pk})
    assert names(response) == ["Chand Partial"]


@pytest.mark.parametrize(
    "params",
    [
        {"arrears_above": "-5"},
        {"arrears_above": "lots"},
        {"status": "7"},
        {"sort": "password"},
        {"surveyed_from": "yesterday"},
        {"surveyed_from": "2025-02-01", "surveyed_to": "2025-01-01"},
        {"size": "10"},
        {"cursor": "not-a-cursor!"},
    ],
)
def test_bad_filters_are_a_clear_400(world, login, uc_a_units, params):
    response = login(world.agent_a).get(URL, {"uc": world.uc_a.pk, **params})
    assert response.status_code == 400


def test_agent_cannot_browse_another_uc(world, login, uc_a_units):
    client = login(world.agent_b)
    assert client.get(URL, {"uc": world.uc_a.pk}).status_code == 404
    assert client.get(URL, {"uc": 999}).status_code == 404
    own = client.get(URL, {"uc": world.uc_b.pk})
    assert names(own) == ["Other UC unit"]


def test_supervisor_of_other_city_gets_404(world, login, uc_a_units):
    assert login(world.supervisor_multan).get(URL, {"uc": world.uc_a.pk}).status_code == 404


def test_list_runs_a_constant_number_of_queries(world, login, django_assert_num_queries):
    client = login(world.supervisor)
    for i in range(3):
        make_bill(make_unit(world.uc_a, consumer_name=f"A{i}"), MONTH, arrears=100)
    client.get(URL, {"uc": world.uc_a.pk})  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, {"uc": world.uc_a.pk, "sort": "-arrears"})
        assert response.status_code == 200
        return len(ctx)

    few = count()
    for i in range(40):
        make_bill(make_unit(world.uc_a, consumer_name=f"B{i}"), MONTH, arrears=i)
    assert count() == few
    with django_assert_num_queries(few):
        client.get(URL, {"uc": world.uc_a.pk, "sort": "-arrears"})


def test_pages_through_a_uc_without_skipping_or_repeating_while_rows_are_added(world, login):
    for i in range(60):
        make_unit(world.uc_a, consumer_name=f"M{i:03d}")
    client = login(world.agent_a)
    seen: list[str] = []
    response = client.get(URL, {"uc": world.uc_a.pk, "size": "25"})
    added = 0
    while True:
        seen += names(response)
        page = response.context["page"]
        # Someone adds units before and after the cursor between page views.
        make_unit(world.uc_a, consumer_name=f"A-new-{added}")
        make_unit(world.uc_a, consumer_name=f"Z-new-{added}")
        added += 1
        if not page.has_next:
            break
        assert "uc=" in page.next_url and "size=25" in page.next_url
        response = client.get(URL + page.next_url)
    assert len(seen) == len(set(seen))
    assert [n for n in seen if n.startswith("M")] == [f"M{i:03d}" for i in range(60)]
    assert not any(n.startswith("A-new") for n in seen)


def test_previous_page_link_returns_the_same_rows(world, login):
    for i in range(60):
        make_unit(world.uc_a, consumer_name=f"P{i:03d}")
    client = login(world.agent_a)
    first = client.get(URL, {"uc": world.uc_a.pk, "size": "25"})
    second = client.get(URL + first.context["page"].next_url)
    back = client.get(URL + second.context["page"].prev_url)
    assert names(back) == names(first)


def test_htmx_request_gets_the_results_partial(world, login, uc_a_units):
    response = login(world.agent_a).get(URL, {"uc": world.uc_a.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Ahmad Paid" in html


def test_uc_options_lists_only_visible_ucs(world, login):
    html = login(world.agent_a).get(reverse("units:uc_options"), {"city": world.lahore.pk})
    text = html.content.decode()
    assert "UC-Ravi" in text and "UC-Shalimar" not in text
    sup = login(world.supervisor).get(reverse("units:uc_options"), {"city": world.lahore.pk})
    assert re.search("UC-Shalimar", sup.content.decode())


def test_a_whole_uc_is_counted_exactly(world, login):
    template = make_unit(world.uc_a)
    SurveyUnit.objects.bulk_create(
        SurveyUnit(
            uc=world.uc_a,
            business_type=template.business_type,
            category=template.category,
            survey_id=f"SP-CNT-{i:07d}",
            consumer_name=f"Counted {i}",
        )
        for i in range(600)
    )
    count = login(world.agent_a).get(URL, {"uc": world.uc_a.pk}).context["count"]
    assert count.exact and count.value == 601


def test_sort_by_name_follows_the_name_shown_and_says_what_it_was_surveyed_as(world, login):
    """ "Abdullah Awan" shown after "Ahmed Hashmi" when sorted by the surveyed name (issue 19)."""
    make_unit(world.uc_a, consumer_name="Zainab Awan", billing_name="Fatima Ansari")
    make_unit(world.uc_a, consumer_name="Abdullah Awan", billing_name="")
    make_unit(world.uc_a, consumer_name="Ahmed Hashmi", billing_name="Yasir Hashmi")
    response = login(world.agent_a).get(
        reverse("units:browse"), {"uc": world.uc_a.pk, "sort": "name"}
    )
    shown = [u.billing_name_effective for u in response.context["page"].items]
    assert shown == ["Abdullah Awan", "Fatima Ansari", "Yasir Hashmi"]
    html = response.content.decode()
    assert "surveyed as Zainab Awan" in html and "surveyed as Abdullah Awan" not in html


def test_a_survey_id_or_mobile_search_looks_beyond_the_selected_uc(world, login):
    """ "No units match" while the unit was in the next UC (issue 19)."""
    other = make_unit(
        world.uc_b, survey_id="SP-B-77", consumer_name="Nadia Far", mobile="03001234567"
    )
    client = login(world.supervisor)
    for q in ("SP-B-77", "0300-1234567"):
        response = client.get(URL, {"uc": world.uc_a.pk, "q": q})
        assert [u.pk for u in response.context["page"].items] == [other.pk], q


def test_a_name_search_with_nothing_in_the_uc_offers_the_whole_area(world, login):
    make_unit(world.uc_b, consumer_name="Nadia Far")
    response = login(world.supervisor).get(URL, {"uc": world.uc_a.pk, "q": "Nadia"})
    assert response.context["page"].items == []
    html = response.content.decode()
    assert "No units in UC-Ravi match." in html
    assert "Search all my area (1 found)" in html
    link = response.context["wider"]["url"]
    assert "uc=" not in link
    wider = login(world.supervisor).get(link)
    assert [u.consumer_name for u in wider.context["page"].items] == ["Nadia Far"]
    # An agent sees nothing of another UC, not even a count.
    agent = login(world.agent_a).get(URL, {"uc": world.uc_a.pk, "q": "Nadia"})
    assert "wider" not in agent.context
