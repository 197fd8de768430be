"""The shared import machinery: upload → preview (background) → commit (background, one
transaction) with progress, SHA-256 idempotency and a downloadable error report.

Who may call: views check MANAGER and up (``imports.views``); management commands call
``batch_upload`` / ``batch_preview`` / ``batch_commit`` directly with ``run_now=True``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.core.audit import audit_record
from suthra.imports import parsers, registry
from suthra.imports.models import ImportBatch
from suthra.imports.parsers import ParseError, RowError, errors_csv, read_table

log = logging.getLogger(__name__)
Status = ImportBatch.Status
# How many rows between two progress updates (each is one small UPDATE).
PROGRESS_EVERY = 5000
# Errors kept in the batch for the preview page; all of them go to the CSV report.
ERRORS_SHOWN = 50
# One lock for every import that writes bills, so two commits never interleave.
ADVISORY_LOCK_KEY = 58_432_001


class ImportRefused(Exception):
    """The upload is refused before anything is stored (too big, same file already imported)."""

    def __init__(self, message: str, batch: ImportBatch | None = None) -> None:
        super().__init__(message)
        self.batch = batch


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 40 * 1024 * 1024))


def size_message(size: int) -> str:
    limit = _max_bytes()
    return _(
        "The file is %(size)s MB; the limit is %(limit)s MB (IMPORT_MAX_BYTES). "
        "Split it into smaller files."
    ) % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:.0f}"}


def already_imported(kind: str, digest: str) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(kind=kind, sha256=digest, status=Status.DONE)
        .order_by("id")
        .first()
    )


def batch_upload(
    *, actor: Any, kind: str, file_name: str, data: bytes, run_now: bool = False
) -> ImportBatch:
    """Store an uploaded file as a new batch and start its preview. MANAGER and up.

    Refuses a file over ``IMPORT_MAX_BYTES`` and a file whose SHA-256 was already imported
    (the same file twice changes nothing).
    """
    registry.handler_for(kind)  # unknown kinds fail early
    if len(data) > _max_bytes():
        raise ImportRefused(size_message(len(data)))
    digest = sha256(data)
    previous = already_imported(kind, digest)
    if previous is not None:
        raise ImportRefused(
            f"This file was already imported as batch #{previous.pk} on "
            f"{timezone.localtime(previous.finished_at or previous.created_at):%Y-%m-%d %H:%M}; "
            "importing it again would change nothing.",
            previous,
        )
    batch = ImportBatch.objects.create(
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        file_name=file_name[:255],
        sha256=digest,
        heartbeat_at=timezone.now(),
    )
    batch.file_key = default_storage.save(
        f"imports/{batch.pk}/upload{_suffix(file_name)}", ContentFile(data)
    )
    batch.save(update_fields=["file_key"])
    start(batch, "preview", run_now=run_now)
    return batch


def _suffix(name: str) -> str:
    low = name.lower()
    for ext in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        if low.endswith(ext):
            return ext
    return ".dat"


def start(batch: ImportBatch, step: str, *, run_now: bool = False) -> None:
    """Run a step in the background (or right here for management commands)."""
    if run_now:
        (batch_preview if step == "preview" else batch_commit)(batch.pk)
        return
    from suthra.imports import tasks

    (tasks.import_preview if step == "preview" else tasks.import_commit).enqueue(batch.pk)


def _touch(batch_id: int, **fields: Any) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now(), **fields)


def _progress(batch_id: int, total: int):  # type: ignore[no-untyped-def]
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        # Not more often than every half second, and always at the end.
        if done >= total or now - last[0] > 0.5:
            last[0] = now
            _touch(batch_id, rows_done=min(done, total))

    return report


def report_max_rows() -> int:
    """How many problems an error report lists (IMPORT_ERROR_REPORT_MAX_ROWS)."""
    return int(getattr(settings, "IMPORT_ERROR_REPORT_MAX_ROWS", parsers.ERROR_REPORT_MAX_ROWS))


def _read(batch: ImportBatch) -> bytes:
    with default_storage.open(batch.file_key, "rb") as handle:
        data: bytes = handle.read()
    if sha256(data) != batch.sha256:
        raise ParseError("The stored file does not match its SHA-256; upload it again.")
    return data


def _save_errors(batch: ImportBatch, errors: list[RowError]) -> str:
    key = f"imports/{batch.pk}/errors.csv"
    if default_storage.exists(key):
        default_storage.delete(key)
    if not errors:
        return ""
    return default_storage.save(key, ContentFile(errors_csv(errors, max_rows=report_max_rows())))


def _error_sample(errors: list[RowError]) -> list[dict[str, Any]]:
    return [
        {"row": e.row, "column": e.column, "value": str(e.value)[:80], "reason": e.reason}
        for e in errors[:ERRORS_SHOWN]
    ]


def _parse(batch: ImportBatch):  # type: ignore[no-untyped-def]
    handler = registry.handler_for(batch.kind)
    table = read_table(
        _read(batch), filename=batch.file_name, spec=handler.spec, max_bytes=_max_bytes()
    )
    total = len(table.rows)
    _touch(batch.pk, rows_total=total, rows_done=0)
    records, errors = handler.parse(table, _progress(batch.pk, total))
    if len(table.rows) != total:  # an XLSX is counted exactly only once its rows were read
        total = len(table.rows)
        _touch(batch.pk, rows_total=total, rows_done=total)
    info = {
        "encoding": table.encoding,
        "delimiter": {",": "comma", ";": "semicolon", "\t": "tab"}.get(table.delimiter, ""),
        "sheet": table.sheet,
        "ignored_columns": table.ignored,
        "rows": total,
    }
    return handler, records, errors, info


# --- stash: what a preview leaves for its commit --------------------------------------------
# A handler may keep the preview's checked rows (``stash_save``) and give them back to the
# commit (its optional ``resume(batch)``), which then need not read and check the file again.
# The stash is deleted with the uploaded file (commit done, or cancelled).
STASH_PREFIX = "stash-"


def stash_save(batch: ImportBatch, name: str, content: Any) -> None:
    """Store ``content`` (bytes or a ``File``) as the batch's stash ``name``."""
    key = f"imports/{batch.pk}/{STASH_PREFIX}{name}"
    if default_storage.exists(key):
        default_storage.delete(key)
    default_storage.save(key, content if hasattr(content, "read") else ContentFile(content))


def stash_read(batch: ImportBatch, name: str) -> bytes | None:
    key = f"imports/{batch.pk}/{STASH_PREFIX}{name}"
    if not default_storage.exists(key):
        return None
    with default_storage.open(key, "rb") as handle:
        data: bytes = handle.read()
    return data


def stash_clear(batch_id: int) -> None:
    folder = f"imports/{batch_id}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        if name.startswith(STASH_PREFIX):
            default_storage.delete(f"{folder}/{name}")


def _resume(batch: ImportBatch):  # type: ignore[no-untyped-def]
    """The preview's checked rows, when the handler kept them and they are still valid."""
    handler = registry.handler_for(batch.kind)
    resume = getattr(handler, "resume", None)
    found = resume(batch) if resume is not None else None
    if found is None:
        return None
    records, errors = found
    _touch(batch.pk, rows_done=batch.rows_total)
    return handler, records, errors, (batch.counts or {}).get("file", {})


def _fail(batch_id: int, message: str) -> None:
    _touch(batch_id, status=Status.FAILED, message=message[:2000], finished_at=timezone.now())


def batch_preview(batch_id: int) -> None:
    """Parse and check the file, compute what would change; status PREVIEW (or FAILED)."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in (Status.UPLOADED, Status.VALIDATING, Status.FAILED):
        return
    _touch(batch_id, status=Status.VALIDATING, message="", rows_done=0)
    try:
        handler, records, errors, info = _parse(batch)
        plan = handler.plan(batch, records, errors)
        plan.errors.sort(key=lambda e: e.row)
        batch.refresh_from_db()
        batch.error_report_key = _save_errors(batch, plan.errors)
        batch.counts = {
            **plan.counts,
            "rejected": len({e.row for e in plan.errors}),
            "errors": len(plan.errors),
            "error_sample": _error_sample(plan.errors),
            "details": plan.details,
            "file": info,
        }
        batch.status = Status.PREVIEW
        batch.rows_done = batch.rows_total
        batch.heartbeat_at = timezone.now()
        batch.save()
    except ParseError as exc:
        _fail(batch_id, str(exc))
    except Exception as exc:
        log.exception("import %s preview failed", batch_id)
        _fail(
            batch_id,
            _("The preview failed unexpectedly (%(error)s).") % {"error": exc.__class__.__name__},
        )


def batch_request_commit(*, actor: Any, batch: ImportBatch) -> str:
    """Mark a previewed batch for commit and start it. Returns a message for the user."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.created_by_id != actor.pk and not actor.at_least("HEAD"):
            return _("Only the person who uploaded the file can commit it.")
        if locked.status != Status.PREVIEW:
            return (
                f"This import is {locked.get_status_display().lower()}; it cannot be committed now."
            )
        locked.status = Status.COMMITTING
        locked.rows_done = 0
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "rows_done", "heartbeat_at"])
    start(locked, "commit")
    return _("Import started.")


def _lock_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            # A worker killed mid-statement (kill -9, out of memory): PostgreSQL would finish
            # the statement before noticing, holding the import lock and the bills' row locks
            # meanwhile. Checking the connection every second ends it within a second
            # (PostgreSQL 14+; for this transaction only, so safe through a pooler).
            if getattr(connection, "pg_version", 0) >= 140000:
                cursor.execute("SET LOCAL client_connection_check_interval = 1000")


def batch_commit(batch_id: int) -> None:
    """Apply a previewed batch: all accepted rows in ONE transaction, or nothing."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in (Status.COMMITTING, Status.PREVIEW):
        return
    _touch(batch_id, status=Status.COMMITTING, message="", rows_done=0)
    try:
        handler, records, errors, info = _resume(batch) or _parse(batch)
        with transaction.atomic():
            _lock_imports()
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            twin = already_imported(batch.kind, batch.sha256)
            if twin is not None and twin.pk != batch.pk:
                raise ParseError(
                    _("The same file was imported meanwhile as batch #%(id)s.") % {"id": twin.pk}
                )
            # Plan again inside the transaction: the database may have changed since preview.
            plan = handler.plan(batch, records, errors, preview=False)
            applied = handler.apply(batch, plan)
            plan.errors.sort(key=lambda e: e.row)
            batch.error_report_key = _save_errors(batch, plan.errors)
            batch.counts = {
                **plan.counts,
                **applied,
                "rejected": len({e.row for e in plan.errors}),
                "errors": len(plan.errors),
                "error_sample": _error_sample(plan.errors),
                # The preview's details (month-on-month checks) unless the commit made its own.
                "details": plan.details or batch.counts.get("details", {}),
                "file": info,
            }
            batch.status = Status.DONE
            batch.finished_at = batch.heartbeat_at = timezone.now()
            batch.rows_done = batch.rows_total
            batch.message = ""
            batch.save()
            audit_record(
                actor=batch.created_by,
                action="import.commit",
                object_type="import",
                object_id=batch.pk,
                changes={
                    "kind": batch.kind,
                    "file": batch.file_name,
                    "sha256": batch.sha256,
                    **{k: v for k, v in batch.counts.items() if isinstance(v, int)},
                },
            )
            _notify(batch)
    except ParseError as exc:
        _fail(batch_id, str(exc))
        return
    except Exception as exc:
        log.exception("import %s commit failed", batch_id)
        _fail(
            batch_id,
            _("The import failed and nothing was changed (%(error)s). You can restart it.")
            % {"error": f"{exc.__class__.__name__}: {str(exc)[:300]}"},
        )
        return
    # Committed: the handler's maintenance outside the transaction (e.g. rebuilding indexes
    # after a month's load), then the uploaded file is no longer needed.
    after = getattr(handler, "after_commit", None)
    if after is not None:
        try:
            after(batch)
        except Exception:
            log.exception("import %s: maintenance after the commit failed", batch_id)
    if batch.file_key and default_storage.exists(batch.file_key):
        default_storage.delete(batch.file_key)
    stash_clear(batch_id)
    ImportBatch.objects.filter(pk=batch_id).update(file_key="")


def _notify(batch: ImportBatch) -> None:
    if batch.created_by is None:
        return
    from django.urls import reverse

    from suthra.notifications.services import notify

    counts = batch.counts
    notify(
        recipients=[batch.created_by],
        kind="import.finished",
        title=format_lazy(
            gettext_lazy(
                "Import #{id} finished: {new} new, {changed} changed, {rejected} rejected"
            ),
            id=batch.pk,
            new=counts.get("new", 0),
            changed=counts.get("changed", 0),
            rejected=counts.get("rejected", 0),
        ),
        url=reverse("imports:detail", kwargs={"pk": batch.pk}),
    )
    # Payments that could not be applied wait in the exceptions queue: say so, with a link.
    waiting = counts.get("exceptions", 0)
    if batch.kind == ImportBatch.Kind.PAYMENTS and isinstance(waiting, int) and waiting > 0:
        notify(
            recipients=[batch.created_by],
            kind="payments.exceptions",
            title=format_lazy(
                gettext_lazy("{n} payment exception(s) from import #{id} are waiting"),
                n=waiting,
                id=batch.pk,
            ),
            url=reverse("billing:exceptions"),
        )


def batch_cancel(*, actor: Any, batch: ImportBatch) -> str:
    """Cancel a batch that was not committed; its stored file is deleted."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status in (Status.DONE, Status.CANCELLED):
            return _("This import is already finished.")
        if locked.status in (Status.COMMITTING, Status.VALIDATING) and not locked.is_stalled:
            return _("This import is running; wait for it to finish.")
        locked.status = Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        key = locked.file_key
    if key and default_storage.exists(key):
        default_storage.delete(key)
    stash_clear(batch.pk)
    return _("Import cancelled.")


def batch_restart(*, actor: Any, batch: ImportBatch) -> str:
    """Start a failed or stalled batch again from its preview (nothing was written)."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not (locked.status == Status.FAILED or locked.is_stalled):
            return _("Only a failed or stalled import can be restarted.")
        if not locked.file_key or not default_storage.exists(locked.file_key):
            return _("The uploaded file is gone; upload it again.")
        locked.status = Status.UPLOADED
        locked.message = ""
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "message", "heartbeat_at"])
    start(locked, "preview")
    return _("Import restarted: check the preview again.")
