"""Tickets raised by staff against a unit (the seed's ``tickets``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suthra.units.models import SurveyUnit


class TicketType(models.IntegerChoices):
    WRONG_BILL = 1, _("Wrong bill")
    BUSINESS_CLOSED = 2, _("Business closed")
    NAME_MOBILE_CHANGE = 3, _("Name / mobile change")
    DUPLICATE_UNIT = 4, _("Duplicate unit")
    UNIT_NOT_FOUND = 5, _("Unit not found")
    OTHER = 9, _("Other")


class TicketStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")


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

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="ticket_status_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="PENDING", decided_at__isnull=True)
                | (~models.Q(status="PENDING") & models.Q(decided_at__isnull=False)),
                name="ticket_decided_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket #{self.pk} {self.get_type_display()}"
