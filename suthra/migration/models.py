"""What ``manage.py import_legacy`` has done, so that a run killed half-way resumes.

``LegacyChunk`` is written in the transaction that wrote the chunk's rows, so a chunk is either
imported and recorded, or neither. ``LegacyRecord`` maps the old system's integer keys (staff,
tickets, visits) to ours: a second run updates those rows instead of creating them again.
``LegacyReject`` holds the error report's rows (the report is written from it at the end).
"""

from __future__ import annotations

from django.db import models


class LegacyChunk(models.Model):
    """One chunk of one table of one source, imported (``counts``: read, new, changed, ...)."""

    source = models.CharField(max_length=255)
    table = models.CharField(max_length=40)
    # What the table was when the chunk was read (file size and time, or the row count): a
    # changed source starts that table again.
    fingerprint = models.CharField(max_length=100)
    chunk = models.PositiveIntegerField()
    counts = models.JSONField(default=dict)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "table", "chunk"], name="legacy_chunk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.table} chunk {self.chunk}"


class LegacyRecord(models.Model):
    """The old system's key of a row (``staff.id``, ``tickets.ticket_id``, ...) → ours."""

    table = models.CharField(max_length=40)
    legacy_id = models.BigIntegerField()
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "legacy_id"], name="legacy_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.legacy_id} → {self.object_id}"


class LegacyReject(models.Model):
    """A row of the error report: rejected (not imported) or kept with a change (a warning)."""

    source = models.CharField(max_length=255)
    table = models.CharField(max_length=40)
    chunk = models.PositiveIntegerField()
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=60, blank=True)
    value = models.TextField(blank=True)
    reason = models.TextField()  # the detailed message, in English
    rejected = models.BooleanField(default=True)
    # A stable code (suthra.migration.reasons.REASONS) and the figures its text names: the
    # reason in another language is written from them.
    code = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["source", "table", "chunk"], name="legacy_reject_idx")]

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.reason}"
