"""A large run of defaulter notices is printed by the background export (progress, download
page, notification, audit), like the bulk bills; a small run still downloads at once."""

import csv
import datetime as dt
import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse

from suthra.consumers.models import Notice, NoticeBatch
from suthra.core.models import AuditEvent
from suthra.notifications.models import Notification
from suthra.reports.models import ExportJob
from suthra.testing import make_bill, make_unit

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def _defaulter(uc):
    unit = make_unit(uc)
    make_bill(unit, OCT, fee=300)
    return make_bill(unit, NOV, fee=300, arrears=300)


def _issue(client, **place):
    response = client.post(
        reverse("consumers:notices"), {**place, "deadline": "2026-12-15", "min_months": 2}
    )
    assert response.status_code == 302, response.content[:300]
    return NoticeBatch.objects.latest("id")


def _download(client, job) -> bytes:
    response = client.get(reverse("reports:export_download", kwargs={"token": job.token}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _psids(data: bytes) -> set[str]:
    doc = pypdfium2.PdfDocument(data)
    found: set[str] = set()
    for i in range(len(doc)):
        found |= {r.text for r in zxingcpp.read_barcodes(doc[i].render(scale=3).to_pil())}
    return found


@pytest.mark.django_db(transaction=True)
def test_a_large_run_is_printed_in_the_background(world, login, settings):
    settings.NOTICE_PDF_BACKGROUND_ABOVE = 2
    bills = [_defaulter(world.uc_a) for _ in range(3)]
    _defaulter(world.uc_b)  # another UC: not in this run
    client = login(world.manager)
    batch = _issue(client, uc=world.uc_a.id)
    assert batch.notices == 3

    page = client.get(reverse("consumers:notice_batch", args=[batch.pk])).content.decode()
    assert 'id="notices-background"' in page
    assert reverse("consumers:notice_batch_pdf", args=[batch.pk]) not in page
    # The direct PDF is not built in the request for a large run.
    direct = client.get(reverse("consumers:notice_batch_pdf", args=[batch.pk]))
    assert direct.status_code == 302
    assert direct["Location"] == reverse("consumers:notice_batch", args=[batch.pk])

    response = client.post(
        reverse("reports:export"),
        {"kind": "notices", "batch": batch.pk, "uc": world.uc_a.id, "format": "pdf"},
    )
    job = ExportJob.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:export_status", kwargs={"token": job.token})
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    assert job.kind == "notices" and job.rows_total == 3 and job.percent == 100
    status = client.get(reverse("reports:export_status", kwargs={"token": job.token}))
    assert status.status_code == 200
    found = _psids(_download(client, job))
    assert {str(b.psid) for b in bills} <= found
    assert AuditEvent.objects.filter(action="export.start", object_id=str(job.pk)).exists()
    assert AuditEvent.objects.filter(action="export.download", object_id=str(job.pk)).exists()
    note = Notification.objects.get(recipient=world.manager, kind="export.finished")
    assert "notices" in str(note)
    # Only the requester may download it.
    other = login(world.head)
    url = reverse("reports:export_download", kwargs={"token": job.token})
    assert other.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_city_run_as_a_zip_of_one_pdf_per_uc(world, login, settings):
    settings.NOTICE_PDF_BACKGROUND_ABOVE = 1
    _defaulter(world.uc_a)
    _defaulter(world.uc_b)
    client = login(world.manager)
    batch = _issue(client, city=world.lahore.id)
    client.post(
        reverse("reports:export"),
        {"kind": "notices", "batch": batch.pk, "city": world.lahore.id, "format": "zip"},
    )
    job = ExportJob.objects.latest("id")
    assert job.status == ExportJob.Status.DONE, job.message
    names = zipfile.ZipFile(io.BytesIO(_download(client, job))).namelist()
    assert sorted(names) == [
        f"Lahore/UC-Ravi-{world.uc_a.id}.pdf",
        f"Lahore/UC-Shalimar-{world.uc_b.id}.pdf",
    ]


@pytest.mark.django_db
def test_a_small_run_downloads_at_once(world, login):
    _defaulter(world.uc_a)
    client = login(world.manager)
    batch = _issue(client, uc=world.uc_a.id)
    page = client.get(reverse("consumers:notice_batch", args=[batch.pk])).content.decode()
    assert 'id="notices-background"' not in page
    response = client.get(reverse("consumers:notice_batch_pdf", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_the_background_run_needs_a_manager_and_the_scope(world, login):
    _defaulter(world.uc_a)
    batch = _issue(login(world.manager), uc=world.uc_a.id)
    data = {"kind": "notices", "batch": batch.pk, "format": "pdf"}
    assert login(world.manager_multan).post(reverse("reports:export"), data).status_code == 404
    assert login(world.supervisor).post(reverse("reports:export"), data).status_code == 403
    bad = login(world.manager).post(reverse("reports:export"), {**data, "batch": "x"})
    assert bad.status_code == 400
    assert not ExportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notices_as_a_list_show_who_served_them(world, login):
    _defaulter(world.uc_a)
    _defaulter(world.uc_a)
    client = login(world.manager)
    batch = _issue(client, uc=world.uc_a.id)
    served = Notice.objects.filter(batch=batch).first()
    Notice.objects.filter(pk=served.pk).update(served_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC))
    client.post(
        reverse("reports:export"),
        {"kind": "notices", "batch": batch.pk, "status": "served", "format": "csv"},
    )
    job = ExportJob.objects.latest("id")
    rows = list(csv.reader(io.StringIO(_download(client, job).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == str(served.pk)
