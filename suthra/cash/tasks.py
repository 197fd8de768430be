from __future__ import annotations

from django_tasks import task

from suthra.cash.services import cash_reminders_send


@task()
def cash_reminders_task() -> int:
    """Periodic: remind collectors (and their supervisors) of cash not handed over."""
    return cash_reminders_send()
