"""Small helpers for the units tests."""

from __future__ import annotations

import datetime as dt

MONTH = dt.date(2025, 11, 1)
PREV = dt.date(2025, 10, 1)
