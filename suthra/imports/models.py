"""Import batches: one row per uploaded (or generated) file, shared by every kind of import."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A running batch that has not reported progress for this long is shown as stalled (restartable).
STALL_SECONDS = 600


class ImportBatch(models.Model):
    """Who imported which file when, its SHA-256, progress, counts and error report.

    The key is a small integer: bills point at their batch, and 2 bytes per bill matter at 3.6 M
    bills (a few imports a month fit for centuries).
    """

    class Kind(models.TextChoices):
        BILLS = "BILLS", _("Bills")
        PAYMENTS = "PAYMENTS", _("Payments")
        UNITS = "UNITS", _("Units")
        LEGACY = "LEGACY", _("Legacy data")
        GENERATED = "GENERATED", _("Generated demo data")

    class Status(models.TextChoices):
        UPLOADED = "UPLOADED", _("Uploaded")
        VALIDATING = "VALIDATING", _("Validating")
        PREVIEW = "PREVIEW", _("Ready to commit")
        COMMITTING = "COMMITTING", _("Committing")
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")
        CANCELLED = "CANCELLED", _("Cancelled")

    id = models.SmallAutoField(primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    # Storage key of the uploaded file (kept until the batch is committed or cancelled).
    file_key = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # Progress of the running step, for the htmx progress bar.
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Touched by the running task; a running batch whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # {"new": n, "changed": n, "unchanged": n, "rejected": n, ...} and the month-on-month checks.
    counts = models.JSONField(default=dict, blank=True)
    error_report_key = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)
    # The PSIDs of the bills a bill import wrote (new or changed) as sorted [first, last] runs:
    # a month's PSIDs are a few runs, so a bill's import is known without a column on every
    # bill (see suthra.billing.selectors.bill_import_batch).
    psid_runs = models.JSONField(default=list, blank=True, editable=False)
    # The first and last of those PSIDs: which batches can hold a PSID, without reading runs.
    psid_first = models.BigIntegerField(null=True, blank=True, editable=False)
    psid_last = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.file_name}"

    def set_psid_runs(self, runs: list[list[int]]) -> None:
        """Record the bills this import wrote (saved with the batch by the caller)."""
        self.psid_runs = runs
        self.psid_first = runs[0][0] if runs else None
        self.psid_last = runs[-1][1] if runs else None

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def is_stalled(self) -> bool:
        """Running, but no sign of life for a while: the worker was killed or lost."""
        from django.utils import timezone

        if not self.is_running:
            return False
        last = self.heartbeat_at or self.created_at
        return last is not None and (timezone.now() - last).total_seconds() > STALL_SECONDS

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


def extend_runs(runs: list[list[int]], psid: int) -> None:
    """Add ``psid`` (not below the last one added) to sorted [first, last] runs."""
    if runs and psid <= runs[-1][1] + 1:
        runs[-1][1] = max(runs[-1][1], psid)
    else:
        runs.append([psid, psid])


def psid_runs(psids: Iterable[int]) -> list[list[int]]:
    """Sorted PSIDs as [first, last] runs of consecutive numbers."""
    runs: list[list[int]] = []
    for psid in sorted(psids):
        extend_runs(runs, psid)
    return runs
