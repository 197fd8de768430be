"""manage.py access_matrix — print the access matrix (every URL × role) as a Markdown table.

The same cases drive suthra/accounts/tests/test_access_matrix.py; docs/ACCESS.md carries a copy.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from suthra.core.access import RANK, Case

ROLES = ["AGENT", "SUPERVISOR", "MANAGER", "HEAD"]


def collect_cases() -> list[Case]:
    cases: list[Case] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("suthra."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.access")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


def cell(case: Case, role: str) -> str:
    if case.minimum == "PUBLIC":
        return "yes (also anonymous)"
    if case.minimum != "ANY" and RANK[role] < RANK[case.minimum]:
        return "—"
    if case.obj is not None and case.scoped:
        return "own area" if role != "HEAD" else "all"
    return "yes"


class Command(BaseCommand):
    help = "Print every URL of the access matrix with what each role gets."

    def handle(self, *args: Any, **options: Any) -> None:
        seen: set[tuple[str, str]] = set()
        self.stdout.write("| URL name | method | " + " | ".join(r.title() for r in ROLES) + " |")
        self.stdout.write("|---|---|" + "---|" * len(ROLES))
        for case in sorted(collect_cases(), key=lambda c: (c.url_name, c.method)):
            key = (case.url_name, case.method)
            if key in seen:
                continue
            seen.add(key)
            cells = " | ".join(cell(case, role) for role in ROLES)
            self.stdout.write(f"| `{case.url_name}` | {case.method.upper()} | {cells} |")
