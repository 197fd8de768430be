"""Tickets raised by staff against a unit (the seed's ``tickets``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suthra.accounts.scope import ScopedQuerySet
from suthra.units.models import SurveyUnit


class TicketType(models.IntegerChoices):
    WRONG_BILL = 1, _("Wrong bill")
    BUSINESS_CLOSED = 2, _("Business closed")
    NAME_MOBILE_CHANGE = 3, _("Name / mobile change")
    DUPLICATE_UNIT = 4, _("Duplicate unit")
    UNIT_NOT_FOUND = 5, _("Unit not found")
    OTHER = 9, _("Other")


class EscalationLevel(models.IntegerChoices):
    """Who a pending ticket waits for: it starts with the city's supervisors and climbs when its
    SLA passes (see ``tickets.services.tickets_escalate``)."""

    SUPERVISOR = 0, _("Supervisor")
    MANAGER = 1, _("Manager")
    HEAD = 2, _("Head office")


LEVEL_ROLE = {
    EscalationLevel.SUPERVISOR: "SUPERVISOR",
    EscalationLevel.MANAGER: "MANAGER",
    EscalationLevel.HEAD: "HEAD",
}


class TicketStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")


class TicketQuerySet(ScopedQuerySet["Ticket"]):
    UC_PATH = "unit__uc"


class Ticket(models.Model):
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="tickets")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets_reported"
    )
    type = models.PositiveSmallIntegerField(_("type"), choices=TicketType.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets_decided",
    )
    decision_reason = models.TextField(blank=True, max_length=2000)
    # Routing and SLA: the level it waits for, and when that level's SLA runs out.
    escalation_level = models.PositiveSmallIntegerField(
        _("waiting for"), choices=EscalationLevel.choices, default=EscalationLevel.SUPERVISOR
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # A name/mobile change carries the requested values; approval applies them to the unit.
    new_name = models.CharField(_("new billing name"), max_length=120, blank=True)
    new_mobile = models.CharField(_("new billing mobile"), max_length=11, blank=True)
    # Storage keys (or Drive ids) of the optional re-encoded photo and its thumbnail.
    photo_key = models.CharField(max_length=255, blank=True)
    thumb_key = models.CharField(max_length=255, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="ticket_status_created_idx"),
            # The escalation sweep and the "overdue" queue: pending tickets by due time.
            models.Index(fields=["status", "due_at"], name="ticket_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="PENDING", decided_at__isnull=True)
                | (~models.Q(status="PENDING") & models.Q(decided_at__isnull=False)),
                name="ticket_decided_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk} {self.get_type_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == TicketStatus.PENDING

    def is_overdue(self, now: object = None) -> bool:
        from django.utils import timezone

        moment = now or timezone.now()
        return self.is_pending and self.due_at is not None and self.due_at < moment  # type: ignore[operator]


class TicketComment(models.Model):
    """One message in a ticket's thread."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_comments"
    )
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Comment #{self.pk} on ticket #{self.ticket_id}"
