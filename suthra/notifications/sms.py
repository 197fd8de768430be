"""SMS behind a small interface. The default backend only logs; a gateway is configuration.

``SMS_BACKEND`` names a class with ``send(to: str, text: str) -> None``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("suthra.sms")


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


class LoggingSmsBackend:
    """Writes the message to the log instead of sending it (development, tests, no gateway)."""

    def send(self, to: str, text: str) -> None:
        # Only the last digits of the number: logs are not a phone book.
        logger.info("SMS to ***%s: %s", to[-4:], text[:160])


class MemorySmsBackend:
    """Keeps messages in ``outbox`` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        MemorySmsBackend.outbox.append((to, text))


def get_sms_backend() -> SmsBackend:
    path = getattr(settings, "SMS_BACKEND", "suthra.notifications.sms.LoggingSmsBackend")
    backend: SmsBackend = import_string(path)()
    return backend
