"""Filters shared by the dashboard and the reports, parsed from the query string (allow-list)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _

from suthra.accounts import scope
from suthra.core.months import current_month
from suthra.core.validators import int_param, month_param
from suthra.locations.models import City, UnionCouncil


def month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def this_month() -> dt.date:
    """Today's calendar month in Pakistan (see suthra/core/months.py)."""
    return current_month()


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, month = [], start
    while month <= end:
        out.append(month)
        month = month_add(month, 1)
    return out


@dataclass
class Place:
    """The geography picked in the filter: everything visible, one city, or one UC."""

    city: City | None = None
    uc: UnionCouncil | None = None

    def filter_kwargs(self, uc_path: str) -> dict[str, Any]:
        """Keyword filter on a path to the UC (``"uc"``, ``"unit__uc"``)."""
        if self.uc is not None:
            return {f"{uc_path}_id": self.uc.id}
        if self.city is not None:
            return {f"{uc_path}__city_id": self.city.id}
        return {}

    @property
    def label(self) -> str:
        if self.uc is not None:
            return f"{self.uc.name}, {self.uc.city.name}"
        if self.city is not None:
            return self.city.name
        return _("All visible")


def place_param(actor: Any, data: QueryDict) -> Place:
    """``?city=`` / ``?uc=``: out of the actor's scope (or unknown) is a 404."""
    uc_id = int_param(data.get("uc"), name="uc", minimum=1)
    if uc_id is not None:
        uc = scope.uc_or_404(actor, uc_id)
        return Place(city=uc.city, uc=uc)
    city_id = int_param(data.get("city"), name="city", minimum=1)
    if city_id is not None:
        city = scope.visible_cities(actor).filter(id=city_id).first()
        if city is None:
            raise Http404("Not found")
        return Place(city=city)
    return Place()


@dataclass
class Period:
    """A month (for the KPI cards) and a range of months (for trends and sums)."""

    month: dt.date
    start: dt.date
    end: dt.date
    explicit: dict[str, str] = field(default_factory=dict)

    @property
    def previous(self) -> dt.date:
        return month_add(self.month, -1)

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)


def period_param(data: QueryDict, *, default_month: dt.date, span: int = 12) -> Period:
    """``?month=YYYY-MM`` and the range ``?from=YYYY-MM&to=YYYY-MM`` (at most 60 months)."""
    month = month_param(data.get("month"), name="month")
    start = month_param(data.get("from"), name="from")
    end = month_param(data.get("to"), name="to")
    if month is None:
        month = end or default_month
    end = end or month
    start = start or month_add(end, -(span - 1))
    if start > end:
        start, end = end, start
    if (end.year - start.year) * 12 + end.month - start.month >= 60:
        start = month_add(end, -59)
    explicit = {k: str(data.get(k)) for k in ("month", "from", "to") if data.get(k)}
    return Period(month=month, start=start, end=end, explicit=explicit)


def query_string(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced (``None`` removes one)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
