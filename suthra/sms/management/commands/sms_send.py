"""Send whatever campaign messages are due now (cron fallback; the task normally does it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from suthra.sms.services import send_due


class Command(BaseCommand):
    help = "Send the SMS campaign messages that are due now (quiet hours respected)."

    def handle(self, *args: Any, **options: Any) -> None:
        pending = send_due()
        self.stdout.write(f"campaigns still waiting: {pending}")
