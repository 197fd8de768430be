"""Background exports (run by ``manage.py db_worker``; immediately in tests)."""

from __future__ import annotations

from django_tasks import task

from suthra.reports import services


@task()
def export_task(job_id: int) -> None:
    services.export_run(job_id)
