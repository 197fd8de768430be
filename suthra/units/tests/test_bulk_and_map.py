"""Bulk activation (preview, confirm, one audit event per unit) and the UC map's points."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit
from suthra.units.services import unit_bulk_set_active
from suthra.units.tests.helpers import MONTH


@pytest.fixture
def arrears_units(world):
    owing = [make_unit(world.uc_a, consumer_name=f"Owing {i}") for i in range(12)]
    for u in owing:
        make_bill(u, MONTH, arrears=900)
    fine = make_unit(world.uc_a, consumer_name="Paid up")
    make_bill(fine, MONTH, paid=300)
    make_unit(world.uc_b, consumer_name="Other UC")
    return owing


def test_bulk_preview_then_confirm(world, login, arrears_units):
    client = login(world.supervisor)
    url = reverse("units:bulk", args=[world.uc_a.pk]) + "?arrears_above=0"
    preview = client.post(url, {"active": "0", "reason": "Market closed"})
    assert preview.status_code == 200
    assert preview.context["preview"]["total"] == 12
    assert len(preview.context["preview"]["sample"]) == 10
    assert SurveyUnit.objects.filter(is_active=False).count() == 0  # nothing yet
    done = client.post(
        url, {"active": "0", "reason": "Market closed", "confirm": "0", "expected": "12"}
    )
    assert done.status_code == 302
    assert set(SurveyUnit.objects.filter(is_active=False).values_list("pk", flat=True)) == {
        u.pk for u in arrears_units
    }
    events = AuditEvent.objects.filter(action="unit.deactivate")
    assert events.count() == 12
    assert {e.object_id for e in events} == {str(u.pk) for u in arrears_units}
    assert all(e.changes["reason"] == "Market closed" for e in events)


def test_changed_selection_asks_again(world, login, arrears_units):
    client = login(world.supervisor)
    url = reverse("units:bulk", args=[world.uc_a.pk]) + "?arrears_above=0"
    response = client.post(
        url, {"active": "0", "reason": "Market closed", "confirm": "0", "expected": "5"}
    )
    assert response.status_code == 200 and response.context["preview"]["total"] == 12
    # A preview of "deactivate" does not confirm "activate".
    response = client.post(
        url, {"active": "1", "reason": "Market closed", "confirm": "0", "expected": "0"}
    )
    assert response.status_code == 200 and response.context["preview"] is not None
    assert not SurveyUnit.objects.filter(is_active=False).exists()


def test_bulk_requires_reason_and_role(world, login, arrears_units):
    url = reverse("units:bulk", args=[world.uc_a.pk])
    assert login(world.agent_a).post(url, {"active": "0", "reason": "x"}).status_code == 403
    response = login(world.supervisor).post(url, {"active": "0", "reason": ""})
    assert response.status_code == 400
    assert login(world.supervisor_multan).get(url).status_code == 404


def test_bulk_service_ignores_units_out_of_scope(world, arrears_units):
    other = SurveyUnit.objects.get(consumer_name="Other UC")
    ids = [arrears_units[0].pk, other.pk]
    outsider = world.supervisor_multan
    assert unit_bulk_set_active(actor=outsider, unit_ids=ids, active=False, reason="nope") == 0
    changed = unit_bulk_set_active(
        actor=world.supervisor, unit_ids=ids, active=False, reason="Lahore clean-up"
    )
    assert changed == 2  # both UCs are in Lahore
    other.refresh_from_db()
    assert not other.is_active


def test_map_page_and_points_in_bounds(world, login):
    inside = make_unit(world.uc_a, lat=31.50, lon=74.30, consumer_name="Inside")
    make_bill(inside, MONTH, paid=300)
    make_unit(world.uc_a, lat=31.90, lon=74.90, consumer_name="Outside")
    make_unit(world.uc_b, lat=31.50, lon=74.30, consumer_name="Other UC")
    client = login(world.agent_a)
    page = client.get(reverse("units:map", args=[world.uc_a.pk]))
    assert page.status_code == 200
    assert "leaflet.markercluster.js" in page.content.decode()
    url = reverse("units:map_points", args=[world.uc_a.pk])
    data = json.loads(client.get(url, {"bbox": "31.4,74.2,31.6,74.4"}).content)
    assert [p["name"] for p in data["points"]] == ["Inside"]
    assert data["points"][0]["s"] == "paid" and data["truncated"] is False
    # The colour follows the paid amount of the month's bill (the status is not stored).
    partial = make_unit(world.uc_a, lat=31.51, lon=74.31, consumer_name="Partial")
    make_bill(partial, MONTH, arrears=200, paid=300)
    owing = make_unit(world.uc_a, lat=31.52, lon=74.32, consumer_name="Owing")
    make_bill(owing, MONTH)
    data = json.loads(client.get(url, {"bbox": "31.4,74.2,31.6,74.4"}).content)
    keys = {p["name"]: p["s"] for p in data["points"]}
    assert keys == {"Inside": "paid", "Partial": "partial", "Owing": "unpaid"}
    assert client.get(url, {"bbox": "nonsense"}).status_code == 400
    assert client.get(url, {"bbox": "40,0,30,10"}).status_code == 400
    other = reverse("units:map_points", args=[world.uc_b.pk])
    assert client.get(other, {"bbox": "31.4,74.2,31.6,74.4"}).status_code == 404
