"""Campaign sending as a background task that re-enqueues itself (django-tasks has no retry
policy): each run sends one batch (``services.run_batch``) and schedules the next run for when
messages are due again — immediately, after a retry's backoff, or at the end of quiet hours.

A backend that cannot defer (the immediate one in tests and development) loops while messages
are due now and stops when the next run lies in the future; ``manage.py sms_send`` (cron, every
few minutes) picks those campaigns up again.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import default_task_backend, task

from suthra.sms import services


@task()
def send_campaign(campaign_id: int) -> str:
    while True:
        next_run = services.run_batch(campaign_id)
        if next_run is None:
            return "done"
        if default_task_backend.supports_defer:
            send_campaign.using(run_after=next_run).enqueue(campaign_id)
            return f"next run {next_run.isoformat()}"
        if next_run > timezone.now():
            return f"waiting until {next_run.isoformat()}"
