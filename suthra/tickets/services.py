"""Writes for tickets: raise, comment, decide, escalate. Each is one transaction with its audit
event; notifications are written in the same transaction (delivered after commit)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.core.audit import audit_record
from suthra.notifications.services import notify
from suthra.tickets.models import (
    LEVEL_ROLE,
    EscalationLevel,
    Ticket,
    TicketComment,
    TicketStatus,
    TicketType,
)
from suthra.units.models import SurveyUnit
from suthra.units.services import unit_set_active, unit_update_billing

logger = logging.getLogger(__name__)


def sla_for(ticket_type: int) -> dt.timedelta:
    """The SLA of a ticket type, from ``TICKET_SLA_HOURS`` (by type name, or "default")."""
    table: dict[str, int] = getattr(settings, "TICKET_SLA_HOURS", {})
    name = TicketType(ticket_type).name
    hours = table.get(name, table.get("default", 72))
    return dt.timedelta(hours=hours)


def handlers_for(*, unit: SurveyUnit, level: int) -> list[Staff]:
    """Who a ticket on ``unit`` waits for at ``level``: active staff of that role whose scope
    includes the unit's union council (supervisors of its city, managers of its city or of
    everything, head office)."""
    role = LEVEL_ROLE[EscalationLevel(level)]
    city_id = unit.uc.city_id
    people = Staff.objects.filter(role=role, is_active=True)
    if role == Role.SUPERVISOR:
        people = people.filter(cities=city_id)
    elif role == Role.MANAGER:
        people = people.filter(Q(cities=city_id) | Q(cities__isnull=True))
    return list(people.distinct().order_by("id"))


def _ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def ticket_raise(
    *,
    actor: Staff,
    unit: SurveyUnit,
    type: int,
    description: str,
    new_name: str = "",
    new_mobile: str = "",
    photo_key: str = "",
    thumb_key: str = "",
) -> Ticket:
    """Any staff member raises a ticket on a unit in their scope. It waits for the supervisors
    of the unit's city, due after the type's SLA."""
    if not scope.scoped(actor, SurveyUnit.objects.filter(pk=unit.pk), "uc").exists():
        raise PermissionDenied("This unit is outside your area.")
    if type == TicketType.NAME_MOBILE_CHANGE and not (new_name or new_mobile):
        raise ValidationError(_("Give the new billing name or mobile."))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            unit=unit,
            reported_by=actor,
            type=type,
            description=description,
            new_name=new_name if type == TicketType.NAME_MOBILE_CHANGE else "",
            new_mobile=new_mobile if type == TicketType.NAME_MOBILE_CHANGE else "",
            photo_key=photo_key,
            thumb_key=thumb_key,
            escalation_level=EscalationLevel.SUPERVISOR,
            due_at=now + sla_for(type),
        )
        audit_record(
            actor=actor,
            action="ticket.raise",
            object_type="ticket",
            object_id=ticket.pk,
            changes={"unit": unit.survey_id, "type": str(TicketType(type).label)},
        )
        notify(
            recipients=[
                p
                for p in handlers_for(unit=unit, level=EscalationLevel.SUPERVISOR)
                if p.pk != actor.pk
            ],
            kind="ticket.raised",
            title=format_lazy(
                gettext_lazy("New ticket #{id}: {type} ({unit})"),
                id=ticket.pk,
                type=TicketType(type).label,
                unit=unit.survey_id,
            ),
            url=_ticket_url(ticket),
            body=description[:300],
        )
    return ticket


def ticket_comment(*, actor: Staff, ticket: Ticket, body: str) -> TicketComment:
    """Anyone who can see the ticket may comment. The reporter and (if decided) the decider are
    notified, except the author."""
    body = body.strip()
    if not body:
        raise ValidationError(_("Write a comment."))
    with transaction.atomic():
        comment = TicketComment.objects.create(ticket=ticket, author=actor, body=body)
        audit_record(
            actor=actor,
            action="ticket.comment",
            object_type="ticket",
            object_id=ticket.pk,
            changes={"comment": comment.pk},
        )
        others = [p for p in (ticket.reported_by, ticket.decided_by) if p and p.pk != actor.pk]
        notify(
            recipients=others,
            kind="ticket.comment",
            title=format_lazy(gettext_lazy("New comment on ticket #{id}"), id=ticket.pk),
            url=_ticket_url(ticket),
            body=body[:300],
        )
    return comment


def _apply_to_unit(*, actor: Staff, ticket: Ticket) -> dict[str, Any]:
    """Apply an approved change to the unit through the units service (audited there), or —
    when that service is not available — through a small audited write of our own. Returns
    what changed."""
    unit = SurveyUnit.objects.select_for_update().get(pk=ticket.unit_id)
    reason = f"ticket #{ticket.pk}"
    if ticket.type == TicketType.NAME_MOBILE_CHANGE:
        fields: dict[str, Any] = {}
        if ticket.new_name:
            fields["billing_name"] = ticket.new_name
        if ticket.new_mobile:
            fields["billing_mobile"] = ticket.new_mobile
        unit_update_billing(
            actor=actor,
            unit_id=unit.pk,
            billing_name=ticket.new_name or unit.billing_name_effective,
            billing_mobile=ticket.new_mobile or unit.billing_mobile_effective,
            billing_address=unit.billing_address_effective,
            reason=reason,
        )
        return fields
    if ticket.type == TicketType.BUSINESS_CLOSED:
        unit_set_active(actor=actor, unit_id=unit.pk, active=False, reason=reason)
        return {"is_active": False}
    return {}


def ticket_decide(*, actor: Staff, ticket: Ticket, approve: bool, reason: str) -> Ticket:
    """SUPERVISOR and above, with the ticket's unit in scope, approve or reject a pending ticket
    with a reason. Approving a name/mobile change or a closure applies it to the unit."""
    reason = reason.strip()
    if not actor.at_least(Role.SUPERVISOR):
        raise PermissionDenied("Only supervisors and above decide tickets.")
    if not scope.scoped(actor, Ticket.objects.filter(pk=ticket.pk), "unit__uc").exists():
        raise PermissionDenied("This ticket is outside your area.")
    # Maker–checker: whoever raised a ticket never decides it.
    if ticket.reported_by_id == actor.pk:
        raise ValidationError(
            _("You raised this ticket: another supervisor or manager decides it.")
        )
    if not reason:
        raise ValidationError(_("Give a reason for the decision."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().select_related("unit").get(pk=ticket.pk)
        if locked.status != TicketStatus.PENDING:
            raise ValidationError(_("This ticket has already been decided."))
        applied = _apply_to_unit(actor=actor, ticket=locked) if approve else {}
        locked.status = TicketStatus.APPROVED if approve else TicketStatus.REJECTED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_reason = reason
        locked.save(
            update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="ticket.decide",
            object_type="ticket",
            object_id=locked.pk,
            changes={
                "status": ["PENDING", locked.status],
                "reason": reason,
                **({"applied": {k: str(v) for k, v in applied.items()}} if applied else {}),
            },
        )
        notify(
            recipients=[locked.reported_by] if locked.reported_by_id != actor.pk else [],
            kind="ticket.decided",
            title=format_lazy(
                gettext_lazy("Ticket #{id} approved")
                if locked.status == TicketStatus.APPROVED
                else gettext_lazy("Ticket #{id} rejected"),
                id=locked.pk,
            ),
            url=_ticket_url(locked),
            body=reason[:300],
        )
    return locked


def tickets_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate every PENDING ticket past its due time one level (SUPERVISOR → MANAGER → HEAD),
    with a new due time, notifying the new handlers. Run periodically by ``manage.py
    escalate_tickets`` or the ``escalate_tickets_task``. Tickets already at HEAD stay overdue
    (breached). Returns how many were escalated."""
    now = now or timezone.now()
    due = list(
        Ticket.objects.filter(
            status=TicketStatus.PENDING,
            due_at__lt=now,
            escalation_level__lt=EscalationLevel.HEAD,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:5000]
    )
    count = 0
    for pk in due:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update()
                .select_related("unit__uc")
                .filter(
                    pk=pk,
                    status=TicketStatus.PENDING,
                    due_at__lt=now,
                    escalation_level__lt=EscalationLevel.HEAD,
                )
                .first()
            )
            if ticket is None:
                continue
            before = ticket.escalation_level
            ticket.escalation_level = before + 1
            ticket.escalated_at = now
            ticket.due_at = now + sla_for(ticket.type)
            ticket.save(update_fields=["escalation_level", "escalated_at", "due_at", "updated_at"])
            audit_record(
                actor=None,
                action="ticket.escalate",
                object_type="ticket",
                object_id=ticket.pk,
                changes={
                    "level": [
                        str(EscalationLevel(before).label),
                        str(EscalationLevel(ticket.escalation_level).label),
                    ]
                },
            )
            notify(
                recipients=[
                    p
                    for p in handlers_for(unit=ticket.unit, level=ticket.escalation_level)
                    if p.pk != ticket.reported_by_id
                ],
                kind="ticket.escalated",
                title=format_lazy(
                    gettext_lazy("Ticket #{id} escalated to you: {type} ({unit})"),
                    id=ticket.pk,
                    type=TicketType(ticket.type).label,
                    unit=ticket.unit.survey_id,
                ),
                url=_ticket_url(ticket),
                body=ticket.description[:300],
            )
            count += 1
    if count:
        logger.info("escalated %s tickets", count)
    return count
