"""Import batches: status and progress (MANAGER and up, like the import pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.api.auth import require_role
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, responses
from suthra.imports.models import ImportBatch
from suthra.imports.selectors import batch_get, batch_list

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    file_name: str
    sha256: str
    created_at: dt.datetime
    created_by: str | None
    finished_at: dt.datetime | None
    rows_total: int
    rows_done: int
    percent: int = Field(description="Progress of the running step, 0–100.")
    counts: dict[str, Any]
    message: str


class ImportPage(PageMeta):
    items: list[ImportOut]


class ImportFilters(Schema):
    kind: Literal["BILLS", "PAYMENTS", "UNITS", "LEGACY", "GENERATED"] | None = None
    status: (
        Literal["UPLOADED", "VALIDATING", "PREVIEW", "COMMITTING", "DONE", "FAILED", "CANCELLED"]
        | None
    ) = None


def import_row(b: ImportBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "kind": b.kind,
        "status": b.status,
        "status_label": str(b.get_status_display()),
        "file_name": b.file_name,
        "sha256": b.sha256,
        "created_at": b.created_at,
        "created_by": b.created_by.username if b.created_by else None,
        "finished_at": b.finished_at,
        "rows_total": b.rows_total,
        "rows_done": b.rows_done,
        "percent": b.percent,
        "counts": b.counts if isinstance(b.counts, dict) else {},
        "message": b.message,
    }


# A batch is scoped like the rows it touches: its uploader's geography (imports.selectors).
@router.get("/imports", response=responses(ImportPage), operation_id="imports_list")
def imports_list(
    request: HttpRequest, filters: Query[ImportFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Import batches, newest first (MANAGER and up)."""
    require_role(request, "MANAGER")
    qs = batch_list(actor=request.user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return cursor_page(qs, keys=["-id"], params=page, row=import_row)


@router.get("/imports/{batch_id}", response=responses(ImportOut), operation_id="imports_detail")
def imports_detail(
    request: HttpRequest, batch_id: int = Path(..., ge=1, le=32767)
) -> dict[str, Any]:
    """One batch's status, progress and counts — poll it while an import runs (MANAGER and up)."""
    require_role(request, "MANAGER")
    batch = batch_get(actor=request.user, pk=batch_id)
    return import_row(batch)
