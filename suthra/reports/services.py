"""Writes of the reports app: starting, running and cleaning up background exports."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation

from suthra.accounts.models import Staff
from suthra.consumers import bulk
from suthra.core import exports
from suthra.core.audit import audit_record
from suthra.reports import lists
from suthra.reports.models import ExportJob

logger = logging.getLogger(__name__)


def export_start(
    *,
    actor: Any,
    kind: lists.ListKind,
    fmt: str,
    query: dict[str, str],
    ip: str | None = None,
    base: str = "",
) -> ExportJob:
    """Record an export request (audited) and run it in the background after commit.

    The caller (a view) has checked the actor's role for ``kind`` and the filters' scope.
    """
    export_cleanup()
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=actor,
            kind=kind.slug,
            format=fmt,
            # Printed bills: the site's address for the QR codes (when SITE_URL is not set).
            params={**query, "base": base} if fmt in lists.PRINT_FORMATS and base else query,
            expires_at=timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
        audit_record(
            actor=actor,
            action="export.start",
            object_type="export",
            object_id=job.pk,
            changes={"kind": kind.slug, "format": fmt, "filters": query},
            ip=ip,
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from suthra.reports.tasks import export_task

    export_task.enqueue(job_id)


def export_run(job_id: int) -> None:
    """Write the export file (called by the background task). Rows are read in keyset chunks,
    the file goes to a temporary file and then to the default storage."""
    from django.http import QueryDict

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportJob.Status.QUEUED:
        return
    actor: Staff = job.requested_by
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    try:
        data = QueryDict(mutable=True)
        data.update({"kind": job.kind, "format": job.format, **job.params})
        kind, fmt, place, params = lists.parse(actor, data)
        if not actor.is_active or not actor.at_least(kind.minimum):
            raise PermissionError("not allowed any more")
        queryset = kind.queryset(actor, place, params)
        total = queryset.count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        # Headers and choice labels in the requester's language (the worker has none).
        with translation.override(actor.language or settings.LANGUAGE_CODE):
            columns = kind.columns()
            title = str(kind.title)

        def progress(done: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

        rows = exports.iter_rows(queryset, columns, progress=progress)
        header = [c.header for c in columns]
        name = exports.export_filename(kind.slug, fmt)
        with tempfile.TemporaryFile() as tmp:
            if fmt in lists.PRINT_FORMATS:
                # Printed bills (three a page), or a zip of one PDF per union council.
                if not actor.at_least(lists.PRINT_MINIMUM):
                    raise PermissionError("not allowed any more")
                with translation.override(actor.language or settings.LANGUAGE_CODE):
                    write = WRITERS[(kind.slug, fmt)]
                    write(tmp, queryset, base=job.params.get("base", ""), progress=progress)
            elif fmt == "xlsx":
                exports.write_xlsx(tmp, header, rows, title=title)
            else:
                exports.write_csv(tmp, header, rows)
            tmp.seek(0)
            key = default_storage.save(f"exports/{job.token}.{fmt}", File(tmp, name=name))
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            message=str(exc)[:255],
            finished_at=timezone.now(),
        )
        return
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        file_key=key,
        file_name=name,
        finished_at=timezone.now(),
    )
    if fmt in lists.PRINT_FORMATS:
        _notify_ready(job, actor)


# What writes a printed export: (list kind, format) → writer (suthra/consumers/bulk.py).
WRITERS: dict[tuple[str, str], Callable[..., int]] = {
    ("bills", "pdf"): bulk.write_bills_pdf,
    ("bills", "zip"): bulk.write_bills_zip,
    ("notices", "pdf"): bulk.write_notices_pdf,
    ("notices", "zip"): bulk.write_notices_zip,
}


def _notify_ready(job: ExportJob, actor: Staff) -> None:
    """Printing a UC takes a while: tell the requester when the file is ready."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from suthra.notifications.services import notify

    title = (
        gettext_lazy("Your defaulter notices are ready to download.")
        if job.kind == "notices"
        else gettext_lazy("Your printed bills are ready to download.")
    )
    notify(
        recipients=[actor],
        kind="export.finished",
        title=title,
        url=reverse("reports:export_status", kwargs={"token": job.token}),
    )


def export_cleanup(now: dt.datetime | None = None) -> int:
    """Delete expired export files and their jobs. Called before each new export."""
    expired = list(ExportJob.objects.filter(expires_at__lt=now or timezone.now())[:200])
    for job in expired:
        if job.file_key:
            try:
                default_storage.delete(job.file_key)
            except OSError:
                logger.warning("could not delete %s", job.file_key)
    ExportJob.objects.filter(pk__in=[j.pk for j in expired]).delete()
    return len(expired)


def export_downloaded(*, actor: Any, job: ExportJob, ip: str | None = None) -> None:
    audit_record(
        actor=actor,
        action="export.download",
        object_type="export",
        object_id=job.pk,
        changes={"kind": job.kind, "format": job.format, "rows": job.rows_done},
        ip=ip,
    )


def report_exported(
    *, actor: Any, report: str, fmt: str, filters: dict[str, str], ip: str | None = None
) -> None:
    audit_record(
        actor=actor,
        action="export.report",
        object_type="report",
        object_id=report,
        changes={"format": fmt, "filters": filters},
        ip=ip,
    )
