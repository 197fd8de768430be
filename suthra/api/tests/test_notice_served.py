"""The API records a notice handed over on a visit (the phone app's queue may send visits here),
and the worklist says which units have a notice to serve."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from suthra.consumers.models import Notice, NoticeBatch
from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit
from suthra.visits.models import ComplianceVisit

pytestmark = pytest.mark.django_db
NOV = dt.date(2025, 11, 1)


def _jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buf, "JPEG")
    return SimpleUploadedFile("shop.jpg", buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def notice(world):
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, NOV, fee=300, arrears=600)
    batch = NoticeBatch.objects.create(
        created_by=world.manager, deadline=dt.date(2025, 12, 15), notices=1
    )
    return Notice.objects.create(
        batch=batch,
        unit=unit,
        psid=bill.psid,
        issued_on=timezone.localdate() - dt.timedelta(days=2),
        amount=900,
        months=["2025-11-01"],
        deadline=dt.date(2025, 12, 15),
        issued_by=world.manager,
    )


def _visit(notice, **extra):
    return {
        "unit_id": notice.unit_id,
        "outcome": 2,
        "photo": _jpeg(),
        "client_key": str(uuid.uuid4()),
        **extra,
    }


def test_worklist_then_visit_serves_the_notice(world, api, notice):
    client = api(world.agent_a)
    item = next(
        i for i in client.get("/worklist").json()["items"] if i["unit_id"] == notice.unit_id
    )
    assert item["notice"] == "to_serve" and item["notice_id"] == notice.pk

    when = (timezone.now() - dt.timedelta(hours=3)).replace(microsecond=0)
    response = client.post(
        "/visits",
        _visit(notice, notice_served="true", notice_id=notice.pk, visited_at=when.isoformat()),
        json=False,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["notice_served_id"] == notice.pk
    notice.refresh_from_db()
    assert notice.served_at == when and notice.served_by == world.agent_a
    assert AuditEvent.objects.filter(action="notice.serve", object_id=str(notice.pk)).exists()

    item = next(
        i for i in client.get("/worklist").json()["items"] if i["unit_id"] == notice.unit_id
    )
    assert item["notice"] == "served"
    listed = client.get("/visits", {"unit": notice.unit_id}).json()["items"]
    assert [v["notice_served_id"] for v in listed] == [notice.pk]


def test_api_without_the_flag_serves_nothing(world, api, notice):
    response = api(world.agent_a).post("/visits", _visit(notice), json=False)
    assert response.status_code == 201 and response.json()["notice_served_id"] is None
    notice.refresh_from_db()
    assert notice.served_at is None


def test_api_out_of_scope_and_wrong_notice(world, api, notice):
    outside = api(world.agent_b).post(
        "/visits", _visit(notice, notice_served="true", notice_id=notice.pk), json=False
    )
    assert outside.status_code == 404
    other = make_unit(world.uc_a)
    make_bill(other, NOV)
    wrong = api(world.agent_a).post(
        "/visits",
        {**_visit(notice, notice_served="true", notice_id=notice.pk), "unit_id": other.pk},
        json=False,
    )
    assert wrong.status_code == 422, wrong.content
    assert "not one of this unit" in wrong.content.decode()
    notice.refresh_from_db()
    assert notice.served_at is None and not ComplianceVisit.objects.exists()
