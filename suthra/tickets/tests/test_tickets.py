"""Tickets: routing by geography, SLA escalation (time mocked), decisions applying changes,
queues, comments, photo scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from suthra.accounts.models import Role
from suthra.core.models import AuditEvent
from suthra.notifications.models import Notification
from suthra.testing import make_staff, make_unit
from suthra.tickets import services
from suthra.tickets.models import EscalationLevel, Ticket, TicketStatus, TicketType
from suthra.tickets.tasks import escalate_tickets_task
from suthra.visits.tests.images import jpeg_bytes, upload

START = dt.datetime(2025, 11, 3, 9, 0, tzinfo=dt.UTC)


def raise_ticket(world, unit=None, **kw):
    unit = unit or make_unit(world.uc_a)
    kw.setdefault("type", TicketType.WRONG_BILL)
    kw.setdefault("description", "Bill amount looks wrong")
    return services.ticket_raise(actor=world.agent_a, unit=unit, **kw)


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


@pytest.mark.django_db
def test_ticket_is_routed_to_the_supervisor_of_the_units_city(world):
    with time_machine.travel(START, tick=False):
        ticket = raise_ticket(world)
    assert ticket.escalation_level == EscalationLevel.SUPERVISOR
    assert ticket.due_at == START + dt.timedelta(hours=72)
    assert any("New ticket" in t for t in titles(world.supervisor))
    assert titles(world.supervisor_multan) == []
    assert titles(world.manager) == []
    assert AuditEvent.objects.filter(action="ticket.raise", object_id=str(ticket.pk)).exists()


@pytest.mark.django_db
def test_agent_cannot_raise_ticket_outside_own_ucs(world):
    with pytest.raises(PermissionDenied):
        services.ticket_raise(
            actor=world.agent_b, unit=make_unit(world.uc_a), type=TicketType.OTHER, description="x"
        )


@pytest.mark.django_db
def test_sla_is_configurable_per_type(world, settings):
    settings.TICKET_SLA_HOURS = {"default": 10, "WRONG_BILL": 24}
    with time_machine.travel(START, tick=False):
        wrong = raise_ticket(world)
        other = raise_ticket(world, type=TicketType.OTHER)
    assert wrong.due_at == START + dt.timedelta(hours=24)
    assert other.due_at == START + dt.timedelta(hours=10)


@pytest.mark.django_db
def test_pending_ticket_escalates_to_manager_then_head(world, settings):
    settings.TICKET_SLA_HOURS = {"default": 72}
    with time_machine.travel(START, tick=False):
        ticket = raise_ticket(world)
    # Not yet due: nothing happens.
    with time_machine.travel(START + dt.timedelta(hours=71), tick=False):
        assert services.tickets_escalate() == 0
    with time_machine.travel(START + dt.timedelta(hours=73), tick=False):
        call_command("escalate_tickets")
        ticket.refresh_from_db()
        assert ticket.escalation_level == EscalationLevel.MANAGER
        assert ticket.due_at == timezone.now() + dt.timedelta(hours=72)
        # Managers of Lahore (manager sees all cities) are told; the Multan manager is not.
        assert any("escalated to you" in t for t in titles(world.manager))
        assert titles(world.manager_multan) == []
    with time_machine.travel(START + dt.timedelta(hours=73 + 73), tick=False):
        escalate_tickets_task.enqueue()
        ticket.refresh_from_db()
        assert ticket.escalation_level == EscalationLevel.HEAD
        assert any("escalated to you" in t for t in titles(world.head))
    # At HEAD it stays, breached.
    with time_machine.travel(START + dt.timedelta(days=30), tick=False):
        assert services.tickets_escalate() == 0
        ticket.refresh_from_db()
        assert ticket.escalation_level == EscalationLevel.HEAD and ticket.is_overdue()
    levels = AuditEvent.objects.filter(action="ticket.escalate", object_id=str(ticket.pk))
    assert levels.count() == 2


@pytest.mark.django_db
def test_decided_tickets_never_escalate(world):
    with time_machine.travel(START, tick=False):
        ticket = raise_ticket(world)
        services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=False, reason="no")
    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        assert services.tickets_escalate() == 0


@pytest.mark.django_db
def test_approving_name_mobile_change_applies_it_to_the_unit(world):
    unit = make_unit(world.uc_a, consumer_name="Old Name")
    ticket = raise_ticket(
        world,
        unit=unit,
        type=TicketType.NAME_MOBILE_CHANGE,
        new_name="New Owner",
        new_mobile="03219876543",
    )
    services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=True, reason="checked")
    unit.refresh_from_db()
    ticket.refresh_from_db()
    assert unit.billing_name == "New Owner" and unit.billing_mobile == "03219876543"
    assert ticket.status == TicketStatus.APPROVED and ticket.decided_by == world.supervisor
    assert AuditEvent.objects.filter(object_type="unit", object_id=str(unit.pk)).exists()
    assert any("approved" in t for t in titles(world.agent_a))


@pytest.mark.django_db
def test_approving_closure_deactivates_the_unit(world):
    unit = make_unit(world.uc_a)
    ticket = raise_ticket(world, unit=unit, type=TicketType.BUSINESS_CLOSED)
    services.ticket_decide(actor=world.manager, ticket=ticket, approve=True, reason="seen shut")
    unit.refresh_from_db()
    assert unit.is_active is False


@pytest.mark.django_db
def test_rejecting_changes_nothing_and_needs_a_reason(world):
    unit = make_unit(world.uc_a)
    ticket = raise_ticket(world, unit=unit, type=TicketType.BUSINESS_CLOSED)
    with pytest.raises(ValidationError):
        services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=False, reason=" ")
    services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=False, reason="open")
    unit.refresh_from_db()
    assert unit.is_active is True
    with pytest.raises(ValidationError):
        services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=True, reason="x")


@pytest.mark.django_db
def test_out_of_scope_supervisor_and_agents_cannot_decide(world):
    ticket = raise_ticket(world)
    with pytest.raises(PermissionDenied):
        services.ticket_decide(
            actor=world.supervisor_multan, ticket=ticket, approve=True, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.ticket_decide(actor=world.agent_a, ticket=ticket, approve=True, reason="x")


@pytest.mark.django_db
def test_queues_mine_area_overdue(world, login):
    with time_machine.travel(START, tick=False):
        old = raise_ticket(world)
    fresh = raise_ticket(world)
    other_city = services.ticket_raise(
        actor=world.head, unit=make_unit(world.uc_c), type=TicketType.OTHER, description="m"
    )
    client = login(world.supervisor)
    mine = client.get(reverse("tickets:queue"), {"queue": "mine"})
    assert {t.pk for t in mine.context["page"]} == {old.pk, fresh.pk}
    overdue = client.get(reverse("tickets:queue"), {"queue": "overdue"})
    assert [t.pk for t in overdue.context["page"]] == [old.pk]
    assert b"SLA breached" in overdue.content
    area = login(world.manager).get(reverse("tickets:queue"), {"queue": "area"})
    assert {t.pk for t in area.context["page"]} >= {old.pk, fresh.pk, other_city.pk}
    # The Multan supervisor sees none of Lahore's.
    multan = login(world.supervisor_multan).get(reverse("tickets:queue"), {"queue": "area"})
    assert {t.pk for t in multan.context["page"]} == {other_city.pk}
    # An agent's "mine" is what they raised.
    agent = login(world.agent_a).get(reverse("tickets:queue"))
    assert {t.pk for t in agent.context["page"]} == {old.pk, fresh.pk}


@pytest.mark.django_db
def test_queue_filters_and_bad_params(world, login):
    raise_ticket(world)
    other = raise_ticket(world, type=TicketType.OTHER)
    client = login(world.supervisor)
    r = client.get(reverse("tickets:queue"), {"queue": "area", "type": TicketType.OTHER})
    assert [t.pk for t in r.context["page"]] == [other.pk]
    assert client.get(reverse("tickets:queue"), {"queue": "everything"}).status_code == 400
    assert client.get(reverse("tickets:queue"), {"type": "77"}).status_code == 400
    assert client.get(reverse("tickets:queue"), {"cursor": "%%%"}).status_code == 400


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_rows(world, login, django_assert_max_num_queries):
    for _ in range(30):
        raise_ticket(world)
    client = login(world.supervisor)
    client.get(reverse("tickets:queue"))  # warm the session
    with django_assert_max_num_queries(9):
        r = client.get(reverse("tickets:queue"), {"queue": "area"})
    assert len(r.context["page"].items) == 25 and r.context["page"].next_url


@pytest.mark.django_db
def test_raise_through_the_form_with_photo(world, login):
    unit = make_unit(world.uc_a)
    client = login(world.agent_a)
    r = client.post(
        reverse("tickets:new", args=[unit.pk]),
        {
            "type": TicketType.NAME_MOBILE_CHANGE,
            "description": "Owner changed",
            "new_mobile": "+92 321 9876543",
            "photo": upload(jpeg_bytes(size=(800, 600))),
        },
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.new_mobile == "03219876543" and ticket.photo_key and ticket.thumb_key
    # Photo served in scope only.
    assert client.get(reverse("tickets:photo", args=[ticket.pk])).status_code == 200
    assert login(world.agent_b).get(reverse("tickets:photo", args=[ticket.pk])).status_code == 404


@pytest.mark.django_db
def test_raise_form_rejects_bad_input_and_writes_nothing(world, login):
    unit = make_unit(world.uc_a)
    client = login(world.agent_a)
    r = client.post(
        reverse("tickets:new", args=[unit.pk]),
        {"type": TicketType.NAME_MOBILE_CHANGE, "description": "x", "new_mobile": "12"},
    )
    assert r.status_code == 400 and Ticket.objects.count() == 0
    r = client.post(
        reverse("tickets:new", args=[unit.pk]),
        {"type": TicketType.OTHER, "description": "x", "photo": upload(b"not an image")},
    )
    assert r.status_code == 400 and Ticket.objects.count() == 0
    assert "not a photo" in r.content.decode()


@pytest.mark.django_db
def test_detail_shows_comments_and_history_and_decide_flow(world, login):
    ticket = raise_ticket(world)
    agent = login(world.agent_a)
    agent.post(reverse("tickets:comment", args=[ticket.pk]), {"body": "Please hurry"})
    sup = login(world.supervisor)
    r = sup.post(
        reverse("tickets:decide", args=[ticket.pk]), {"decision": "reject", "reason": "dup"}
    )
    assert r.status_code == 302
    page = sup.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Please hurry" in page and "ticket.decide" in page and "ticket.comment" in page
    assert login(world.agent_b).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404


@pytest.mark.django_db
def test_manager_without_city_and_inactive_supervisor_routing(world):
    make_staff("sup_gone", Role.SUPERVISOR, cities=[world.lahore], is_active=False)
    raise_ticket(world)
    assert not Notification.objects.filter(recipient__username="sup_gone").exists()


@pytest.mark.django_db
def test_an_approved_name_change_goes_through_the_units_service_with_the_ticket_as_reason(world):
    unit = make_unit(world.uc_a)
    ticket = raise_ticket(world, unit=unit, type=TicketType.NAME_MOBILE_CHANGE, new_name="New Name")
    services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=True, reason="ok")
    unit.refresh_from_db()
    assert unit.billing_name == "New Name"
    event = AuditEvent.objects.get(action="unit.billing", object_id=str(unit.pk))
    assert event.changes["reason"] == f"ticket #{ticket.pk}"
    assert event.changes["billing_name"][1] == "New Name"


@pytest.mark.django_db
def test_supervisor_cannot_decide_a_ticket_they_raised_and_is_not_asked_to(world, login):
    unit = make_unit(world.uc_a)
    ticket = services.ticket_raise(
        actor=world.supervisor, unit=unit, type=TicketType.OTHER, description="Shop closed"
    )
    # Not notified to decide their own ticket, and it is not in their queue.
    assert not any("New ticket" in t for t in titles(world.supervisor))
    client = login(world.supervisor)
    mine = client.get(reverse("tickets:queue"), {"queue": "mine"})
    assert ticket not in list(mine.context["page"])
    detail = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert detail.context["can_decide"] is False
    with pytest.raises(ValidationError):
        services.ticket_decide(actor=world.supervisor, ticket=ticket, approve=True, reason="ok")
    client.post(
        reverse("tickets:decide", args=[ticket.pk]), {"decision": "approve", "reason": "ok"}
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING and ticket.decided_by is None
    services.ticket_decide(actor=world.manager, ticket=ticket, approve=False, reason="no")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REJECTED and ticket.decided_by == world.manager


@pytest.mark.django_db
def test_ticket_pages_link_the_unit_ask_for_a_decision_and_show_the_types_fields(world, login):
    """Issue 19: no link to the unit or its bills, "Approve" preselected, name/mobile fields
    for every problem type."""
    unit = make_unit(world.uc_a)
    agent = login(world.agent_a)
    form_page = agent.get(reverse("tickets:new", args=[unit.pk])).content.decode()
    assert f'data-ticket-type="{int(TicketType.NAME_MOBILE_CHANGE)}"' in form_page
    assert "js/ticket-form.js" in form_page
    # A wrong-bill ticket with stray name/mobile values does not carry them.
    agent.post(
        reverse("tickets:new", args=[unit.pk]),
        {"type": TicketType.WRONG_BILL, "description": "fee too high", "new_name": "Someone"},
    )
    ticket = Ticket.objects.get()
    assert ticket.new_name == ""
    detail = login(world.supervisor).get(reverse("tickets:detail", args=[ticket.pk]))
    html = detail.content.decode()
    assert reverse("units:detail", args=[unit.pk]) in html
    assert reverse("billing:ledger", args=[unit.pk]) in html
    assert (
        'type="radio" name="decision"' in html
        and "checked" not in html.split('name="decision"')[1][:80]
    )
    # Without a choice nothing is decided.
    response = login(world.supervisor).post(
        reverse("tickets:decide", args=[ticket.pk]), {"reason": "checked"}
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert response.status_code in (200, 302, 400)
    assert not AuditEvent.objects.filter(action="ticket.decide").exists()
