"""Unit search: scope, paging with the X-Next-Cursor header, and a bounded number of queries."""

from __future__ import annotations

import pytest

from suthra.testing import make_unit

pytestmark = pytest.mark.django_db


def _walk(client, query: dict) -> tuple[list[int], int]:
    """Every id of every page of a search, and how many pages it took."""
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        response = client.get("/units/search", {**query, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        seen += [u["id"] for u in response.json()]
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            assert "Link" not in response.headers
            return seen, pages
        assert f"cursor={cursor}" in response.headers["Link"]
        assert response.headers["Link"].endswith('; rel="next"')


def test_search_stays_in_the_agents_ucs(world, api):
    mine = make_unit(world.uc_a, consumer_name="Imran Malik")
    make_unit(world.uc_b, consumer_name="Imran Malik")
    make_unit(world.uc_c, consumer_name="Imran Malik")
    client = api(world.agent_a)
    assert [u["id"] for u in client.get("/units/search", {"q": "malik"}).json()] == [mine.pk]
    assert client.get("/units/search", {"q": "malik", "uc": world.uc_b.pk}).status_code == 404


def test_search_of_a_city_manager_and_a_chosen_uc(world, api):
    make_unit(world.uc_a, consumer_name="Imran Malik")
    multan = make_unit(world.uc_c, consumer_name="Imran Malik")
    assert [
        u["id"] for u in api(world.manager_multan).get("/units/search", {"q": "Malik"}).json()
    ] == [multan.pk]
    everyone = api(world.manager)
    assert len(everyone.get("/units/search", {"q": "Malik"}).json()) == 2
    in_uc = everyone.get("/units/search", {"q": "Malik", "uc": world.uc_c.pk}).json()
    assert [u["id"] for u in in_uc] == [multan.pk]


@pytest.mark.parametrize("who", ["manager", "supervisor"])  # a wide and a narrow search
def test_paging_a_common_name_skips_and_repeats_nothing(world, api, who):
    matches = {make_unit(world.uc_a, consumer_name=f"Malik {i:02d}").pk for i in range(30)}
    matches |= {make_unit(world.uc_b, consumer_name=f"Malik {i:02d}").pk for i in range(30)}
    make_unit(world.uc_a, consumer_name="Someone Else")
    client = api(getattr(world, who))
    seen, pages = _walk(client, {"q": "malik", "size": 25})
    assert pages == 3
    assert len(seen) == len(set(seen))
    assert set(seen) == matches
    first = client.get("/units/search", {"q": "malik"}).json()
    assert len(first) == 25  # the default page, as before paging existed


def test_a_garbled_cursor_is_a_400(world, api):
    response = api(world.agent_a).get("/units/search", {"q": "malik", "cursor": "not*a*cursor"})
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["manager", "agent_a"])
def test_a_search_page_costs_a_bounded_number_of_queries(
    world, api, who, django_assert_max_num_queries
):
    for i in range(40):
        make_unit(world.uc_a, consumer_name=f"Malik {i:02d}")
    client = api(getattr(world, who))
    # The token (read, last use), the scope, the page itself: never one per row (business
    # types come in the same query), whatever the page.
    with django_assert_max_num_queries(4):
        response = client.get("/units/search", {"q": "malik", "size": 25})
    assert len(response.json()) == 25
    with django_assert_max_num_queries(4):
        client.get("/units/search", {"q": "malik", "cursor": response.headers["X-Next-Cursor"]})
