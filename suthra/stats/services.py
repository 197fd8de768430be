"""Summaries of bills per month × UC × status, kept equal to a recount of the bills.

Every service that writes bills calls ``stats_refresh`` with the (uc_id, month) pairs it touched,
inside its own transaction, so the dashboard never scans 3.6 M bills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def stats_refresh(*, keys: Iterable[tuple[int, dt.date]] | None = None) -> None:
    """Recompute the summaries of the given (uc_id, month) pairs (all when ``keys`` is None).

    Called by billing services inside their transaction. (Filled in by the dashboard issue.)
    """
    return None
