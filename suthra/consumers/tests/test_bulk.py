"""Bulk printing through the background export: a UC's unpaid bills, a city as a zip."""

import datetime as dt
import io
import zipfile

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.notifications.models import Notification
from suthra.reports.models import ExportJob
from suthra.testing import make_bill, make_unit

NOV = dt.date(2026, 11, 1)


def _start(client, **query):
    response = client.post(reverse("reports:export"), {"kind": "bills", **query})
    assert response.status_code == 302, response.content[:300]
    return ExportJob.objects.latest("id")


def _download(client, job) -> bytes:
    response = client.get(reverse("reports:export_download", kwargs={"token": job.token}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_manager_prints_the_unpaid_bills_of_a_uc(world, login):
    unpaid = [make_bill(make_unit(world.uc_a), NOV, fee=300) for _ in range(4)]
    make_bill(make_unit(world.uc_a), NOV, fee=300, paid=300, paid_on=NOV)
    make_bill(make_unit(world.uc_b), NOV, fee=300)
    client = login(world.manager)
    job = _start(client, uc=world.uc_a.id, status="unpaid", month="2026-11", format="pdf")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    assert job.rows_total == 4
    data = _download(client, job)
    doc = pypdfium2.PdfDocument(data)
    assert len(doc) == 2  # three a page
    found = set()
    for i in range(len(doc)):
        found |= {r.text for r in zxingcpp.read_barcodes(doc[i].render(scale=3).to_pil())}
    assert {str(b.psid) for b in unpaid} <= found
    assert AuditEvent.objects.filter(action="export.start", object_id=str(job.pk)).exists()
    assert Notification.objects.filter(recipient=world.manager, kind="export.finished").exists()


@pytest.mark.django_db(transaction=True)
def test_a_city_is_a_zip_of_one_pdf_per_uc(world, login):
    make_bill(make_unit(world.uc_a), NOV)
    make_bill(make_unit(world.uc_b), NOV)
    make_bill(make_unit(world.uc_c), NOV)
    client = login(world.manager)
    job = _start(client, city=world.lahore.id, format="zip")
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.message
    names = zipfile.ZipFile(io.BytesIO(_download(client, job))).namelist()
    assert sorted(names) == [
        f"Lahore/UC-Ravi-{world.uc_a.id}.pdf",
        f"Lahore/UC-Shalimar-{world.uc_b.id}.pdf",
    ]


@pytest.mark.django_db
def test_printing_needs_a_manager_and_the_scope(world, login):
    make_bill(make_unit(world.uc_a), NOV)
    response = login(world.supervisor).post(
        reverse("reports:export"), {"kind": "bills", "uc": world.uc_a.id, "format": "pdf"}
    )
    assert response.status_code == 403
    response = login(world.manager_multan).post(
        reverse("reports:export"), {"kind": "bills", "uc": world.uc_a.id, "format": "pdf"}
    )
    assert response.status_code == 404
    page = login(world.manager).get(reverse("reports:export"), {"kind": "bills"})
    assert b'value="pdf"' in page.content
