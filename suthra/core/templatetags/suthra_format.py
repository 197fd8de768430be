"""Numbers with units, the same way on every page and in both languages (issue 19).

``{{ metres|distance }}`` → "16 m", "950 m", "3.2 km", "12 km", wrapped in ``<bdi>`` (its
direction taken from the unit word) so a right-to-left page does not turn "16 m" into "m 16".
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def distance_text(metres: float | None) -> str:
    if metres is None:
        return ""
    metres = max(0.0, float(metres))
    if metres < 1000:
        return _("%(n)s m") % {"n": number_format(round(metres), 0)}
    km = metres / 1000
    digits = 1 if km < 10 else 0
    return _("%(n)s km") % {"n": number_format(round(km, digits), digits)}


@register.filter
def distance(metres: Any) -> SafeString | str:
    try:
        text = distance_text(None if metres in (None, "") else float(metres))
    except (TypeError, ValueError):
        return ""
    return format_html("<bdi>{}</bdi>", text) if text else ""
