"""Reads for tickets. Every function starts from the actor's scoped queryset."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from suthra.accounts import scope
from suthra.accounts.models import Role
from suthra.core.models import AuditEvent
from suthra.tickets.models import EscalationLevel, Ticket, TicketStatus

QUEUES = ("mine", "area", "overdue")
ROLE_LEVEL = {
    Role.SUPERVISOR: EscalationLevel.SUPERVISOR,
    Role.MANAGER: EscalationLevel.MANAGER,
    Role.HEAD: EscalationLevel.HEAD,
}


def tickets_visible(actor: Any) -> QuerySet[Ticket]:
    """Every ticket whose unit is in the actor's area."""
    return Ticket.objects.visible_to(actor)  # type: ignore[no-any-return]


def ticket_get(*, actor: Any, pk: Any) -> Ticket:
    """One ticket (unit, reporter, decider) in the actor's scope, or 404. Any role."""
    return Ticket.objects.select_related(
        "unit", "unit__uc", "reported_by", "decided_by"
    ).get_visible(actor, pk=pk)


def ticket_queue(
    *,
    actor: Any,
    queue: str = "mine",
    status: str | None = None,
    type: int | None = None,
    uc_id: int | None = None,
    q: str = "",
) -> QuerySet[Ticket]:
    """The queue views (any staff):

    - ``mine``: for an agent, the tickets they raised; for SUPERVISOR+, pending tickets waiting
      for their level in their area (the routing result), except those they raised themselves.
    - ``area``: every ticket in the actor's area.
    - ``overdue``: pending tickets past their SLA in the actor's area.
    """
    qs = tickets_visible(actor).select_related("unit", "unit__uc", "reported_by")
    if queue == "mine":
        level = ROLE_LEVEL.get(Role(actor.role))
        if level is None:
            qs = qs.filter(reported_by=actor)
        else:
            # Maker–checker: the tickets they raised are not theirs to decide (the area
            # queue still lists them).
            qs = qs.filter(status=TicketStatus.PENDING, escalation_level=level).exclude(
                reported_by=actor
            )
    elif queue == "overdue":
        qs = qs.filter(status=TicketStatus.PENDING, due_at__lt=timezone.now())
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if uc_id:
        qs = qs.filter(unit__uc_id=uc_id)
    if q:
        term = q.strip().lstrip("#")
        if term.isdigit():
            qs = qs.filter(Q(pk=int(term)) | Q(unit__survey_id__icontains=term))
        else:
            qs = qs.filter(unit__survey_id__icontains=term)
    return qs


def overdue_count(actor: Any) -> int:
    """Pending tickets past SLA in the actor's area (for the dashboard's breach counter)."""
    return (
        tickets_visible(actor)
        .filter(status=TicketStatus.PENDING, due_at__lt=timezone.now())
        .count()
    )


def ticket_history(ticket: Ticket) -> QuerySet[AuditEvent]:
    """The ticket's audit trail, oldest first (the caller has already checked access)."""
    return (
        AuditEvent.objects.filter(object_type="ticket", object_id=str(ticket.pk))
        .select_related("actor")
        .order_by("id")
    )


def unit_tickets(*, actor: Any, unit: Any, limit: int = 20) -> list[Ticket]:
    """The tickets of one unit (in the actor's scope), newest first: the unit page's section,
    registered in ``units.history`` by ``TicketsConfig.ready``."""
    qs = scope.scoped(actor, Ticket.objects.filter(unit=unit), "unit__uc")
    return list(qs.select_related("reported_by").order_by("-created_at")[:limit])
