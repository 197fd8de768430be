"""Maker–checker on visits: whoever recorded a visit never decides it, and it is not in their
approval queue or spot-check sample."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from suthra.testing import make_unit
from suthra.visits import services
from suthra.visits.models import ComplianceVisit, VisitStatus


@pytest.fixture
def own_visit(world):
    unit = make_unit(world.uc_a)
    return ComplianceVisit.objects.create(
        staff=world.supervisor, unit=unit, visited_at=timezone.now(), outcome=2
    )


@pytest.mark.django_db
def test_supervisor_cannot_decide_a_visit_they_recorded(world, own_visit):
    with pytest.raises(ValidationError):
        services.visit_decide(actor=world.supervisor, visit=own_visit, approve=True)
    own_visit.refresh_from_db()
    assert own_visit.status == VisitStatus.PENDING and own_visit.decided_by is None
    # Someone else with the unit in scope decides it.
    services.visit_decide(actor=world.manager, visit=own_visit, approve=True)
    own_visit.refresh_from_db()
    assert own_visit.status == VisitStatus.APPROVED and own_visit.decided_by == world.manager


@pytest.mark.django_db
def test_own_visit_is_not_in_the_queue_nor_offered_to_decide(world, login, own_visit):
    client = login(world.supervisor)
    queue = client.get(reverse("visits:queue"))
    assert own_visit not in list(queue.context["page"])
    assert own_visit not in queue.context["sample"]
    detail = client.get(reverse("visits:detail", args=[own_visit.pk]))
    assert detail.context["can_decide"] is False
    client.post(reverse("visits:decide", args=[own_visit.pk]), {"decision": "approve"})
    own_visit.refresh_from_db()
    assert own_visit.status == VisitStatus.PENDING
    # The manager's queue has it.
    assert own_visit in list(login(world.manager).get(reverse("visits:queue")).context["page"])
