"""Compliance visits: an agent at a unit, with photo and GPS as proof (the seed's
``compliance_visits``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suthra.accounts.scope import ScopedQuerySet
from suthra.units.models import SurveyUnit


class VisitOutcome(models.IntegerChoices):
    PAID_ON_SPOT = 1, _("Paid on the spot")
    PROMISED = 2, _("Promised to pay")
    REFUSED = 3, _("Refused")
    CLOSED = 4, _("Closed")
    NOT_FOUND = 5, _("Not found")
    DISPUTE = 6, _("Dispute")


class VisitStatus(models.TextChoices):
    PENDING = "PENDING", _("Waiting for approval")
    APPROVED = "APPROVED", _("Approved")
    REJECTED = "REJECTED", _("Rejected")


class ComplianceVisitQuerySet(ScopedQuerySet["ComplianceVisit"]):
    UC_PATH = "unit__uc"


class ComplianceVisit(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField(_("visit time"))
    created_at = models.DateTimeField(auto_now_add=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    # Storage key (or Drive file id) of the re-encoded photo; the seed's ``image_drive_id``.
    photo_key = models.CharField(max_length=255, blank=True)
    outcome = models.PositiveSmallIntegerField(_("outcome"), choices=VisitOutcome.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    status = models.CharField(
        max_length=8, choices=VisitStatus.choices, default=VisitStatus.PENDING
    )
    # Idempotency: the form (and the offline queue) sends a UUID; a repeat returns this visit.
    client_key = models.UUIDField(null=True, blank=True, unique=True)
    thumb_key = models.CharField(max_length=255, blank=True)
    photo_taken_at = models.DateTimeField(_("photo taken"), null=True, blank=True)
    # Proof of presence, computed when the visit is recorded (see visits.services).
    distance_m = models.FloatField(_("distance from unit (m)"), null=True, blank=True)
    flag_far = models.BooleanField(_("far from the unit"), default=False)
    flag_photo_time = models.BooleanField(_("photo time differs"), default=False)
    flag_low_accuracy = models.BooleanField(_("weak or no GPS"), default=False)
    flagged = models.BooleanField(_("flagged"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=2000)
    # The ticket a "dispute" outcome opened.
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ComplianceVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["staff", "visited_at"], name="visit_staff_time_idx"),
            # Visit history of a unit, and "visited today" ticks on the worklist.
            models.Index(fields=["unit", "visited_at"], name="visit_unit_time_idx"),
            # The approval queue: pending, flagged first.
            models.Index(fields=["status", "flagged", "id"], name="visit_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accuracy_m__isnull=True) | models.Q(accuracy_m__gte=0),
                name="visit_accuracy_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit #{self.pk} {self.get_outcome_display()}"

    @property
    def flag_labels(self) -> list[str]:
        labels = []
        if self.flag_far:
            labels.append(str(_("far from the unit")))
        if self.flag_photo_time:
            labels.append(str(_("photo time differs")))
        if self.flag_low_accuracy:
            labels.append(str(_("weak or no GPS")))
        return labels
