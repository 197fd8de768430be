"""Background exports: who asked for which list, its progress, and the file only they may fetch."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One requested export. The ``token`` (not the id) is in URLs; only ``requested_by`` may use
    them, until ``expires_at`` (``EXPORT_KEEP_HOURS`` after the request)."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Waiting")
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Ready")
        FAILED = "FAILED", _("Failed")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=20)
    format = models.CharField(max_length=4)
    # The validated filters, as query parameters (shown on the page and in the audit log).
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file_key = models.CharField(max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["expires_at"], name="exportjob_expires_idx")]

    def __str__(self) -> str:
        return f"Export {self.kind}.{self.format} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, round(100 * self.rows_done / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
