"""One-box search: survey id, PSID, mobile in any spelling, names (Urdu too), address; scope."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.urls import reverse

from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit
from suthra.units.selectors import SEARCH_FIELDS, parse_search, search_expression, unit_search
from suthra.units.tests.helpers import MONTH

URL = reverse("units:browse")


@pytest.fixture
def units(world):
    return {
        "ali": make_unit(
            world.uc_a,
            survey_id="SP-LAH-0000042",
            consumer_name="Muhammad Ali",
            mobile="03214567890",
            address="Shop 12, Anarkali Bazaar",
        ),
        "urdu": make_unit(world.uc_a, consumer_name="محمد علی", billing_name="علی حسن"),
        "renamed": make_unit(world.uc_a, consumer_name="Old Name", billing_name="Hafiz Sweets"),
        "billmob": make_unit(world.uc_a, consumer_name="Zubair", billing_mobile="03330001111"),
        "other": make_unit(world.uc_b, consumer_name="Muhammad Ali Khan", mobile="03005550000"),
    }


def found(client, q, **extra) -> set[str]:
    response = client.get(URL, {"q": q, **extra})
    assert response.status_code == 200, response.content
    return {u.consumer_name for u in response.context["page"].items}


@pytest.mark.parametrize(
    "q", ["03214567890", "0321-4567890", "+92 321 4567890", "92-321-4567890", "0321 456 7890"]
)
def test_mobile_in_any_spelling(world, login, units, q):
    assert found(login(world.agent_a), q) == {"Muhammad Ali"}


def test_billing_mobile_is_searched_too(world, login, units):
    assert found(login(world.agent_a), "+92 333 0001111") == {"Zubair"}


def test_survey_id_psid_name_address(world, login, units):
    client = login(world.agent_a)
    bill = make_bill(units["ali"], MONTH, psid=12345678901234567)
    assert found(client, "sp-lah-0000042") == {"Muhammad Ali"}
    assert found(client, str(bill.psid)) == {"Muhammad Ali"}
    assert found(client, "muhammad") == {"Muhammad Ali"}
    assert found(client, "ANARKALI") == {"Muhammad Ali"}
    assert found(client, "hafiz swe") == {"Old Name"}


def test_urdu_names_partial(world, login, units):
    client = login(world.agent_a)
    assert found(client, "علی") == {"محمد علی"}
    assert found(client, "محمد") == {"محمد علی"}


def test_agent_never_finds_another_ucs_unit(world, login, units):
    client = login(world.agent_a)
    assert found(client, "Muhammad Ali") == {"Muhammad Ali"}
    assert found(client, "03005550000") == set()
    assert found(client, units["other"].survey_id) == set()
    other_bill = make_bill(units["other"], MONTH, psid=76543210987654321)
    assert found(client, str(other_bill.psid)) == set()
    # The supervisor of Lahore sees both UCs.
    assert found(login(world.supervisor), "muhammad ali") == {"Muhammad Ali", "Muhammad Ali Khan"}
    assert found(login(world.supervisor_multan), "muhammad ali") == set()


def test_search_within_the_chosen_uc(world, login, units):
    client = login(world.supervisor)
    assert found(client, "muhammad", uc=world.uc_b.pk) == {"Muhammad Ali Khan"}


def test_too_short_query_finds_nothing(world, login, units):
    client = login(world.agent_a)
    response = client.get(URL, {"q": "al"})
    assert response.context["page"].items == []
    assert "at least 3 characters" in response.content.decode()


def test_parse_search_recognises_mobile_and_psid():
    assert parse_search("+92 300 1234567").mobile == "03001234567"
    assert parse_search("12345678901234567").psid == 12345678901234567
    assert parse_search("ab").too_short


def test_wide_search_matches_names_mobiles_and_whole_survey_ids(world, login, units):
    client = login(world.manager)  # every UC: a wide search
    assert found(client, "muhammad ali") == {"Muhammad Ali", "Muhammad Ali Khan"}
    assert found(client, "4567890") == {"Muhammad Ali"}  # part of a mobile
    assert found(client, "SP-LAH-0000042") == {"Muhammad Ali"}
    assert found(client, "علی حسن") == {"محمد علی"}


def test_addresses_are_searched_inside_a_uc(world, login, units):
    client = login(world.manager)
    response = client.get(URL, {"q": "anarkali"})
    assert response.context["page"].items == []
    assert "Addresses are searched inside one union council" in response.content.decode()
    assert found(client, "anarkali", uc=world.uc_a.pk) == {"Muhammad Ali"}
    assert found(client, "anarkali", uc=world.uc_b.pk) == set()
    # An agent (one UC) and a supervisor (a city of two UCs) search addresses everywhere they see.
    assert found(login(world.agent_a), "anarkali") == {"Muhammad Ali"}
    assert found(login(world.supervisor), "anarkali bazaar") == {"Muhammad Ali"}


def test_narrow_search_matches_billing_address_and_part_of_a_survey_id(world, login, units):
    make_unit(world.uc_a, consumer_name="Moved", billing_address="House 7, Data Darbar Road")
    client = login(world.agent_a)
    assert found(client, "data darbar") == {"Moved"}
    assert found(client, "lah-0000042") == {"Muhammad Ali"}
    assert found(login(world.manager), "lah-0000042") == set()  # wide: whole survey ids only


@pytest.mark.parametrize("user", ["agent_a", "manager"])
def test_search_pages_without_skipping_or_repeating(world, login, user):
    for i in range(60):
        make_unit(world.uc_a, consumer_name=f"Malik {i:02d}")
    make_unit(world.uc_b, consumer_name="Malik of B")
    client = login(getattr(world, user))
    response = client.get(URL, {"q": "malik", "size": "25"})
    seen: list[str] = []
    while True:
        page = response.context["page"]
        seen += [u.consumer_name for u in page.items]
        if not page.has_next:
            break
        response = client.get(URL + page.next_url)
    expected = {f"Malik {i:02d}" for i in range(60)}
    if user == "manager":
        expected.add("Malik of B")
    assert sorted(seen) == sorted(expected)


@pytest.mark.parametrize("user", ["agent_a", "manager"])
def test_search_runs_a_constant_number_of_queries(world, login, user):
    from django.test.utils import CaptureQueriesContext

    client = login(getattr(world, user))
    client.get(URL, {"q": "malik"})  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"q": "malik"}).status_code == 200
        return len(ctx)

    make_unit(world.uc_a, consumer_name="Malik")
    few = count()
    for i in range(40):
        make_unit(world.uc_a, consumer_name=f"Malik {i}")
    assert count() == few


def test_the_migration_indexes_exactly_the_searched_fields():
    migration = importlib.import_module("suthra.units.migrations.0004_slim_unit_indexes")
    assert migration.NEW_FIELDS == SEARCH_FIELDS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram index is PostgreSQL only")
def test_search_uses_the_trigram_index(world, units):
    query = parse_search("hafiz")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        plan = unit_search(actor=world.manager, query=query).order_by().explain()
        assert "unit_name_mobile_trgm" in plan
        qs = SurveyUnit.objects.annotate(s=search_expression()).filter(s__contains="0321")
        assert "unit_name_mobile_trgm" in qs.order_by().explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
