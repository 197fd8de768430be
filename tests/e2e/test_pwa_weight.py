"""Page weight on a phone: bytes that really cross the network, including what the service
worker fetches for itself, excluding what it answers from the phone's cache.

Budgets (issue #9): first load ≤ 200 KB, later pages ≤ 40 KB. The test server sends files
uncompressed; production (WhiteNoise) sends static files gzip/brotli-compressed, so these figures
are an upper bound. Run with ``-s`` to print the table.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suthra.testing import make_bill, make_unit
from tests.e2e.conftest import sw_ready

FIRST_LOAD_BUDGET = 200 * 1024
LATER_PAGE_BUDGET = 40 * 1024


class Meter:
    def __init__(self, context):
        self.rows: list[tuple[str, int]] = []
        self.prefetch: list[tuple[str, int]] = []
        context.on("requestfinished", self._done)

    def _done(self, request) -> None:
        response = request.response()
        if response is None or response.from_service_worker:
            return  # answered from the phone's cache: nothing crossed the network
        sizes = request.sizes()
        size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        # Pages the service worker keeps for offline use are counted apart.
        if request.headers.get("x-suthra-prefetch"):
            self.prefetch.append((request.url, size))
        else:
            self.rows.append((request.url, size))

    def take(self) -> list[tuple[str, int]]:
        rows, self.rows = self.rows, []
        return rows


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


@pytest.mark.django_db(transaction=True)
def test_first_load_and_later_pages_stay_light(phone, world, login_as):
    month = timezone.localdate().replace(day=1)
    for i in range(20):
        unit = make_unit(world.uc_a, consumer_name=f"Shop {i}")
        make_bill(unit, (month - dt.timedelta(days=1)).replace(day=1), fee=300)
        make_bill(unit, month, fee=300, arrears=300 * (i % 4))
    meter = Meter(phone.context)
    report: list[tuple[str, int, int]] = []

    phone.goto("/accounts/login/")
    sw_ready(phone)
    settle(phone)
    first = meter.take()
    report.append(("first load (login page + app install)", sum(s for _, s in first), len(first)))

    login_as(phone, world.agent_a)
    settle(phone)
    rows = meter.take()
    report.append(("login → home", sum(s for _, s in rows), len(rows)))
    repeat = {}
    for name, url in [
        ("home", "/"),
        ("worklist", "/visits/worklist/"),
        ("units", f"/units/?uc={world.uc_a.pk}"),
        ("saved visits", "/offline/queue/"),
    ]:
        for visit in ("first visit", "again"):
            phone.goto(url)
            settle(phone)
            rows = meter.take()
            report.append((f"{name} ({visit})", sum(s for _, s in rows), len(rows)))
        repeat[name] = rows
    phone.wait_for_timeout(1500)
    meter.take()
    kept = meter.prefetch
    report.append(("kept for offline (in the background)", sum(s for _, s in kept), len(kept)))

    print("\npage weight (bytes on the network, uncompressed test server)")
    for name, total, count in report:
        print(f"  {name:40s} {total / 1024:7.1f} KB  {count:3d} requests")
    assert report[0][1] <= FIRST_LOAD_BUDGET, first
    for name, rows in repeat.items():
        assert sum(s for _, s in rows) <= LATER_PAGE_BUDGET, (name, rows)
