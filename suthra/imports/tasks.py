"""Background steps of an import (run by ``manage.py db_worker``; immediately in tests)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from suthra.imports import services
from suthra.imports.models import ImportBatch


def _uploaders_language(batch_id: int) -> translation.override:
    """File-level messages (missing columns, encoding) in the language of who uploaded it."""
    uploader = ImportBatch.objects.filter(pk=batch_id).values_list(
        "created_by__language", flat=True
    )
    return translation.override(uploader.first() or settings.LANGUAGE_CODE)


@task()
def import_preview(batch_id: int) -> None:
    with _uploaders_language(batch_id):
        services.batch_preview(batch_id)


@task()
def import_commit(batch_id: int) -> None:
    with _uploaders_language(batch_id):
        services.batch_commit(batch_id)
