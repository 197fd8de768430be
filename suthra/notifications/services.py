"""Notifications: in-app (with unread count), email and SMS through background tasks.

Other apps call ``notify`` inside their transaction; delivery happens after commit.
(The in-app model, email and SMS delivery are filled in by the field-work issue.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def notify(*, recipients: Iterable[Any], kind: str, title: str, url: str = "", body: str = "") -> int:
    """Notify staff members. ``kind`` e.g. "ticket.decided", "import.finished". Returns count."""
    return len(list(recipients))
