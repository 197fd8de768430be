"""Exports: formula neutralisation, streamed CSV/XLSX, background jobs, owner-only download."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from suthra.billing.models import Bill
from suthra.core import exports
from suthra.core.models import AuditEvent
from suthra.reports.models import ExportJob
from suthra.reports.services import export_cleanup
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit

NOV = dt.date(2025, 11, 1)
DANGEROUS = ["=1+2", "+92300", "-5+A1", "@SUM(A1)", "\tx", "\rcmd"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_text_is_neutralised(value):
    assert exports.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ali", "03001234567", 5, -5, None, 1.5, "a=b"])
def test_ordinary_values_are_left_alone(value):
    assert exports.neutralise(value) == value


def test_csv_and_xlsx_writers_neutralise_and_read_back():
    header = ["name", "amount"]
    rows = [[v, i] for i, v in enumerate(DANGEROUS)] + [["اردو نام", -300]]
    out = io.BytesIO()
    exports.write_csv(out, header, rows)
    parsed = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert parsed[0] == header
    assert [r[0] for r in parsed[1:-1]] == ["'" + v for v in DANGEROUS]
    assert parsed[-1] == ["اردو نام", "-300"]
    book = io.BytesIO()
    exports.write_xlsx(book, header, rows, title="Test")
    ws = load_workbook(book).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == header
    assert [r[0] for r in values[1:-1]] == ["'" + v for v in DANGEROUS]
    assert values[-1] == ["اردو نام", -300]
    assert ws.freeze_panes == "A2"


@pytest.mark.django_db
def test_iter_rows_reads_in_keyset_chunks(world, django_assert_num_queries):
    for _ in range(7):
        make_unit(world.uc_a)
    columns = [exports.Column("Survey id", "survey_id"), exports.Column("UC", "uc__name")]
    seen = []
    with django_assert_num_queries(3):  # 3 + 3 + 1 rows: a short chunk ends it
        rows = list(
            exports.iter_rows(SurveyUnit.objects.all(), columns, chunk=3, progress=seen.append)
        )
    assert [r[0] for r in rows] == list(
        SurveyUnit.objects.order_by("pk").values_list("survey_id", flat=True)
    )
    assert rows[0][1] == "UC-Ravi" and seen == [3, 6, 7]


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """POST an export; the job is enqueued on commit and runs at once (ImmediateBackend)."""

    def _start(client, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("reports:export"), data)

    return _start


def _download(client, job):
    response = client.get(reverse("reports:export_download", kwargs={"token": job.token}))
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


@pytest.mark.django_db
def test_bill_export_job_is_scoped_audited_and_owner_only(world, login, start):
    a = make_unit(world.uc_a, consumer_name="=cmd|' /C calc'!A0")
    make_bill(a, NOV, fee=300, psid=12345678901234567)
    make_bill(make_unit(world.uc_c), NOV, fee=999)
    client = login(world.supervisor)
    # GET shows what will be exported; POST starts the job (run at once in tests).
    page = client.get(reverse("reports:export"), {"kind": "bills", "month": "2025-11"})
    assert page.status_code == 200 and b"Start export" in page.content
    response = start(client, kind="bills", month="2025-11", format="csv")
    job = ExportJob.objects.get()
    assert response.url == reverse("reports:export_status", kwargs={"token": job.token})
    assert job.status == ExportJob.Status.DONE and job.rows_done == 1 == job.rows_total
    status = client.get(response.url)
    assert b"export-download" in status.content
    _, body = _download(client, job)
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("PSID,Survey id,UC,Bill month")
    assert lines[1].startswith("12345678901234567,")  # PSID kept whole, as text
    assert len(lines) == 2  # the Multan bill is out of the supervisor's scope
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"export.start", "export.download"} <= actions
    # Anyone else — even HEAD — gets a 404 for this job.
    other = login(world.head)
    assert (
        other.get(reverse("reports:export_status", kwargs={"token": job.token})).status_code == 404
    )
    assert _download(other, job)[0].status_code == 404


@pytest.mark.django_db
def test_unit_export_xlsx_neutralises_names(world, login, start):
    make_unit(world.uc_a, consumer_name='=HYPERLINK("http://x")', address="@evil")
    client = login(world.agent_a)
    start(client, kind="units", format="xlsx")
    job = ExportJob.objects.get()
    _, body = _download(client, job)
    ws = load_workbook(io.BytesIO(body)).active
    header, row = [[c.value for c in r] for r in ws.iter_rows()]
    assert header[0] == "Survey id"
    assert row[header.index("Consumer name")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("Address")] == "'@evil"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data,status",
    [
        ({"kind": "secrets"}, 400),
        ({"kind": "units", "format": "pdf"}, 400),
        ({"kind": "bills", "status": "lost"}, 400),
        ({"kind": "bills", "month": "2025-13"}, 400),
        ({"kind": "units", "uc": "__UC_C__"}, 404),
        ({"kind": "payments"}, 403),
        ({"kind": "audit"}, 403),
    ],
)
def test_bad_or_forbidden_export_requests_write_nothing(world, login, data, status, start):
    data = {k: (world.uc_c.id if v == "__UC_C__" else v) for k, v in data.items()}
    assert start(login(world.agent_a), **data).status_code == status
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="export.start").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["units", "bills", "payments", "visits", "tickets", "audit"])
def test_every_list_kind_exports_for_head(world, login, kind, start):
    unit = make_unit(world.uc_a)
    make_bill(unit, NOV, fee=300, paid=300)
    client = login(world.head)
    start(client, kind=kind, format="csv")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.message
    response, body = _download(client, job)
    assert response.status_code == 200 and body.startswith("\ufeff".encode())


@pytest.mark.django_db
def test_expired_exports_are_gone(world, login, start):
    make_unit(world.uc_a)
    client = login(world.agent_a)
    start(client, kind="units")
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert (
        client.get(reverse("reports:export_status", kwargs={"token": job.token})).status_code == 404
    )
    assert export_cleanup() == 1
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_export_filters_month_and_status(world, login, start):
    unit = make_unit(world.uc_a)
    make_bill(unit, NOV, fee=300, paid=300)
    make_bill(unit, dt.date(2025, 10, 1), fee=300)
    client = login(world.manager)
    start(client, kind="bills", status="paid", format="csv")
    _, body = _download(client, ExportJob.objects.get())
    lines = body.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    # The status column is derived from the paid amount (bills do not store it).
    assert lines[0].split(",")[8] == "Status" and lines[1].split(",")[8] == "Paid"
    assert Bill.objects.count() == 2


def test_xlsx_keeps_types_and_strips_characters_xml_cannot_hold():
    when = timezone.make_aware(dt.datetime(2025, 11, 3, 14, 30))
    rows = [[NOV, when, True, 12.5, 17_000_000_000_000_001, None, "bell\x07<&>"]]
    book = io.BytesIO()
    exports.write_xlsx(book, list("abcdefg"), rows)
    ws = load_workbook(book).active
    row = [c.value for c in ws[2]]
    # Aware datetimes are written in Pakistan time.
    assert row[:4] == [dt.datetime(2025, 11, 1), dt.datetime(2025, 11, 3, 14, 30), True, 12.5]
    assert row[5:] == [None, "bell<&>"]
    assert [c.font.b for c in ws[1]] == [True] * 7
