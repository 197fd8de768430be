"""Import batches: one row per uploaded (or generated) file, shared by every kind of import."""

from __future__ import annotations

import bisect
import datetime as dt
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A running batch that has not reported progress for this long is shown as stalled (restartable):
# IMPORT_STALL_SECONDS in settings.
STALL_SECONDS = 600
# A committing batch whose commit transaction is not running (its row is not locked) and that is
# not waiting in the task queue is stalled after this long: IMPORT_COMMIT_STALL_SECONDS.
COMMIT_STALL_SECONDS = 60


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
    # The first and last PSID and month of the bills a bill import wrote (new or changed):
    # which batches can hold a bill, without reading their PSIDs. The PSIDs themselves are in
    # ``PsidBlock`` rows (compressed, a few KB each), never on this row: pages that list
    # batches read nothing that grows with a batch's size.
    psid_first = models.BigIntegerField(null=True, blank=True, editable=False)
    psid_last = models.BigIntegerField(null=True, blank=True, editable=False)
    month_first = models.DateField(null=True, blank=True, editable=False)
    month_last = models.DateField(null=True, blank=True, editable=False)
    # The first import to write its months wrote every bill of them: it keeps no PsidBlock
    # (a month's first bill file costs nothing whatever its PSIDs); later ones keep theirs.
    psids_all = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.file_name}"

    def set_psid_runs(
        self, runs: Sequence[Sequence[int]], months: tuple[dt.date, dt.date] | None = None
    ) -> None:
        """Record the bills this import wrote, as sorted [first, last] runs of PSIDs (the batch
        must be saved already; its first and last PSID and month are saved by the caller).

        When no other import wrote these months before, this one wrote every bill of them
        and nothing more is kept (``psids_all``); otherwise the runs go to ``PsidBlock`` rows.
        """
        PsidBlock.objects.filter(batch=self).delete()
        self.psid_first = runs[0][0] if runs else None
        self.psid_last = runs[-1][1] if runs else None
        self.month_first, self.month_last = months if runs and months else (None, None)
        self.psids_all = bool(runs and months) and not (
            ImportBatch.objects.filter(
                status=self.Status.DONE,
                kind__in=BILL_WRITERS,
                psid_first__isnull=False,
            )
            .filter(
                models.Q(month_first__isnull=True)
                | models.Q(month_first__lte=self.month_last, month_last__gte=self.month_first)
            )
            .exclude(pk=self.pk)
            .exists()
        )
        if not self.psids_all:
            PsidBlock.objects.bulk_create(
                [PsidBlock(batch=self, **block) for block in encode_blocks(runs)], batch_size=200
            )

    def written_runs(self) -> list[list[int]]:
        """The [first, last] runs of PSIDs this import wrote (decoded from its blocks; for a
        ``psids_all`` import: the PSIDs of the bills of its months it holds)."""
        if self.psids_all:
            from django.apps import apps

            bills = apps.get_model("billing", "Bill").objects.filter(
                month__gte=self.month_first,
                month__lte=self.month_last,
                psid__gte=self.psid_first,
                psid__lte=self.psid_last,
            )
            return psid_runs(bills.values_list("psid", flat=True))
        runs: list[list[int]] = []
        for block in self.psid_blocks.order_by("first"):
            runs.extend(decode_block(block.first, block.data))
        return runs

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def is_stalled(self) -> bool:
        """Running, but no sign of life: the worker was killed or lost.

        Quiet for ``IMPORT_STALL_SECONDS``; or, for a commit, quiet for
        ``IMPORT_COMMIT_STALL_SECONDS`` while nothing holds the batch: a commit locks its batch
        row for its whole transaction and a killed worker's transaction ends with its
        connection (``kill -9`` mid-commit, issue 21), so a free row and no queued commit task
        mean no commit is running.
        """
        from django.utils import timezone

        if not self.is_running:
            return False
        last = self.heartbeat_at or self.created_at
        if last is None:
            return False
        quiet = (timezone.now() - last).total_seconds()
        if quiet > getattr(settings, "IMPORT_STALL_SECONDS", STALL_SECONDS):
            return True
        grace = getattr(settings, "IMPORT_COMMIT_STALL_SECONDS", COMMIT_STALL_SECONDS)
        if self.status != self.Status.COMMITTING or quiet <= grace:
            return False
        return not self._commit_alive()

    def _commit_alive(self) -> bool:
        """The commit transaction holds the batch row, or the commit task still waits."""
        from django.db import connection, transaction

        if not connection.features.has_select_for_update_skip_locked:
            return True  # SQLite cannot tell: the heartbeat alone decides
        with transaction.atomic():
            free = (
                ImportBatch.objects.select_for_update(skip_locked=True)
                .filter(pk=self.pk)
                .values_list("pk", flat=True)
                .first()
            )
        if free is None:
            return True
        try:
            from django_tasks_db.models import DBTaskResult
        except ImportError:  # pragma: no cover - the database backend is a dependency
            return False
        return (
            DBTaskResult.objects.filter(
                task_path="suthra.imports.tasks.import_commit",
                status="READY",
                args_kwargs__args=[self.pk],
            )
            .using(connection.alias)
            .exists()
        )

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


# The kinds of import that write bills.
BILL_WRITERS = [ImportBatch.Kind.BILLS, ImportBatch.Kind.LEGACY, ImportBatch.Kind.GENERATED]


class PsidBlock(models.Model):
    """Up to ``BLOCK_RUNS`` runs of the PSIDs one import wrote, compressed.

    PSIDs as they come from e-Pay are not consecutive, so a month is ~300,000 runs of one
    PSID: as JSON on the batch that was 12 M characters read by every page that loaded a
    batch. Here the runs are delta-encoded and zlib-compressed (~1–3 bytes a PSID), cut into
    blocks with their first and last PSID, so finding the import of one bill reads one block
    (a few KB) of each candidate batch.
    """

    id = models.BigAutoField(primary_key=True)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="psid_blocks", db_index=False
    )
    first = models.BigIntegerField()
    last = models.BigIntegerField()
    data = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["batch", "last"], name="psidblock_batch_last")]

    def __str__(self) -> str:
        return f"#{self.batch_id} {self.first}–{self.last}"


BLOCK_RUNS = 4096


def _native(values: array) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_le(typecode: str, data: bytes) -> array:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def encode_blocks(runs: Sequence[Sequence[int]]) -> list[dict]:
    """Sorted [first, last] runs as blocks: {"first", "last", "data"}. ``data`` is zlib of the
    run count (4 bytes), the starts as 8-byte gaps from the previous start (the first gap from
    the block's first is 0) and the run lengths minus one (4 bytes each), little-endian."""
    blocks = []
    for i in range(0, len(runs), BLOCK_RUNS):
        part = runs[i : i + BLOCK_RUNS]
        first = part[0][0]
        gaps = array("Q", (s - p for (s, _e), (p, _f) in zip(part, [part[0], *part], strict=False)))
        lengths = array("I", (e - s for s, e in part))
        raw = len(part).to_bytes(4, "little") + _native(gaps) + _native(lengths)
        blocks.append({"first": first, "last": part[-1][1], "data": zlib.compress(raw, 6)})
    return blocks


def decode_block(first: int, data: bytes | memoryview) -> list[list[int]]:
    raw = zlib.decompress(bytes(data))
    n = int.from_bytes(raw[:4], "little")
    gaps = _from_le("Q", raw[4 : 4 + 8 * n])
    lengths = _from_le("I", raw[4 + 8 * n : 4 + 12 * n])
    runs = []
    start = first
    for gap, length in zip(gaps, lengths, strict=True):
        start += gap
        runs.append([start, start + length])
    return runs


def block_holds(first: int, data: bytes | memoryview, psid: int) -> bool:
    runs = decode_block(first, data)
    index = bisect.bisect_right(runs, [psid, float("inf")]) - 1
    return index >= 0 and runs[index][0] <= psid <= runs[index][1]


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
