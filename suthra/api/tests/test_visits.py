"""Recording visits (photo + GPS, idempotent) and deciding them through the API."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit
from suthra.visits.models import ComplianceVisit, VisitOutcome

pytestmark = pytest.mark.django_db


def _jpeg(name: str = "shop.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _form(unit, **extra):
    data = {"unit_id": unit.pk, "outcome": 2, "notes": "will pay Friday", "photo": _jpeg()}
    data.update(extra)
    return data


def test_agent_records_visit_with_photo_and_gps(world, api):
    unit = make_unit(world.uc_a, lat=31.5, lon=74.3)
    response = api(world.agent_a).post(
        "/visits", _form(unit, lat=31.5001, lon=74.3001, accuracy_m=8), json=False
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["staff"] == "agent_a" and body["status"] == "PENDING"
    assert body["distance_m"] < 50 and body["flagged"] is False
    assert body["photo_url"] == f"/api/v1/visits/{body['id']}/photo"
    visit = ComplianceVisit.objects.get(pk=body["id"])
    assert visit.photo_key
    assert AuditEvent.objects.filter(action="visit.record", object_id=str(visit.pk)).exists()


def test_far_away_visit_is_flagged(world, api):
    unit = make_unit(world.uc_a, lat=31.5, lon=74.3)
    response = api(world.agent_a).post(
        "/visits", _form(unit, lat=31.6, lon=74.3, accuracy_m=5), json=False
    )
    assert response.status_code == 201
    assert response.json()["flagged"] is True


def test_retry_with_same_key_never_duplicates(world, api):
    unit = make_unit(world.uc_a)
    client = api(world.agent_a)
    key = str(uuid.uuid4())
    first = client.post("/visits", _form(unit, client_key=key), json=False)
    second = client.post("/visits", _form(unit, client_key=key), json=False)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert ComplianceVisit.objects.count() == 1


def test_same_key_from_someone_else_is_refused(world, api):
    unit = make_unit(world.uc_a)
    key = str(uuid.uuid4())
    assert (
        api(world.agent_a).post("/visits", _form(unit, client_key=key), json=False).status_code
        == 201
    )
    other = api(world.supervisor).post("/visits", _form(unit, client_key=key), json=False)
    assert other.status_code == 422
    assert ComplianceVisit.objects.count() == 1


def test_visit_to_out_of_scope_unit_is_404(world, api):
    unit = make_unit(world.uc_a)
    response = api(world.agent_b).post("/visits", _form(unit), json=False)
    assert response.status_code == 404
    assert not ComplianceVisit.objects.exists()


def test_missing_photo_and_half_gps_are_field_errors(world, api):
    unit = make_unit(world.uc_a)
    data = _form(unit, lat=31.5)
    del data["photo"]
    response = api(world.agent_a).post("/visits", data, json=False)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "photo" in fields


def test_text_file_as_photo_is_refused(world, api):
    unit = make_unit(world.uc_a)
    fake = SimpleUploadedFile("shop.jpg", b"not an image at all", content_type="image/jpeg")
    response = api(world.agent_a).post("/visits", _form(unit, photo=fake), json=False)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "photo"
    assert not ComplianceVisit.objects.exists()


def _visit(world, unit=None):
    return ComplianceVisit.objects.create(
        staff=world.agent_a,
        unit=unit or make_unit(world.uc_a),
        visited_at=timezone.now(),
        outcome=VisitOutcome.REFUSED,
    )


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent_a", 403),
        ("agent_b", 403),
        ("supervisor", 200),
        ("supervisor_multan", 404),
        ("manager", 200),
        ("manager_multan", 404),
        ("head", 200),
    ],
)
def test_decide_role_and_scope(world, api, username, expected):
    visit = _visit(world)
    response = api(world.users[username]).post(f"/visits/{visit.pk}/decide", {"approve": True})
    assert response.status_code == expected, response.content
    visit.refresh_from_db()
    assert (visit.status == "APPROVED") == (expected == 200)


def test_reject_needs_a_reason(world, api):
    visit = _visit(world)
    response = api(world.supervisor).post(f"/visits/{visit.pk}/decide", {"approve": False})
    assert response.status_code == 422
    assert "reason" in response.json()["detail"]


def test_worklist_ticks_visited_units(world, api):
    import datetime as dt

    owing = make_unit(world.uc_a)
    make_bill(owing, dt.date(2025, 11, 1), arrears=900)
    visited = make_unit(world.uc_a)
    make_bill(visited, dt.date(2025, 11, 1), arrears=100)
    _visit(world, visited)
    body = api(world.agent_a).get("/worklist").json()
    assert body["month"] == "2025-11"
    assert [i["unit_id"] for i in body["items"]] == [owing.pk, visited.pk]
    assert [i["visited_today"] for i in body["items"]] == [False, True]
    assert body["done"] == 1


def test_photo_is_served_to_the_area_only(world, api):
    unit = make_unit(world.uc_a)
    created = api(world.agent_a).post("/visits", _form(unit), json=False).json()
    url = created["photo_url"]
    assert url == f"/api/v1/visits/{created['id']}/photo"
    photo = api(world.supervisor).get(url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert api(world.supervisor).get(url, {"size": "thumb"}).status_code == 200
    assert api(world.agent_b).get(url).status_code == 404


def test_idempotency_key_header_works_like_client_key(world, api):
    unit = make_unit(world.uc_a)
    client = api(world.agent_a)
    key = str(uuid.uuid4())
    codes = [
        client.client.post(
            "/api/v1/visits", _form(unit), headers={**client.headers, "Idempotency-Key": key}
        ).status_code
        for _ in range(2)
    ]
    assert codes == [201, 200]
    assert ComplianceVisit.objects.get().client_key == uuid.UUID(key)
    bad = client.client.post(
        "/api/v1/visits", _form(unit), headers={**client.headers, "Idempotency-Key": "nope"}
    )
    assert bad.status_code == 422
