"""Every API endpoint × every named user: role gate, 404 out of scope, lists never leak.

This table is the API's access matrix (the API namespace is exempt from the page matrix in
suthra/testing/access.py); ``test_every_operation_is_in_the_table`` makes a new endpoint fail
until it is added here. Writes have their own role and scope tests in test_<noun>.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from suthra.accounts import scope
from suthra.api.api import api as ninja_api
from suthra.api.tests.factories import Rows, make_rows
from suthra.testing.access import IN_SCOPE_OF_UC_A, RANK, USER_ROLES


@dataclass
class Endpoint:
    operation_id: str
    minimum: str
    url: Callable[[Rows], str]
    kind: str  # "detail" (object in UC A), "list" (rows carry unit ids), "plain" (no geography)
    unit_key: str = "unit_id"
    # A list that must show the UC A object to those who see UC A.
    expect: Callable[[Rows], Any] | None = None


ENDPOINTS = [
    Endpoint("me", "AGENT", lambda r: "/me", "plain"),
    # The unit browser works on one UC: a UC outside the caller's area is a 404.
    Endpoint("units_list", "AGENT", lambda r: f"/units?uc={r.units['a'].uc_id}", "detail"),
    Endpoint(
        "units_search",
        "AGENT",
        lambda r: "/units/search?q=Shopkeeper",
        "list",
        "id",
        lambda r: r.units["a"].pk,
    ),
    Endpoint("units_detail", "AGENT", lambda r: f"/units/{r.units['a'].pk}", "detail"),
    Endpoint("units_bills", "AGENT", lambda r: f"/units/{r.units['a'].pk}/bills", "detail"),
    Endpoint("bills_query", "AGENT", lambda r: "/bills", "list", expect=lambda r: r.units["a"].pk),
    Endpoint("bills_detail", "AGENT", lambda r: f"/bills/{r.bills['a'].psid}", "detail"),
    Endpoint("bills_pdf", "AGENT", lambda r: f"/bills/{r.bills['a'].psid}/pdf", "detail"),
    Endpoint(
        "payments_list",
        "SUPERVISOR",
        lambda r: "/payments",
        "list",
        expect=lambda r: r.units["a"].pk,
    ),
    Endpoint(
        "tickets_list", "AGENT", lambda r: "/tickets", "list", expect=lambda r: r.units["a"].pk
    ),
    Endpoint("tickets_detail", "AGENT", lambda r: f"/tickets/{r.tickets['a'].pk}", "detail"),
    Endpoint("visits_list", "AGENT", lambda r: "/visits", "list", expect=lambda r: r.units["a"].pk),
    Endpoint("visits_detail", "AGENT", lambda r: f"/visits/{r.visits['a'].pk}", "detail"),
    Endpoint("worklist", "AGENT", lambda r: "/worklist", "list", expect=lambda r: r.units["a"].pk),
    Endpoint("dashboard", "AGENT", lambda r: "/dashboard", "plain"),
    Endpoint("report_collection", "SUPERVISOR", lambda r: "/reports/collection", "plain"),
    Endpoint("notifications_list", "AGENT", lambda r: "/notifications", "plain"),
    Endpoint(
        "cash_receipts_list",
        "AGENT",
        lambda r: "/cash/receipts",
        "list",
        expect=lambda r: r.units["a"].pk,
    ),
    Endpoint(
        "cash_receipts_detail", "AGENT", lambda r: f"/cash/receipts/{r.receipts['a'].pk}", "detail"
    ),
    # Everyone has a cash book: their own (empty for managers and head office).
    Endpoint("cash_book", "AGENT", lambda r: "/cash/book", "plain"),
    Endpoint("imports_list", "MANAGER", lambda r: "/imports", "plain"),
    # The batch is the all-cities manager's: out of scope for the Multan manager.
    Endpoint("imports_detail", "MANAGER", lambda r: f"/imports/{r.batch.pk}", "detail"),
]
# Operations whose role and scope are tested in their own files (writes, or no geography).
TESTED_ELSEWHERE = {
    "tickets_create",  # test_tickets.py
    "tickets_decide",  # test_tickets.py
    "visits_create",  # test_visits.py
    "visits_decide",  # test_visits.py
    "visits_photo",  # test_visits.py (needs a visit with a photo)
    "payments_record",  # test_payments.py
    "cash_receipts_create",  # test_cash.py
    "cash_blocks_reserve",  # test_cash.py (agents and supervisors only; no geography)
    "notifications_read",  # test_notifications.py (own notifications only)
    "notifications_read_all",  # test_notifications.py
    "public_bill_lookup",  # no token at all: suthra/consumers/tests/test_lookup.py
}


def _operation_ids() -> set[str]:
    schema = ninja_api.get_openapi_schema()
    return {op["operationId"] for path in schema["paths"].values() for op in path.values()}


def test_every_operation_is_in_the_table():
    declared = {e.operation_id for e in ENDPOINTS} | TESTED_ELSEWHERE
    missing = sorted(_operation_ids() - declared)
    assert not missing, f"API operations without access tests: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_endpoint_role_and_scope(endpoint: Endpoint, world, api):
    rows = make_rows(world)
    url = endpoint.url(rows)
    failures = []
    for username, role in USER_ROLES.items():
        user = world.users[username]
        response = api(user).get(url)
        allowed = RANK[role] >= RANK[endpoint.minimum]
        in_scope = IN_SCOPE_OF_UC_A[username]
        if not allowed:
            expected = 403
        elif endpoint.kind == "detail" and not in_scope:
            expected = 404
        else:
            expected = 200
        if response.status_code != expected:
            failures.append(f"{username}: {response.status_code} ≠ {expected}")
            continue
        if expected != 200 or endpoint.kind != "list":
            continue
        body = response.json()
        items = body["items"] if isinstance(body, dict) else body
        unit_ids = {item[endpoint.unit_key] for item in items}
        visible = scope.uc_ids(user)
        for unit in rows.units.values():
            if unit.pk in unit_ids and visible is not None and unit.uc_id not in visible:
                failures.append(f"{username}: sees out-of-scope unit {unit.pk}")
        if endpoint.expect and in_scope and endpoint.expect(rows) not in unit_ids:
            failures.append(f"{username}: does not see the UC A row")
    assert not failures, f"{endpoint.operation_id} {url}: " + "; ".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_endpoint_needs_authentication(endpoint: Endpoint, world, client):
    rows = make_rows(world)
    response = client.get("/api/v1" + endpoint.url(rows))
    assert response.status_code == 401
    assert response.json()["detail"]
