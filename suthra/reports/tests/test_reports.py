"""Reports: numbers, scope, bad input and every export format."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from suthra.billing.models import Bill, BillStatus
from suthra.core.models import AuditEvent
from suthra.locations.models import City, UnionCouncil
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)
OCT = dt.date(2025, 10, 1)
SLUGS = ["collection", "aging", "defaulters", "consumers", "staff"]


@pytest.fixture
def data(world):
    a1 = make_unit(world.uc_a, consumer_name="=HYPERLINK(evil)")
    a2 = make_unit(world.uc_a, is_active=False)
    b1 = make_unit(world.uc_b)
    c1 = make_unit(world.uc_c, consumer_name="Multan Trader")
    make_bill(a1, OCT, fee=300, paid=300)
    make_bill(a1, NOV, fee=300, arrears=0, paid=300)
    make_bill(a2, OCT, fee=300, arrears=1700)  # leaves 2000, November's arrears
    make_bill(a2, NOV, fee=300, arrears=2000)  # 6.7 months owed → 6–12
    make_bill(b1, NOV, fee=1000, arrears=500, paid=500)
    make_bill(c1, NOV, fee=5000, arrears=60000)  # 12 months → 6–12 inclusive
    stats_refresh()
    return world


def get(client, slug, **params):
    return client.get(reverse(f"reports:{slug}"), params)


@pytest.mark.django_db
def test_collection_by_city_totals(data, login):
    client = login(data.head)
    r = get(client, "collection", **{"from": "2025-10", "to": "2025-11", "group": "city"})
    assert r.status_code == 200
    rows = {row[0]: row for row in r.context["result"].tables[0].rows}
    # Columns: units, bills, opening, billed, collected, adjusted, closing, overpaid.
    # Lahore: a1, a2, b1 bring in 0 + 1700 + 500; fees 300×4 + 1000 (arrears are not billed
    # again); collected 300 + 300 + 500; their last bills leave 0 + 2300 + 1000.
    assert rows["Lahore"][1:9] == [3, 5, 2200, 2200, 1100, 0, 3300, 0]
    assert rows["Multan"][1:9] == [1, 1, 60000, 5000, 0, 0, 65000, 0]
    footer = r.context["result"].tables[0].footer
    assert footer[1:9] == [4, 6, 62200, 7200, 1100, 0, 68300, 0]
    # The outstanding of the range is November's alone (every unit has a November bill).
    nov = get(login(data.head), "collection", **{"from": "2025-11", "to": "2025-11"})
    assert nov.context["result"].tables[0].footer[7] == 68300


@pytest.mark.django_db
@pytest.mark.parametrize("group", ["city", "uc", "month", "status", "business_type", "category"])
def test_collection_every_grouping_adds_up(data, login, group):
    r = get(login(data.manager), "collection", group=group, **{"from": "2025-10", "to": "2025-11"})
    assert r.status_code == 200
    table = r.context["result"].tables[0]
    assert sum(row[2] for row in table.rows) == 6
    assert table.footer[4] == 7200 and table.footer[7] == 68300
    for row in [*table.rows, table.footer]:
        opening, billed, collected, adjusted, closing = row[3:8]
        assert opening + billed - collected - adjusted == closing, row


@pytest.mark.django_db
@pytest.mark.parametrize("status", [None, 0, 1, 2])
@pytest.mark.parametrize("group", ["city", "status", "month"])
def test_collection_by_type_summary_equals_the_month_summary(data, login, group, status):
    # Every unit of the fixture is a "Barber": filtered by that business type (the business-type
    # summary, statuses side by side) the report must equal the unfiltered one (month summary).
    from suthra.units.models import BusinessType

    barber = BusinessType.objects.get(name="Barber")
    client = login(data.head)
    query = {"group": group, "from": "2025-10", "to": "2025-11"}
    if status is not None:
        query["status"] = status
    plain = get(client, "collection", **query).context["result"].tables[0]
    typed = get(client, "collection", business_type=barber.id, **query).context["result"]
    assert typed.tables[0].rows == plain.rows
    assert typed.tables[0].footer == plain.footer
    if status is not None:
        assert plain.rows and all(row[1] for row in plain.rows)


@pytest.mark.django_db
def test_supervisor_reports_cover_their_city_only(data, login):
    client = login(data.supervisor)
    for slug in SLUGS:
        r = get(client, slug, month="2025-11", **{"from": "2025-10", "to": "2025-11"})
        assert r.status_code == 200, slug
        text = r.content.decode()
        assert "Multan" not in text.replace("supervisor_multan", ""), slug
        assert "UC-Bosan" not in text, slug


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_out_of_scope_filter_is_404_and_agent_is_403(data, login, slug):
    assert get(login(data.supervisor), slug, uc=data.uc_c.id).status_code == 404
    assert get(login(data.manager_multan), slug, city=data.lahore.id).status_code == 404
    assert get(login(data.agent_a), slug).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"group": "nope"}, {"status": "7"}, {"from": "2025-99"}, {"format": "doc"}, {"limit": "0"}],
)
def test_bad_report_input_is_400(data, login, query):
    slug = "defaulters" if "limit" in query else "collection"
    assert get(login(data.head), slug, **query).status_code == 400


@pytest.mark.django_db
def test_aging_buckets(data, login):
    r = get(login(data.head), "aging", month="2025-11", group="uc")
    rows = {row[0]: row for row in r.context["result"].tables[0].rows}
    # Columns: name, then (bills, arrears) for 0–3, 3–6, 6–12, 12+, then the total.
    assert rows["UC-Ravi"][1:] == [0, 0, 0, 0, 1, 2000, 0, 0, 2000]
    assert rows["UC-Shalimar"][1:3] == [1, 500]
    assert rows["UC-Bosan"][5:7] == [1, 60000]


@pytest.mark.django_db
def test_top_defaulters_order_and_scope(data, login):
    rows = get(login(data.head), "defaulters", month="2025-11").context["result"].tables[0].rows
    assert [r[-1] for r in rows] == [65000, 2300, 1000]
    rows = get(login(data.supervisor), "defaulters", month="2025-11").context["result"]
    assert [r[-1] for r in rows.tables[0].rows] == [2300, 1000]


@pytest.mark.django_db
@pytest.mark.parametrize("candidates", [1, 2, 2000])
def test_top_defaulters_scoped_equals_sorting_the_area(data, login, monkeypatch, candidates):
    # Enough extra unpaid bills that the month's top candidates may miss the area.
    for i in range(6):
        make_bill(make_unit(data.uc_c), NOV, fee=100, arrears=10_000 + i)
        make_bill(make_unit(data.uc_b), NOV, fee=100, arrears=50 * i)
    monkeypatch.setattr("suthra.reports.reports.CANDIDATES", candidates)
    cases = [
        (data.supervisor, {}),
        (data.head, {"city": data.uc_a.city_id}),
        (data.head, {"uc": data.uc_b.id}),
        (data.manager_multan, {}),
    ]
    for user, area in cases:
        rows = get(login(user), "defaulters", month="2025-11", limit=3, **area)
        got = [r[0] for r in rows.context["result"].tables[0].rows]
        bills = [
            b
            for b in Bill.objects.filter(month=NOV)
            if b.status != BillStatus.PAID  # derived from the paid amount
            if b.unit.uc_id
            in (
                {data.uc_c.id}
                if user == data.manager_multan
                else {data.uc_b.id}
                if "uc" in area
                else {data.uc_a.id, data.uc_b.id}
            )
        ]
        bills.sort(key=lambda b: (-max(0, b.amount_due - b.paid_amount), b.psid))
        assert got == [str(b.psid) for b in bills[:3]], (user, area)


@pytest.mark.django_db
def test_consumer_analytics(data, login):
    result = get(login(data.head), "consumers", month="2025-11", months=3).context["result"]
    units, pattern, flow = result.tables
    assert units.footer[1:4] == [3, 1, 4]
    patterns = {row[0]: row[1] for row in pattern.rows}
    # a1 paid both months in full; b1 paid part; a2 and c1 never paid.
    assert patterns == {"Always paid in full": 1, "Sometimes paid": 1, "Never paid": 2}
    # a2 is inactive and was last billed in November.
    assert {row[0]: row[2] for row in flow.rows}.get("2025-11") == 1


@pytest.mark.django_db
def test_consumer_analytics_scope_and_windows(data, login):
    # The supervisor's city (Lahore) only: a1 always, b1 sometimes, a2 never; Multan's c1 not.
    result = get(login(data.supervisor), "consumers", month="2025-11", months=12).context["result"]
    patterns = {row[0]: row[1] for row in result.tables[1].rows}
    assert patterns == {"Always paid in full": 1, "Sometimes paid": 1, "Never paid": 1}
    # Only the windows the summaries keep are offered.
    assert get(login(data.head), "consumers", months=5).status_code == 400


@pytest.mark.django_db
def test_consumer_analytics_reads_summaries_only(data, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(data.head)
    with CaptureQueriesContext(connection) as queries:
        assert get(client, "consumers", month="2025-11").status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "billing_bill" not in tables
    assert "units_surveyunit" not in tables
    assert len(queries.captured_queries) <= 12


@pytest.mark.django_db
def test_staff_performance(data, login):
    from django.utils import timezone

    from suthra.visits.models import ComplianceVisit, VisitOutcome, VisitStatus

    unit = make_unit(data.uc_a)
    ComplianceVisit.objects.create(
        staff=data.agent_a, unit=unit, visited_at=timezone.now(), outcome=VisitOutcome.REFUSED
    )
    ComplianceVisit.objects.create(
        staff=data.agent_a,
        unit=unit,
        visited_at=timezone.now(),
        outcome=VisitOutcome.PROMISED,
        status=VisitStatus.APPROVED,
        decided_by=data.supervisor,
        decided_at=timezone.now(),
    )
    this_month = timezone.localdate().strftime("%Y-%m")
    result = get(login(data.head), "staff", **{"from": this_month, "to": this_month})
    rows = {r[0]: r for r in result.context["result"].tables[0].rows}
    assert rows["Agent_A"][3:5] == [2, 1]  # visits, of which approved
    assert rows["Supervisor"][5] == 1  # visits decided
    nov = get(login(data.head), "staff", **{"from": "2025-11", "to": "2025-11"})
    rows = {r[0]: r for r in nov.context["result"].tables[0].rows}
    # UC A billed (fees: arrears are not billed again) / collected in November.
    assert rows["Agent_A"][8:10] == [600, 300]
    assert rows["Supervisor"][8] == 600 + 1000


@pytest.mark.django_db
def test_report_exports_csv_xlsx_pdf_are_audited(data, login):
    client = login(data.head)
    base = {"from": "2025-10", "to": "2025-11", "group": "uc"}
    csv = client.get(reverse("reports:collection"), {**base, "format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith(
        "Union council,Units,Bills,Opening balance (Rs),Billed (Rs),Collected (Rs),Adjusted (Rs),"
        "Closing balance (Rs)"
    )
    assert "UC-Ravi" in body
    xlsx = client.get(reverse("reports:collection"), {**base, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "Union council"
    assert any(row[0] == "UC-Ravi" for row in values)
    pdf = client.get(reverse("reports:consumers"), {"month": "2025-11", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "Consumer analytics" in text and "Suthra Punjab" in text
    assert "Head" in text  # the user who made it
    assert "Filters" in text and "Always paid in full" in text
    events = AuditEvent.objects.filter(action="export.report")
    assert sorted(events.values_list("changes__format", flat=True)) == ["csv", "pdf", "xlsx"]


@pytest.mark.django_db
def test_pdf_shapes_urdu_city_names(world, login):
    city = City.objects.create(name="لاہور کینٹ")
    uc = UnionCouncil.objects.create(city=city, name="یونین کونسل ۱")
    make_bill(make_unit(uc), NOV, fee=300)
    stats_refresh()
    pdf = login(world.head).get(
        reverse("reports:collection"), {"from": "2025-11", "to": "2025-11", "format": "pdf"}
    )
    text = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    # Shaped glyphs come back as the same letters (in visual order for RTL runs).
    assert "لاہور" in text or "روہال" in text
    assert "Collection" in text


@pytest.mark.django_db
def test_reports_index_lists_reports_and_exports(world, login):
    r = login(world.supervisor).get(reverse("reports:index"))
    text = r.content.decode()
    for slug in SLUGS:
        assert reverse(f"reports:{slug}") in text
    assert "kind=payments" in text and "kind=audit" not in text
    assert BillStatus.PAID  # imported for readability of fixtures


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_report_query_count_does_not_grow_with_rows(
    data, login, slug, django_assert_max_num_queries
):
    # More staff and units must not add queries (no N+1): a fixed handful per report.
    from suthra.accounts.models import Role
    from suthra.testing import make_staff

    for i in range(5):
        make_staff(f"extra_agent_{i}", Role.AGENT, ucs=[data.uc_a, data.uc_b])
        make_bill(make_unit(data.uc_b), NOV, fee=400)
    stats_refresh()
    client = login(data.head)
    get(client, slug, month="2025-11")
    with django_assert_max_num_queries(16):
        assert get(client, slug, month="2025-11").status_code == 200
