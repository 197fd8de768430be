"""Lists on a phone (issue 19): the folded filter form says how many filters are set.

``{% filter_summary request.GET form %}`` or ``{% filter_summary request.GET "status" "q" %}``
→ ``<summary class="filter-summary">Filter (2)</summary>``: the count is the number of the named
query parameters (or the form's fields) that have a value; paging and tab parameters are not
named, so they do not count.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

register = template.Library()


def filters_set(params: QueryDict, *names: Any) -> int:
    fields: list[str] = []
    for name in names:
        # A form stands for all its fields.
        fields.extend(name.fields if hasattr(name, "fields") else [str(name)])
    return sum(1 for f in dict.fromkeys(fields) if any(v.strip() for v in params.getlist(f)))


@register.simple_tag
def filter_summary(params: QueryDict, *names: Any) -> SafeString:
    n = filters_set(params, *names)
    # A noun here (the control's name); "Filter" alone is a verb on the visit list's button.
    if n:
        label = pgettext("filter control", "Filter (%(n)s)") % {"n": n}
    else:
        label = pgettext("filter control", "Filter")
    return format_html('<summary class="filter-summary" data-set="{}">{}</summary>', n, label)
