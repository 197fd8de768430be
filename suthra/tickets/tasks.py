from __future__ import annotations

from django_tasks import task

from suthra.tickets.services import tickets_escalate


@task()
def escalate_tickets_task() -> int:
    """Periodic: escalate pending tickets past their SLA (see ``tickets_escalate``)."""
    return tickets_escalate()
