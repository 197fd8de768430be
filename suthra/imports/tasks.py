"""Background steps of an import (run by ``manage.py db_worker``; immediately in tests)."""

from __future__ import annotations

from django_tasks import task

from suthra.imports import services


@task()
def import_preview(batch_id: int) -> None:
    services.batch_preview(batch_id)


@task()
def import_commit(batch_id: int) -> None:
    services.batch_commit(batch_id)
