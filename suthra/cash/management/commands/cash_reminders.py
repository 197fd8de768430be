from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from suthra.cash.services import cash_reminders_send


class Command(BaseCommand):
    help = (
        "Remind collectors holding cash not handed over for more than "
        "CASH_HANDOVER_REMIND_HOURS (default 24), and the supervisors of their area, by an "
        "in-app notification; at most once per collector and day, so it may run as often as "
        "wanted (bin/serve runs it every 15 minutes; docs/FIELD_WORK.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run it as a background task instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from suthra.cash.tasks import cash_reminders_task

            cash_reminders_task.enqueue()
            self.stdout.write("Cash reminders enqueued.")
            return
        count = cash_reminders_send()
        self.stdout.write(f"Reminded {count} collector(s) of cash not handed over.")
