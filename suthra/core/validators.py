"""Allow-list parsing of query parameters: bad input is a clear 400, never a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _


def int_param(
    raw: str | None,
    *,
    name: str,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(_("%(name)s must be a whole number") % {"name": name}) from exc
    if minimum is not None and value < minimum:
        raise BadRequest(_("%(name)s must be at least %(n)s") % {"name": name, "n": minimum})
    if maximum is not None and value > maximum:
        raise BadRequest(_("%(name)s must be at most %(n)s") % {"name": name, "n": maximum})
    return value


def choice_param(
    raw: str | None, *, name: str, allowed: Iterable[str], default: str | None = None
) -> str | None:
    if raw is None or raw == "":
        return default
    allowed_set = set(allowed)
    if raw not in allowed_set:
        raise BadRequest(
            _("%(name)s must be one of: %(values)s")
            % {"name": name, "values": ", ".join(sorted(allowed_set))}
        )
    return raw


def date_param(raw: str | None, *, name: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(_("%(name)s must be a date like 2025-11-30") % {"name": name}) from exc


def month_param(raw: str | None, *, name: str) -> dt.date | None:
    """A month as YYYY-MM, returned as the date of its 1st."""
    if raw is None or raw == "":
        return None
    try:
        year, month = raw.split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise BadRequest(_("%(name)s must be a month like 2025-11") % {"name": name}) from exc
