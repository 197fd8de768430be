"""The unit page's visits and tickets come from the visits and tickets apps (``units.history``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from suthra.testing import make_unit
from suthra.tickets.models import Ticket, TicketType
from suthra.units import history, selectors
from suthra.visits.models import ComplianceVisit, VisitOutcome

pytestmark = pytest.mark.django_db


def _visit(unit, staff):
    return ComplianceVisit.objects.create(
        staff=staff,
        unit=unit,
        visited_at=timezone.now(),
        outcome=VisitOutcome.PROMISED,
        lat=31.5,
        lon=74.3,
    )


def _ticket(unit, staff):
    return Ticket.objects.create(
        unit=unit, reported_by=staff, type=TicketType.WRONG_BILL, description="fee too high"
    )


def test_visits_and_tickets_register_their_readers():
    assert {"visits", "tickets"} <= set(history._readers)
    assert history.read("nothing-registered", actor=None, unit=None, limit=5) == []


def test_unit_page_lists_the_units_visits_and_tickets(world, client):
    unit = make_unit(world.uc_a)
    visit, ticket = _visit(unit, world.agent_a), _ticket(unit, world.agent_a)
    other = make_unit(world.uc_a)
    _visit(other, world.agent_a)
    _ticket(other, world.agent_a)
    assert selectors.unit_visits(actor=world.agent_a, unit=unit) == [visit]
    assert selectors.unit_tickets(actor=world.agent_a, unit=unit) == [ticket]
    client.force_login(world.agent_a)
    page = client.get(reverse("units:detail", args=[unit.pk]))
    assert page.status_code == 200
    assert page.context["visits"] == [visit]
    assert page.context["tickets"] == [ticket]


def test_readers_keep_to_the_actors_scope(world):
    unit = make_unit(world.uc_b)
    _visit(unit, world.agent_b)
    _ticket(unit, world.agent_b)
    assert selectors.unit_visits(actor=world.agent_a, unit=unit) == []
    assert selectors.unit_tickets(actor=world.agent_a, unit=unit) == []
