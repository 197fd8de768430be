"""The access matrix: every named URL declares who may use it and on which object.

Each app lists its URLs in ``suthra/<app>/tests/access_cases.py`` as ``CASES: list[Case]``
(collected by ``collect_cases``). The test in
``suthra/accounts/tests/test_access_matrix.py`` walks every case × every named user of the test
world (see ``suthra.testing``) and fails for any URL that is not declared; it also keeps the
table in docs/ACCESS.md current (``matrix_markdown``).

For a case with ``obj``, the object must live in UC A (Lahore). It is then in scope for
agent_a, supervisor (Lahore), manager (all cities) and head, and out of scope — a 404 — for
agent_b (UC B), supervisor_multan and manager_multan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Users of the test world and whether UC A is in their scope.
IN_SCOPE_OF_UC_A = {
    "agent_a": True,
    "agent_b": False,
    "supervisor": True,
    "supervisor_multan": False,
    "manager": True,
    "manager_multan": False,
    "head": True,
}
USER_ROLES = {
    "agent_a": "AGENT",
    "agent_b": "AGENT",
    "supervisor": "SUPERVISOR",
    "supervisor_multan": "SUPERVISOR",
    "manager": "MANAGER",
    "manager_multan": "MANAGER",
    "head": "HEAD",
}
RANK = {"AGENT": 1, "SUPERVISOR": 2, "MANAGER": 3, "HEAD": 4}


@dataclass
class Case:
    """One URL in the matrix.

    url_name:  the namespaced URL name, e.g. "units:detail".
    minimum:   lowest role allowed: "AGENT", "SUPERVISOR", "MANAGER", "HEAD", or "PUBLIC"
               (no login needed) or "ANY" (any logged-in user, no geography).
    obj:       build the URL kwargs for an object in UC A: ``obj(world) -> {"pk": ...}``.
               Out-of-scope users must then get 404. ``None`` for pages without an object.
    method:    "get" or "post".
    data:      POST data or GET query (a callable of world is allowed).
    ok:        statuses that count as success for an allowed, in-scope user.
    denied:    status for a role below ``minimum`` (403; views may redirect with 302).
    scoped:    False for object URLs whose object is not geographic (e.g. a staff member):
               then every allowed role gets ``ok``.
    """

    url_name: str
    minimum: str
    obj: Callable[[Any], dict[str, Any]] | None = None
    method: str = "get"
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None
    ok: tuple[int, ...] = (200,)
    denied: tuple[int, ...] = (403,)
    scoped: bool = True
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, username: str) -> tuple[int, ...]:
        if self.minimum in ("PUBLIC", "ANY"):
            allowed = True
        else:
            allowed = RANK[USER_ROLES[username]] >= RANK[self.minimum]
        if not allowed:
            return self.denied
        if self.obj is not None and self.scoped and not IN_SCOPE_OF_UC_A[username]:
            return (404,)
        return self.ok


# URL names that are not part of the matrix, with the reason.
# "admin:": the Django admin, HEAD only, tested in core/tests.
# "api:": the JSON API; each endpoint's role and scope cases are in suthra/api/tests/.
EXEMPT_PREFIXES = ("admin:", "api:")


def collect_cases() -> list[Case]:
    """Every app's ``tests/access_cases.py`` CASES, in app order."""
    import importlib

    from django.apps import apps

    cases: list[Case] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("suthra."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.access_cases")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.tests.access_cases":
                raise
            continue
        cases.extend(module.CASES)
    return cases


MATRIX_ROLES = ["AGENT", "SUPERVISOR", "MANAGER", "HEAD"]


def _cell(case: Case, role: str) -> str:
    if case.minimum == "PUBLIC":
        return "yes (also anonymous)"
    if case.minimum != "ANY" and RANK[role] < RANK[case.minimum]:
        return "—"
    if case.obj is not None and case.scoped:
        return "own area" if role != "HEAD" else "all"
    return "yes"


def matrix_markdown(cases: list[Case]) -> str:
    """The table of docs/ACCESS.md: every URL × role (kept current by test_access_matrix)."""
    lines = [
        "| URL name | method | " + " | ".join(r.title() for r in MATRIX_ROLES) + " |",
        "|---|---|" + "---|" * len(MATRIX_ROLES),
    ]
    seen: set[tuple[str, str]] = set()
    for case in sorted(cases, key=lambda c: (c.url_name, c.method)):
        key = (case.url_name, case.method)
        if key in seen:
            continue
        seen.add(key)
        cells = " | ".join(_cell(case, role) for role in MATRIX_ROLES)
        lines.append(f"| `{case.url_name}` | {case.method.upper()} | {cells} |")
    return "\n".join(lines) + "\n"
