"""Server-time measurements of the unit pages (not a test; prints figures).

``measure(actor, repeat=30)`` runs the unit browser (first page, a deep page reached by
following "next", each sort, the arrears filter), the unit page and the search box through the
Django test client — full request → view → template → response, no network — and returns
{name: (p50 ms, p95 ms, queries)}. The ops engineer's ``make bench`` may call it; by hand::

    DATABASE_URL=postgres://.../suthra_units_big DEBUG=true \\
        .venv/bin/python bench/unit_pages.py --repeat 30
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    fn()  # warm caches and the connection
    samples = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = fn()
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(ctx)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, queries


def measure(
    actor: Any, *, repeat: int = 30, deep_pages: int = 40, admin: bool = True
) -> dict[str, tuple]:
    from django.test import Client

    from suthra.accounts import scope
    from suthra.units.models import SurveyUnit

    client = Client()
    client.force_login(actor)
    # The biggest UC the actor can see.
    uc_ids = scope.uc_ids(actor)
    units = SurveyUnit.objects.all()
    if uc_ids is not None:
        units = units.filter(uc_id__in=sorted(uc_ids))
    from django.db.models import Count

    uc = units.values("uc_id").annotate(n=Count("id")).order_by("-n")[0]["uc_id"]
    browse = reverse("units:browse")
    results: dict[str, tuple] = {}

    def get(url: str, params: dict[str, Any] | None = None) -> Any:
        return client.get(url, params or {})

    results["browse page 1 (100 rows, name)"] = _time(
        partial(get, browse, {"uc": uc, "size": "100"}), repeat
    )
    # Follow "next" in pages of 500 to the far end of the UC, then time a 100-row page there.
    next_re = re.compile(r'rel="next" href="([^"]+)"')
    url, deep_url = browse + f"?uc={uc}&size=500", ""
    for _ in range(deep_pages):
        found = next_re.search(get(url).content.decode())
        if not found:
            break
        deep_url = url = browse + html.unescape(found.group(1))
    deep_url = deep_url.replace("size=500", "size=100") or browse + f"?uc={uc}&size=100"
    results["browse deepest page (100 rows)"] = _time(partial(get, deep_url), repeat)
    for sort in ("-arrears", "-surveyed"):
        results[f"browse sort {sort}"] = _time(
            partial(get, browse, {"uc": uc, "sort": sort, "size": "100"}), repeat
        )
    results["browse arrears > 0, sort -arrears"] = _time(
        partial(get, browse, {"uc": uc, "arrears_above": "0", "sort": "-arrears"}), repeat
    )
    results["browse status unpaid, size 500"] = _time(
        partial(get, browse, {"uc": uc, "status": "0", "size": "500"}), repeat
    )
    unit = units.filter(uc_id=uc).order_by("id").first()
    assert unit is not None
    results["unit page"] = _time(partial(get, reverse("units:detail", args=[unit.pk])), repeat)
    terms = {
        "search name (partial)": unit.consumer_name.split()[0][:5],
        "search mobile +92": "+92 " + unit.mobile[1:4] + " " + unit.mobile[4:],
        "search survey id": unit.survey_id,
        "search address words": "street 12",
        "search urdu": "علی",
    }
    for label, q in terms.items():
        results[label] = _time(partial(get, browse, {"q": q}), repeat)
    if admin:
        # The Django admin's default changelist over the same table: COUNT + OFFSET paging.
        changelist = reverse("admin:units_surveyunit_changelist")
        last = max(0, (SurveyUnit.objects.count() - 1) // 100)
        results["ADMIN changelist page 1"] = _time(partial(get, changelist), repeat)
        results[f"ADMIN changelist page {last}"] = _time(
            partial(get, changelist, {"p": str(last)}), repeat
        )
        results["ADMIN changelist search"] = _time(
            partial(get, changelist, {"q": terms["search name (partial)"]}), repeat
        )
    return results


def main() -> None:  # pragma: no cover - a command-line tool
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--user", default="")
    args = parser.parse_args()
    from suthra.accounts.models import Role, Staff

    actor = (
        Staff.objects.get(username=args.user)
        if args.user
        else Staff.objects.filter(role=Role.HEAD).first()
        or Staff.objects.create(username="bench_head", role=Role.HEAD, full_name="Bench")
    )
    print(f"{'measurement':45} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, (p50, p95, queries) in measure(actor, repeat=args.repeat).items():
        print(f"{name:45} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":  # pragma: no cover
    main()
