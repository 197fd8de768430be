"""One-box search: survey id, PSID, mobile in any spelling, names (Urdu too), address; scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from suthra.core.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit
from suthra.units.selectors import parse_search, search_expression
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram index is PostgreSQL only")
def test_search_uses_the_trigram_index(world, units):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        qs = (
            SurveyUnit.objects.annotate(s=search_expression())
            .filter(s__contains="hafiz")
            .order_by()
        )
        assert "unit_search_trgm" in qs.explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
