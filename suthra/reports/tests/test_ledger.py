"""The ledger arithmetic (suthra/reports/ledger.py): the identity and a recount from the bills."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suthra.billing.models import AdjustmentStatus
from suthra.reports import ledger
from suthra.testing import make_bill, make_unit

OCT = dt.date(2025, 10, 1)
NOV = dt.date(2025, 11, 1)
DEC = dt.date(2025, 12, 1)


@pytest.mark.django_db
def test_worked_example(world):
    """The example of docs/REPORTS.md, "The ledger"."""
    a = make_unit(world.uc_a)
    b = make_unit(world.uc_b)
    make_bill(a, OCT, fee=300, arrears=1000, paid=500)  # leaves 800
    make_bill(a, NOV, fee=300, arrears=800, paid=1500)  # overpaid by 400
    make_bill(a, DEC, fee=300, arrears=0)
    make_bill(b, NOV, fee=1000, arrears=200, paid=700)  # first bill brings 200 in; leaves 500
    r = ledger.ledger(world.head, NOV, DEC, group="city")
    t = r.total
    assert (t.opening, t.billed, t.collected, t.adjusted, t.closing) == (1000, 1600, 1800, 0, 800)
    assert t.overpaid == 400 and t.units == 2 and t.bills == 3
    assert t.balanced
    assert [row.ledger.balanced for row in r.rows] == [True]


# ---------------------------------------------------------------------------------------------
# Property: over generated units, bill chains, payments (none, part, full, over) and approved
# adjustments, random ranges and groupings: the identity per row and in total, and every figure
# against a plain-Python recount from the bills.

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]

unit_plan = st.fixed_dictionaries(
    {
        "uc": st.integers(0, 2),
        "type": st.integers(0, 1),
        "category": st.sampled_from([1, 2, 3]),
        "start": st.integers(0, 7),
        "length": st.integers(1, 5),
        "arrears": st.integers(0, 3000),
        "months": st.lists(
            st.tuples(
                st.sampled_from([300, 1000, 2500]),  # fee
                st.sampled_from(["none", "part", "full", "over"]),  # payment
                st.sampled_from([None, None, None, "waive", "fee"]),  # approved adjustment
            ),
            min_size=5,
            max_size=5,
        ),
    }
)


def _build(world, plans):
    """Bills as an importer and the adjustment service leave them: each bill's arrears are the
    previous bill's balance (an adjustment is applied before the next bill is issued)."""
    from suthra.billing.models import Adjustment, AdjustmentKind, AdjustmentReason, Bill
    from suthra.units.models import BusinessType

    ucs = [world.uc_a, world.uc_b, world.uc_c]
    types = [world.barber, BusinessType.objects.get_or_create(name="Bakery")[0]]
    expected = []  # (unit, uc, type, category, month, arrears_in, fee_billed, adj, bill)
    for plan in plans:
        unit = make_unit(
            ucs[plan["uc"]], business_type=types[plan["type"]], category=plan["category"]
        )
        arrears = plan["arrears"]
        for i in range(plan["length"]):
            month = MONTHS[plan["start"] + i]
            fee, pay, adjust = plan["months"][i]
            due = fee + arrears
            paid = {"none": 0, "part": due // 2, "full": due, "over": due + 150}[pay]
            bill = make_bill(unit, month, fee=fee, arrears=arrears, paid=paid)
            amount, billed_fee, arrears_in = 0, fee, arrears
            if adjust:
                new_fee = fee if adjust == "waive" else fee // 2
                new_arrears = 0 if adjust == "waive" else arrears
                amount = fee + arrears - new_fee - new_arrears
                Adjustment.objects.create(
                    bill=bill,
                    unit=unit,
                    month=month,
                    kind=AdjustmentKind.WAIVER
                    if adjust == "waive"
                    else AdjustmentKind.FEE_CORRECTION,
                    reason=AdjustmentReason.OTHER,
                    note="test",
                    amount=amount,
                    new_fee=new_fee,
                    new_arrears=new_arrears,
                    fee_before=fee,
                    arrears_before=arrears,
                    status=AdjustmentStatus.APPROVED,
                    requested_by=world.supervisor,
                    decided_by=world.manager,
                )
                Bill.objects.filter(pk=bill.pk).update(monthly_fee=new_fee, arrears=new_arrears)
                bill.monthly_fee, bill.arrears = new_fee, new_arrears
            expected.append((unit, plan, month, arrears_in, billed_fee, amount, bill))
            arrears = bill.balance
        # A requested (not approved) adjustment counts for nothing.
        Adjustment.objects.create(
            bill=bill,
            unit=unit,
            month=bill.month,
            kind=AdjustmentKind.WAIVER,
            reason=AdjustmentReason.OTHER,
            note="pending",
            amount=bill.amount_due,
            new_fee=0,
            new_arrears=0,
            requested_by=world.supervisor,
        )
    return expected


def _recount(expected, first, last, key, status=None):
    """Plain Python: per group, the five figures and what the range's bills say."""
    from collections import defaultdict

    from suthra.billing.models import bill_status

    per_unit = defaultdict(list)
    for e in expected:
        if first <= e[2] <= last:
            per_unit[e[0].pk].append(e)
    groups: dict = defaultdict(lambda: defaultdict(int))
    for entries in per_unit.values():
        entries.sort(key=lambda e: e[2])
        chunks = [[e] for e in entries] if key == "month" else [entries]
        for chunk in chunks:
            last_bill = chunk[-1][6]
            last_status = bill_status(last_bill.paid_amount, last_bill.amount_due)
            if status is not None and last_status != status:
                continue
            unit = chunk[0][0]
            k = {
                None: 0,
                "city": unit.uc.city_id,
                "uc": unit.uc_id,
                "business_type": unit.business_type_id,
                "category": unit.category,
                "month": chunk[0][2],
                "status": last_status,
            }[key]
            g = groups[k]
            g["units"] += 1
            g["opening"] += chunk[0][3]
            g["closing"] += last_bill.balance
            for _u, _p, _m, _a, fee, amount, bill in chunk:
                g["bills"] += 1
                g["billed"] += fee
                g["adjusted"] += amount
                g["collected"] += min(bill.paid_amount, bill.amount_due)
                g["overpaid"] += max(0, bill.paid_amount - bill.amount_due)
                g["paid_bills"] += 0 < bill.paid_amount >= bill.amount_due
    return {k: dict(v) for k, v in groups.items()}


FIGURES = (
    "units",
    "bills",
    "opening",
    "billed",
    "collected",
    "adjusted",
    "closing",
    "overpaid",
    "paid_bills",
)


def _figures(led):
    return {f: getattr(led, f) for f in FIGURES}


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=st.lists(unit_plan, min_size=1, max_size=6),
    first=st.integers(0, 11),
    span=st.integers(0, 11),
    group=st.sampled_from([None, *ledger.GROUPS]),
    status=st.sampled_from([None, None, 0, 1, 2]),
)
def test_identity_and_recount(world, plans, first, span, group, status):
    from suthra.billing.models import Adjustment, Bill
    from suthra.units.models import SurveyUnit

    Adjustment.objects.all().delete()
    Bill.objects.all().delete()
    SurveyUnit.objects.all().delete()
    expected = _build(world, plans)
    start, end = MONTHS[first], MONTHS[min(11, first + span)]
    result = ledger.ledger(world.head, start, end, group=group, status=status)
    want = _recount(expected, start, end, group, status)
    got = {row.key: _figures(row.ledger) for row in result.rows}
    assert got == {k: {f: v.get(f, 0) for f in FIGURES} for k, v in want.items()}
    for row in result.rows:
        assert row.ledger.balanced, row
    assert result.total.balanced
    total = _recount(expected, start, end, None, status).get(0, {})
    assert _figures(result.total) == {f: total.get(f, 0) for f in FIGURES}
    # Outstanding of a range ending in M: month M alone for every unit billed in M; a unit whose
    # bills stopped earlier in the range keeps the balance its last bill left.
    if status is None:
        alone = ledger.ledger(world.head, end, end).total.closing
        stopped = sum(
            e[6].balance
            for e in expected
            if start <= e[2] < end
            and e[2] == max(x[2] for x in expected if x[0].pk == e[0].pk and x[2] <= end)
        )
        assert result.total.closing == alone + stopped
    # A supervisor sees their city's units only, with the same arithmetic.
    lahore = ledger.ledger(world.supervisor, start, end, group="city", status=status)
    assert {r.key for r in lahore.rows} <= {world.lahore.id}


# ---------------------------------------------------------------------------------------------
# Every place that shows these figures shows the selector's: the collection page, its CSV, XLSX
# and PDF, the API, the dashboard KPIs, trend and breakdown (the latter from the summaries).

FIXED = [
    {"uc": 0, "type": 0, "category": 1, "start": 0, "length": 3, "arrears": 500,
     "months": [(300, "part", None), (300, "over", None), (300, "none", "waive"),
                (300, "none", None), (300, "none", None)]},
    {"uc": 1, "type": 1, "category": 2, "start": 1, "length": 2, "arrears": 0,
     "months": [(1000, "full", None), (1000, "part", "fee"), (300, "none", None),
                (300, "none", None), (300, "none", None)]},
    {"uc": 2, "type": 0, "category": 3, "start": 0, "length": 3, "arrears": 2000,
     "months": [(2500, "none", "fee"), (2500, "part", None), (2500, "full", None),
                (300, "none", None), (300, "none", None)]},
]  # fmt: skip


@pytest.fixture
def fixed(world):
    from suthra.stats.services import stats_refresh

    _build(world, FIXED)
    stats_refresh()
    return world


@pytest.fixture
def api():
    """api(user).get(path, query): the JSON API with a fresh token of that user."""
    from django.test import Client

    from suthra.api.services import token_create

    class Api:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {token_create(user=user, name='t')[1]}"}

        def get(self, path, data=None):
            return Client().get("/api/v1" + path, data or {}, headers=self.headers)

    return Api


def _csv_rows(response):
    import csv
    import io

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("group", list(ledger.GROUPS))
def test_report_exports_and_api_show_the_selectors_figures(fixed, login, api, group):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook
    from pypdf import PdfReader

    want = ledger.ledger(fixed.head, MONTHS[0], MONTHS[2], group=group)
    assert want.total.adjusted > 0 and want.total.overpaid > 0 and want.total.balanced
    client = login(fixed.head)
    url = reverse("reports:collection")
    query = {"from": "2025-01", "to": "2025-03", "group": group}
    table = client.get(url, query).context["result"].tables[0]
    figures = [want.total.units, want.total.bills, want.total.opening, want.total.billed]
    figures += [want.total.collected, want.total.adjusted, want.total.closing]
    assert table.footer[1:8] == figures
    assert len(table.rows) == len(want.rows)
    assert sorted(r[7] for r in table.rows) == sorted(r.ledger.closing for r in want.rows)
    # The first "Total" row: the collection table (the by-channel table follows it).
    csv_total = next(
        r for r in _csv_rows(client.get(url, {**query, "format": "csv"})) if r[:1] == ["Total"]
    )
    assert [int(v) for v in csv_total[1:8]] == figures
    sheet = load_workbook(io.BytesIO(b"".join(client.get(url, {**query, "format": "xlsx"}))))
    xlsx_rows = [[c.value for c in row] for row in sheet.active.iter_rows()]
    xlsx_total = next(r for r in xlsx_rows if r[:1] == ["Total"])
    assert [int(v) for v in xlsx_total[1:8]] == figures
    pdf = client.get(url, {**query, "format": "pdf"})
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf))).pages)
    assert f"{want.total.closing:,}" in text and f"{want.total.opening:,}" in text
    body = api(fixed.head).get("/reports/collection", query).json()
    assert [body["total"][k] for k in ("units", "bills", "opening", "billed")] == figures[:4]
    assert [body["total"][k] for k in ("collected", "adjusted", "closing")] == figures[4:]
    assert len(body["rows"]) == len(want.rows)
    assert api(fixed.agent_a).get("/reports/collection", query).status_code == 403


@pytest.mark.django_db
def test_dashboard_from_the_summaries_equals_the_selector(fixed, login, api):
    from suthra.reports import selectors
    from suthra.reports.filters import Period, Place

    period = Period(month=MONTHS[2], start=MONTHS[0], end=MONTHS[2])
    data = selectors.dashboard(fixed.head, Place(), period, by_uc=False)
    kpis = {k.key: k.value for k in data["kpis"]}
    month = ledger.ledger(fixed.head, MONTHS[2], MONTHS[2]).total
    for name in ("opening", "billed", "collected", "adjusted", "outstanding", "bills"):
        assert kpis[name] == getattr(month, name), name
    assert (
        kpis["opening"] + kpis["billed"] - kpis["collected"] - kpis["adjusted"]
        == (kpis["outstanding"])
    )
    trend = ledger.ledger(fixed.head, MONTHS[0], MONTHS[2], group="month")
    by_month = {row.key: row.ledger for row in trend.rows}
    for m, t in data["trend"]:
        for name in ("opening", "billed", "collected", "adjusted", "closing", "overpaid"):
            assert getattr(t, name) == getattr(by_month[m], name), (m, name)
    cities = ledger.ledger(fixed.head, MONTHS[2], MONTHS[2], group="city")
    want = {row.key: row.ledger for row in cities.rows}
    for b in data["breakdown"]:
        for name in ("opening", "billed", "collected", "adjusted", "closing"):
            assert getattr(b["totals"], name) == getattr(want[b["id"]], name), name
    body = api(fixed.head).get("/dashboard", {"month": "2025-03", "from": "2025-01"}).json()
    assert {k["key"]: k["value"] for k in body["kpis"]}["outstanding"] == month.closing
    assert [t["adjusted"] for t in body["trend"]] == [by_month[m].adjusted for m in MONTHS[:3]]
