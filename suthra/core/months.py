"""The calendar decides what "this month" is.

A bill file for a future month may be imported early, but dashboards, worklists, reports and
every default keep showing the current month — the calendar month of today in Asia/Karachi (the
project's TIME_ZONE) — until that month begins; a future month is shown only when asked for.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def current_month() -> dt.date:
    """The first day of today's calendar month in Pakistan."""
    today = timezone.localdate()
    return dt.date(today.year, today.month, 1)


def is_future_month(month: dt.date) -> bool:
    """A billing month that has not begun yet (its bills are not due)."""
    return month > current_month()
