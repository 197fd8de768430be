"""Navigation by role. An entry appears once its URL exists and the user's role reaches it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, minimum role)
NAV: list[tuple[Any, str, str]] = [
    (_("Home"), "core:home", "AGENT"),
    (_("Dashboard"), "reports:dashboard", "AGENT"),
    (_("Worklist"), "visits:worklist", "AGENT"),
    (_("Units"), "units:browse", "AGENT"),
    (_("Bills"), "billing:bills", "AGENT"),
    (_("Payments"), "billing:payments", "SUPERVISOR"),
    (_("Tickets"), "tickets:queue", "AGENT"),
    (_("Adjustments"), "billing:adjustments", "SUPERVISOR"),
    (_("Visits"), "visits:list", "AGENT"),
    (_("Cash book"), "cash:book", "AGENT"),
    (_("Cash hand-overs"), "cash:handovers", "SUPERVISOR"),
    (_("Field cash"), "cash:report", "SUPERVISOR"),
    (_("Imports"), "imports:list", "MANAGER"),
    (_("Reports"), "reports:index", "SUPERVISOR"),
    (_("SMS"), "sms:campaigns", "MANAGER"),
    (_("Stop SMS"), "sms:optouts", "AGENT"),
    (_("Staff"), "accounts:staff_list", "HEAD"),
    (_("Audit log"), "accounts:audit_log", "HEAD"),
    (_("API tokens"), "api_tokens:list", "AGENT"),
]


def nav_for(user: Any) -> list[dict[str, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for label, name, minimum in NAV:
        if not user.at_least(minimum):
            continue
        items.append({"label": str(label), "url": reverse(name), "name": name})
    return items
