"""Dependencies point one way (docs: /work/shared/STYLE.md, "Where code goes").

core ← locations ← accounts ← units ← billing / tickets / visits ← cash ← reports / api; nothing
imports reports or the api. Every module of every app is parsed with ``ast`` (top-level and
function-level imports alike, never executed) and an import of a higher layer fails the test,
unless it is on ``ALLOWED`` below with the reason it could not be fixed yet. Tests and
migrations may import anything; the ``suthra.testing`` package (the test world, factories and
the access matrix's ``Case``; each app's cases live in its ``tests/access_cases.py``) is test
code too, and no other module may import it. Imports by string (settings, ``import_string``)
are not seen.
"""

from __future__ import annotations

import ast
from pathlib import Path

SUTHRA = Path(__file__).resolve().parents[2]

# An app may import apps of a lower layer, and apps of its own layer (billing and stats write
# in one transaction; a visit can raise a ticket), except the top: nothing imports reports or
# the api. Apps the house style does not name are placed by what they are.
LAYERS: dict[str, int] = {
    "core": 0,
    "locations": 1,
    "accounts": 2,
    # Tells staff things; imports, tickets and visits call it.
    "notifications": 2,
    # The shared import machinery (batches, parsers, registry); units and billing plug in.
    "imports": 3,
    "units": 4,
    "billing": 5,
    # The bill summaries, kept in step by billing's services in the same transaction.
    "stats": 5,
    "tickets": 5,
    "visits": 5,
    # Printed bills, notices and the public lookup: read billing and units; the export
    # machinery (reports) and the API call it, so it sits below them.
    "consumers": 5,
    # Field cash: pays bills (billing's service), shown on the unit page and in reports.
    "cash": 6,
    "reports": 7,
    "api": 7,
    # The app shell (manifest, service worker, language middleware).
    "pwa": 7,
    # SMS to consumers: reads bills and units, sends through notifications' backend.
    "sms": 6,
    # The demo data generator writes rows of every app.
    # The switch-over from the old system (manage.py import_legacy) writes rows of every app.
    "migration": 8,
    "demo": 8,
}
TOP = 7  # same-layer imports are forbidden here: nothing imports reports or the api

# (module path under suthra/, imported app) → why it is still allowed. Remove an entry when the
# import is gone: a stale entry fails the test too, so this list only shrinks.
ALLOWED: dict[tuple[str, str], str] = {
    # The landing page lists the actor's UCs through accounts.scope; moving the view to
    # accounts would rename the URL core:home that every template and test reverses.
    ("core/views.py", "accounts"): "home page reads the actor's UCs (scope)",
    # The unit browser and unit page show each unit's current bill and its ledger, and filter
    # on bill status. Inverting it (billing registering readers in units.history, BillStatus in
    # a lower app) needs billing/apps.py, billing/models.py and billing/selectors.py, which
    # belong to the billing engineers.
    ("units/selectors.py", "billing"): "unit browser/page read bills; fix needs billing/**",
    ("units/forms.py", "billing"): "browse filter on BillStatus (billing/models.py)",
    # The current month comes from the bill summaries, and unit writes refresh them; the fix
    # (a hook stats subscribes to in its ready()) needs suthra/stats/**, not ours.
    ("units/selectors.py", "stats"): "current month from stats.MonthlyStat; fix needs stats/**",
    # The API's dashboard endpoint serves the reports app's dashboard selectors; moving them
    # below reports (or a registry reports fills) needs suthra/reports/**, not ours.
    ("api/endpoints/dashboard.py", "reports"): "dashboard selectors live in reports/**",
}


def _is_test_code(relative: Path) -> bool:
    parts = relative.parts
    return (
        "tests" in parts
        or "migrations" in parts
        or relative.name == "conftest.py"
        # suthra/testing/: the test world, factories and the access matrix's Case; it builds
        # rows of every app, so it sits above them all and only tests may import it.
        or parts[0] == "testing"
    )


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every absolute import; ``from a.b import c`` gives ``a.b.c``, so
    ``from suthra import reports`` and ``from suthra import testing`` are seen too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def _imports() -> list[tuple[Path, int, str, str]]:
    """(module path under suthra/, line, its app, imported app) for every cross-app import."""
    rows = set()
    for path in sorted(SUTHRA.rglob("*.py")):
        relative = path.relative_to(SUTHRA)
        if len(relative.parts) < 2:
            continue
        app = relative.parts[0]
        for line, module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "suthra" and len(parts) > 1 and parts[1] != app:
                rows.add((relative, line, app, parts[1]))
    return sorted(rows)


def _forbidden(app: str, target: str) -> bool:
    mine, theirs = LAYERS[app], LAYERS[target]
    return theirs > mine or (theirs == mine and mine >= TOP)


def test_every_app_has_a_layer():
    apps = {p.name for p in SUTHRA.iterdir() if (p / "apps.py").exists()}
    assert apps <= set(LAYERS), f"place these apps in LAYERS: {sorted(apps - set(LAYERS))}"


def test_dependencies_point_one_way():
    wrong, used = [], set()
    for relative, line, app, target in _imports():
        if _is_test_code(relative):
            continue
        if target not in LAYERS or not _forbidden(app, target):
            continue
        key = (relative.as_posix(), target)
        if key in ALLOWED:
            used.add(key)
            continue
        wrong.append(
            f"suthra/{relative}:{line}: {app} (layer {LAYERS[app]}) imports {target} "
            f"(layer {LAYERS[target]})"
        )
    assert not wrong, "imports against the layering (move the code down, or a registry):\n" + (
        "\n".join(wrong)
    )
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"no longer needed, remove from ALLOWED: {stale}"


def test_only_tests_import_the_test_fixtures():
    offenders = []
    for path in sorted(SUTHRA.rglob("*.py")):
        relative = path.relative_to(SUTHRA)
        if _is_test_code(relative):
            continue
        for line, module in _imported_modules(path):
            if module == "suthra.testing" or module.startswith("suthra.testing."):
                offenders.append(f"suthra/{relative}:{line}")
    assert not offenders, f"only tests may import suthra.testing: {offenders}"


def test_the_check_sees_a_wrong_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("import suthra.api\n\ndef f():\n    from suthra.reports.selectors import x\n")
    assert _imported_modules(module) == [(1, "suthra.api"), (4, "suthra.reports.selectors.x")]
    assert _forbidden("units", "billing") and _forbidden("api", "reports")
    assert not _forbidden("billing", "units") and not _forbidden("visits", "tickets")
