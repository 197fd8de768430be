from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from suthra.tickets.services import tickets_escalate


class Command(BaseCommand):
    help = (
        "Escalate PENDING tickets past their SLA one level (supervisor → manager → head) and "
        "notify the new handlers. Run it every 15 minutes (cron or a systemd timer)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run it as a background task instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from suthra.tickets.tasks import escalate_tickets_task

            escalate_tickets_task.enqueue()
            self.stdout.write("Escalation task enqueued.")
            return
        count = tickets_escalate()
        self.stdout.write(f"Escalated {count} ticket(s).")
