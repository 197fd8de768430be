"""`make bench`: server time of every page and of the Django admin, through the test Client."""

from __future__ import annotations

import base64
import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from bench.bench_setup import ADMIN_REPS, PAGE_BUDGET_MS


# --- timing -----------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    index = q * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def time_calls(call: Callable[[], Any], reps: int, warm: int = 2) -> dict[str, Any]:
    for _ in range(warm):
        call()
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    return {
        "p50": pct(samples, 0.5),
        "p95": pct(samples, 0.95),
        "mean": statistics.fmean(samples),
        "n": reps,
    }


class Context:
    """Objects the page measurements need: a unit, a UC, a PSID, cursors for deep pages."""

    def __init__(self, users: dict[str, Any]) -> None:
        from django.db import connection
        from django.db.models import Count

        from suthra.accounts import scope
        from suthra.billing.models import Bill
        from suthra.units.models import SurveyUnit

        self.users = users
        agent_ucs = list(scope.visible_ucs(users["agent"]).values_list("id", flat=True))
        self.agent_uc = agent_ucs[0]
        biggest = (
            SurveyUnit.objects.filter(uc__city__name="Lahore")
            .values("uc_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        self.big_uc, self.big_uc_units = biggest["uc_id"], biggest["n"]
        unit = SurveyUnit.objects.filter(uc_id=self.agent_uc, is_active=True).order_by("id")[7]
        self.unit = unit
        self.last_month = Bill.objects.order_by("-psid").values_list("month", flat=True).first()
        bill = Bill.objects.filter(unit=unit).order_by("-month").first()
        self.psid = bill.psid if bill else None
        self.mobile = unit.mobile
        self.survey_id = unit.survey_id
        self.surname = unit.consumer_name.split()[-1]
        with connection.cursor() as cursor:
            # A bill 90 % of the way down the manager's newest-first list.
            total = Bill.objects.count()
            cursor.execute(
                "SELECT psid FROM billing_bill ORDER BY psid DESC OFFSET %s LIMIT 1",
                [int(total * 0.9)],
            )
            self.deep_psid = cursor.fetchone()[0]
        self.bill_total = total


def _cursor_direction(cursor: str) -> str:
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(doc.get("d", ""))
    except ValueError:
        return ""


def walk_to_last_page(client: Any, url: str, params: dict[str, Any], limit: int = 400) -> str:
    """Follow the "next" cursor links to the last page; returns that page's URL."""
    query = dict(params)
    current = f"{url}?{urlencode(query)}"
    for _ in range(limit):
        html = client.get(current).content.decode()
        cursors = re.findall(r"cursor=([A-Za-z0-9_\-]+)", html)
        nexts = [c for c in cursors if _cursor_direction(c) == "n"]
        if not nexts:
            return current
        query["cursor"] = nexts[-1]
        current = f"{url}?{urlencode(query)}"
    return current


def bill_cursor(psid: int) -> str | None:
    """A keyset cursor that starts the bill list just after ``psid`` (newest first)."""
    try:
        from suthra.core import paging

        keys = paging._normalise_keys(["-psid"])
        return paging.encode_cursor(keys, [psid] * len(keys), paging._NEXT)
    except (ImportError, AttributeError):
        return None


def page_specs(ctx: Context) -> list[dict[str, Any]]:
    """What to measure: label, URL name, kwargs, query, user. Query parameters follow the
    views' forms (units/forms.py BrowseForm, billing/forms.py BillFilterForm, reports/filters)."""
    unit, month = ctx.unit, ctx.last_month
    ym = f"{month:%Y-%m}" if month else ""
    specs = [
        ("Home (agent)", "core:home", None, {}, "agent"),
        ("Unit list, first page (agent's UC)", "units:browse", None, {"uc": ctx.agent_uc}, "agent"),
        (
            f"Unit list, last page (largest UC, {ctx.big_uc_units:,} units, by name)",
            "units:browse",
            None,
            {"uc": ctx.big_uc, "sort": "name", "_walk": True},
            "supervisor",
        ),
        (
            "Search: surname, all 300 k units (manager)",
            "units:browse",
            None,
            {"q": ctx.surname},
            "manager",
        ),
        ("Search: mobile number (manager)", "units:browse", None, {"q": ctx.mobile}, "manager"),
        ("Search: survey id (manager)", "units:browse", None, {"q": ctx.survey_id}, "manager"),
        ("Search: PSID (manager)", "units:browse", None, {"q": ctx.psid}, "manager"),
        ("Unit page (agent)", "units:detail", {"pk": unit.pk}, {}, "agent"),
        ("Unit ledger (agent)", "billing:ledger", {"pk": unit.pk}, {}, "agent"),
        (
            "Bill payment page (supervisor)",
            "billing:payment",
            {"psid": ctx.psid or 0},
            {},
            "supervisor",
        ),
        ("Bill query, first page, all bills (manager)", "billing:bills", None, {}, "manager"),
        (
            "Bill query, page at 90 % depth (keyset cursor)",
            "billing:bills",
            None,
            {"cursor": bill_cursor(ctx.deep_psid)},
            "manager",
        ),
        (
            "Bill query: this month, unpaid (manager)",
            "billing:bills",
            None,
            {"month_from": ym, "month_to": ym, "status": "0"},
            "manager",
        ),
        ("Bill query: one PSID (manager)", "billing:bills", None, {"psid": ctx.psid}, "manager"),
        ("Payments (manager)", "billing:payments", None, {}, "manager"),
        ("Dashboard (manager, all cities)", "reports:dashboard", None, {}, "manager"),
        ("Dashboard (supervisor, one city)", "reports:dashboard", None, {}, "supervisor"),
        ("Reports index (manager)", "reports:index", None, {}, "manager"),
        ("Report: collection (manager)", "reports:collection", None, {}, "manager"),
        ("Report: aging (manager)", "reports:aging", None, {}, "manager"),
        ("Report: defaulters (manager)", "reports:defaulters", None, {}, "manager"),
        ("Report: consumers (manager)", "reports:consumers", None, {}, "manager"),
        ("Report: staff (manager)", "reports:staff", None, {}, "manager"),
        ("Visit worklist (agent)", "visits:worklist", None, {}, "agent"),
        ("Visit queue (supervisor)", "visits:queue", None, {}, "supervisor"),
        ("Ticket queue (supervisor)", "tickets:queue", None, {}, "supervisor"),
        ("Imports list (manager)", "imports:list", None, {}, "manager"),
        ("Health", "core:health", None, {}, None),
    ]
    return [
        {"label": label, "name": name, "kwargs": kwargs, "query": query, "user": user}
        for label, name, kwargs, query, user in specs
    ]


def measure_pages(ctx: Context, reps: int, only: str = "") -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    clients: dict[str | None, Client] = {None: Client()}
    for name in ("agent", "supervisor", "manager", "head"):
        client = Client()
        client.force_login(ctx.users[name])
        clients[name] = client
    rows = []
    wanted = [w.strip().lower() for w in only.split(",") if w.strip()]
    for spec in page_specs(ctx):
        if wanted and not any(w in spec["label"].lower() for w in wanted):
            continue
        row = {"label": spec["label"], "name": spec["name"]}
        try:
            path = reverse(spec["name"], kwargs=spec["kwargs"])
        except NoReverseMatch:
            rows.append({**row, "skipped": "URL not in the project (yet)"})
            print(f"  skip {spec['label']}: no URL named {spec['name']}")
            continue
        query = {k: v for k, v in spec["query"].items() if v is not None and not k.startswith("_")}
        if None in spec["query"].values():
            rows.append({**row, "skipped": "no data for the query"})
            continue
        client = clients[spec["user"]]
        url = f"{path}?{urlencode(query)}" if query else path
        if spec["query"].get("_walk"):
            url = walk_to_last_page(client, path, query)
        queries = [0]

        def count(
            execute: Any, sql: str, params: Any, many: bool, context: Any, queries: Any = queries
        ) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = client.get(url)
        first_ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        if status != 200:
            rows.append({**row, "skipped": f"HTTP {status}", "url": url})
            print(f"  {spec['label']}: HTTP {status} — not timed")
            continue
        # Slow pages get fewer repetitions (about PAGE_BUDGET_MS each, never fewer than 5):
        # 20 repetitions of the 3 s consumers report alone took a minute, and on a loaded
        # machine every page is 3–10× slower.
        n = max(5, min(reps, int(PAGE_BUDGET_MS / max(first_ms, 1))))
        timing = time_calls(lambda url=url, client=client: client.get(url), n, warm=1)
        rows.append({**row, **timing, "queries": queries[0], "bytes": len(response.content)})
        print(
            f"  {spec['label']}: p50 {timing['p50']:.0f} ms, p95 {timing['p95']:.0f} ms,"
            f" {queries[0]} queries"
        )
    # A/B against a baseline measured in the same run: the health page (one query, no
    # template) shows how loaded the machine was; a page's ratio to it is comparable across runs.
    health = next((r for r in rows if r["name"] == "core:health" and "p50" in r), None)
    for r in rows:
        if health and "p50" in r:
            r["vs_health"] = r["p50"] / max(health["p50"], 0.01)
    return rows


# --- the other ways ---------------------------------------------------------------------------
def measure_admin(ctx: Context, reps: int) -> dict[str, Any]:
    """Django admin's changelist: COUNT(*) for the paginator, then OFFSET to the page."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(ctx.users["head"])
    page = max(1, int(ctx.bill_total * 0.9) // 100)
    out: dict[str, Any] = {"page": page}
    for label, url in (
        ("first", "/admin/billing/bill/"),
        ("deep", f"/admin/billing/bill/?p={page}"),
    ):
        response = client.get(url)
        if response.status_code == 200:
            out[label] = time_calls(lambda url=url: client.get(url), min(reps, ADMIN_REPS), warm=1)
        else:
            out[label] = {"skipped": f"HTTP {response.status_code}"}
    # The same SQL the admin runs, without Django around it.
    with connection.cursor() as cursor:

        def count_and_offset() -> None:
            cursor.execute("SELECT COUNT(*) FROM billing_bill")
            cursor.fetchone()
            cursor.execute(
                "SELECT b.*, u.survey_id FROM billing_bill b "
                "JOIN units_surveyunit u ON u.id = b.unit_id "
                "ORDER BY b.unit_id, b.month, b.psid DESC LIMIT 100 OFFSET %s",
                [(page - 1) * 100],
            )
            cursor.fetchall()

        out["sql"] = time_calls(count_and_offset, min(reps, ADMIN_REPS), warm=1)
    return out
