"""The unit page, its edits (billing details, activation) and the photo."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.core.photos import photo_storage
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit
from suthra.units.services import unit_set_active, unit_update_billing
from suthra.units.tests.helpers import MONTH, PREV


@pytest.fixture
def unit(world):
    u = make_unit(world.uc_a, consumer_name="Muhammad Ali", mobile="03214567890")
    make_bill(u, PREV, fee=300, psid=11111111111111111)
    make_bill(u, MONTH, fee=300, arrears=300, paid=200, psid=22222222222222222)
    return u


def test_unit_page_shows_survey_bills_and_history(
    world, login, unit, django_assert_max_num_queries
):
    client = login(world.agent_a)
    client.get(reverse("core:home"))
    # 12, plus the cash receipts and the defaulter notices of the unit (issues 16, 15).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("units:detail", args=[unit.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Muhammad Ali" in html and unit.survey_id in html
    assert "22222222222222222" in html and "11111111111111111" in html
    rows = response.context["bills"]
    assert [r["month"] for r in rows] == [MONTH, PREV]
    # Running balance: Oct 300 billed, unpaid; Nov 300 more billed, 200 paid → 400 owed.
    assert [r["balance"] for r in rows] == [400, 300]
    assert 'id="unit-map"' in html and "leaflet.js" in html
    # Agents cannot edit.
    assert reverse("units:edit_billing", args=[unit.pk]) not in html


@pytest.mark.parametrize("user", ["agent_b", "supervisor_multan", "manager_multan"])
def test_out_of_scope_unit_is_404_for_every_unit_url(world, login, unit, user):
    client = login(world.users[user])
    for name in ("units:detail", "units:photo", "units:edit_billing"):
        assert client.get(reverse(name, args=[unit.pk])).status_code in (404, 403)
    response = client.post(
        reverse("units:set_active", args=[unit.pk]), {"active": "0", "reason": "guess"}
    )
    assert response.status_code in (403, 404)
    unit.refresh_from_db()
    assert unit.is_active


def test_guessing_ids_never_confirms_existence(world, login, unit):
    client = login(world.agent_b)
    assert client.get(reverse("units:detail", args=[unit.pk])).status_code == 404
    assert client.get(reverse("units:detail", args=[unit.pk + 1000])).status_code == 404


def test_supervisor_edits_billing_details_with_audit(world, login, unit):
    client = login(world.supervisor)
    response = client.post(
        reverse("units:edit_billing", args=[unit.pk]),
        {
            "billing_name": "Ali Traders",
            "billing_mobile": "+92 300 765-4321",
            "billing_address": unit.address,
        },
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.billing_name == "Ali Traders"
    assert unit.billing_mobile == "03007654321"
    assert unit.billing_address == ""  # same as survey
    event = AuditEvent.objects.get(object_type="unit", object_id=str(unit.pk))
    assert event.action == "unit.billing" and event.actor == world.supervisor
    assert event.changes["billing_mobile"] == ["", "03007654321"]
    page = client.get(reverse("units:detail", args=[unit.pk])).content.decode()
    assert "Ali Traders" in page and "unit.billing" in page


def test_invalid_mobile_is_rejected_and_nothing_written(world, login, unit):
    client = login(world.supervisor)
    response = client.post(
        reverse("units:edit_billing", args=[unit.pk]),
        {"billing_name": "X Y", "billing_mobile": "12345", "billing_address": ""},
    )
    assert response.status_code == 400
    assert "03XX-XXXXXXX" in response.content.decode()
    unit.refresh_from_db()
    assert unit.billing_name == ""
    assert not AuditEvent.objects.filter(object_type="unit").exists()


def test_agent_cannot_edit(world, login, unit):
    client = login(world.agent_a)
    url = reverse("units:edit_billing", args=[unit.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"billing_name": "Hack"}).status_code == 403
    with pytest.raises(PermissionError):
        unit_update_billing(
            actor=world.agent_a,
            unit_id=unit.pk,
            billing_name="x",
            billing_mobile="",
            billing_address="",
        )


def test_deactivate_needs_a_reason_and_is_audited(world, login, unit):
    client = login(world.supervisor)
    url = reverse("units:set_active", args=[unit.pk])
    client.post(url, {"active": "0", "reason": ""})
    unit.refresh_from_db()
    assert unit.is_active
    client.post(url, {"active": "0", "reason": "Shop closed for good"})
    unit.refresh_from_db()
    assert not unit.is_active
    event = AuditEvent.objects.get(object_type="unit", object_id=str(unit.pk))
    assert event.action == "unit.deactivate"
    assert event.changes["reason"] == "Shop closed for good"
    # Setting the same state again writes nothing.
    unit_set_active(actor=world.supervisor, unit_id=unit.pk, active=False, reason="again")
    assert AuditEvent.objects.filter(object_type="unit").count() == 1


def test_stored_photo_is_served_legacy_url_is_linked(world, login):
    key = photo_storage().save("units/2025/01/" + "d" * 32 + ".jpg", ContentFile(b"jpegbytes"))
    stored = make_unit(world.uc_a, photo_ref=key)
    legacy = make_unit(world.uc_a, photo_ref="https://old-portal.example/photos/1.jpg")
    client = login(world.agent_a)
    page = client.get(reverse("units:detail", args=[stored.pk])).content.decode()
    assert reverse("units:photo", args=[stored.pk]) in page
    response = client.get(reverse("units:photo", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"jpegbytes"
    page = client.get(reverse("units:detail", args=[legacy.pk])).content.decode()
    assert "https://old-portal.example/photos/1.jpg" in page
    assert client.get(reverse("units:photo", args=[legacy.pk])).status_code == 404
    missing = make_unit(world.uc_a, photo_ref="units/2025/01/" + "e" * 32 + ".jpg")
    assert client.get(reverse("units:photo", args=[missing.pk])).status_code == 404
    # A photo the import named but storage does not have: a placeholder, not a broken image.
    page = client.get(reverse("units:detail", args=[missing.pk])).content.decode()
    assert "Survey photo not available" in page
    assert reverse("units:photo", args=[missing.pk]) not in page


def test_unit_without_gps_has_no_map(world, login):
    unit = make_unit(world.uc_a, lat=None, lon=None)
    html = login(world.agent_a).get(reverse("units:detail", args=[unit.pk])).content.decode()
    assert "No GPS position" in html and "leaflet.js" not in html


def test_manager_sees_everything(world, login, unit):
    assert login(world.manager).get(reverse("units:detail", args=[unit.pk])).status_code == 200
    assert SurveyUnit.objects.count() == 1
