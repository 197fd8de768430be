"""The access matrix: every named URL declares who may use it and on which object.

Each app lists its URLs in ``suthra/<app>/access.py`` as ``CASES: list[Case]``. The test in
``suthra/accounts/tests/test_access_matrix.py`` walks every case × every named user of the test
world (see ``suthra.core.testing``) and fails for any URL that is not declared here.

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


# The core app's own URLs (other apps declare theirs in their own access.py).
CASES = [
    Case("core:home", "ANY"),
    Case("core:health", "PUBLIC"),
    Case("core:install", "PUBLIC"),
]
