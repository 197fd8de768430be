"""Number formatting for the dashboard and reports."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def fmt(value: Any, kind: str = "number") -> str:
    """``1234`` → "1,234"; kind "money" → "Rs 1,234"; "percent" → "56.7%"; None → "—"."""
    if value is None or value == "":
        return "—"
    if kind == "percent":
        return f"{value:.1f}%"
    if isinstance(value, float):
        text = intcomma(round(value, 1))
    elif isinstance(value, int) and not isinstance(value, bool):
        text = intcomma(value)
    else:
        return str(value)
    return f"Rs {text}" if kind == "money" else text


@register.filter
def signed(value: Any, kind: str = "number") -> str:
    """A change with its sign: "+1,234", "−5.0 pts"."""
    if value is None:
        return ""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    magnitude = abs(value)
    if kind == "percent":
        # Percentage points.
        return _("%(change)s pts") % {"change": f"{sign}{magnitude:.1f}"}
    return f"{sign}{fmt(magnitude, kind)}"


@register.filter
def cell(value: Any) -> str:
    """A table cell: numbers with separators, percentages left to the column header."""
    return fmt(value)


@register.filter
def at(items: Any, index: int) -> Any:
    """``table.columns|at:forloop.counter0`` → the cell's column name (a phone card's label)."""
    try:
        return items[index]
    except (IndexError, KeyError, TypeError):
        return ""
