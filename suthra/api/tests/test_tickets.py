"""Raising and deciding tickets through the API (the tickets service does the work)."""

from __future__ import annotations

import pytest

from suthra.core.models import AuditEvent
from suthra.testing import make_unit
from suthra.tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db


def test_agent_raises_ticket_on_own_unit(world, api):
    unit = make_unit(world.uc_a)
    response = api(world.agent_a).post(
        "/tickets", {"unit_id": unit.pk, "type": 1, "description": "Fee is for a large shop"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "PENDING" and body["reported_by"] == "agent_a"
    ticket = Ticket.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(action="ticket.raise", object_id=str(ticket.pk)).exists()


@pytest.mark.parametrize("username", ["agent_b", "supervisor_multan", "manager_multan"])
def test_ticket_on_out_of_scope_unit_is_404(world, api, username):
    unit = make_unit(world.uc_a)
    response = api(world.users[username]).post(
        "/tickets", {"unit_id": unit.pk, "type": 9, "description": "x"}
    )
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_name_change_needs_new_name_or_mobile(world, api):
    unit = make_unit(world.uc_a)
    client = api(world.agent_a)
    refused = client.post("/tickets", {"unit_id": unit.pk, "type": 3, "description": "new owner"})
    assert refused.status_code == 422
    assert refused.json()["errors"]
    bad_mobile = client.post(
        "/tickets",
        {"unit_id": unit.pk, "type": 3, "description": "x", "new_mobile": "12345"},
    )
    assert bad_mobile.status_code == 422
    assert bad_mobile.json()["errors"][0]["field"] == "new_mobile"
    ok = client.post(
        "/tickets",
        {"unit_id": unit.pk, "type": 3, "description": "x", "new_mobile": "+92 300 1234567"},
    )
    assert ok.status_code == 201
    assert ok.json()["new_mobile"] == "03001234567"


def _ticket(world, unit=None):
    unit = unit or make_unit(world.uc_a)
    return Ticket.objects.create(
        unit=unit, reported_by=world.agent_a, type=TicketType.OTHER, description="x"
    )


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent_a", 403),
        ("agent_b", 403),
        ("supervisor", 200),
        ("supervisor_multan", 404),
        ("manager", 200),
        ("manager_multan", 404),
        ("head", 200),
    ],
)
def test_decide_role_and_scope(world, api, username, expected):
    ticket = _ticket(world)
    response = api(world.users[username]).post(
        f"/tickets/{ticket.pk}/decide", {"approve": False, "reason": "not a problem"}
    )
    assert response.status_code == expected, response.content
    ticket.refresh_from_db()
    assert (ticket.status == "REJECTED") == (expected == 200)


def test_approving_closure_deactivates_unit_and_second_decision_is_refused(world, api):
    unit = make_unit(world.uc_a)
    ticket = Ticket.objects.create(
        unit=unit, reported_by=world.agent_a, type=TicketType.BUSINESS_CLOSED, description="shut"
    )
    client = api(world.supervisor)
    ok = client.post(f"/tickets/{ticket.pk}/decide", {"approve": True, "reason": "seen closed"})
    assert ok.status_code == 200
    assert ok.json()["status"] == "APPROVED" and ok.json()["decided_by"] == "supervisor"
    unit.refresh_from_db()
    assert unit.is_active is False
    again = client.post(f"/tickets/{ticket.pk}/decide", {"approve": False, "reason": "oops"})
    assert again.status_code == 422
    assert "already" in again.json()["detail"]


def test_queue_filters(world, api):
    mine = _ticket(world)
    other = Ticket.objects.create(
        unit=make_unit(world.uc_a), reported_by=world.supervisor, type=9, description="y"
    )
    client = api(world.agent_a)
    area = {t["id"] for t in client.get("/tickets", {"queue": "area"}).json()["items"]}
    assert area == {mine.pk, other.pk}
    own = {t["id"] for t in client.get("/tickets", {"queue": "mine"}).json()["items"]}
    assert own == {mine.pk}
