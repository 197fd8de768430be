"""Survey-file unit import through the shared import machinery (upload → preview → commit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.imports.models import ImportBatch
from suthra.testing import make_unit
from suthra.units.models import BusinessType, SurveyUnit

SAMPLE = Path(__file__).with_name("survey_units_sample.csv")
HEADER = (
    "survey_id,surveyor_name,survey_timestamp,city_district,uc_name,uc_type,image_portal_url,"
    "unit_specific_type,survey_category,survey_consumer_name,billing_consumer_name,survey_mobile,"
    "billing_mobile,survey_address,billing_address,house_type,water_connection,size_marla,"
    "gps_lat,gps_long,gps_full_string,is_active_portal"
)


def row(
    survey_id, *, uc="UC-Ravi", city="Lahore", kind="Barber", name="Ali Khan", mobile="0300-1234567"
):
    return (
        f"{survey_id},Surveyor,2024-04-13 06:02:00,{city},{uc},Urban,,{kind},Small,{name},{name},"
        f"{mobile},{mobile},Shop 1,Shop 1,Shop,No,5,31.5,74.3,,TRUE"
    )


def upload(client, data: bytes, name="units.csv"):
    response = client.post(
        reverse("imports:list"), {"kind": "UNITS", "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    return ImportBatch.objects.order_by("-id").first()


def commit(client, batch):
    assert client.post(reverse("imports:commit", kwargs={"pk": batch.pk})).status_code == 302
    batch.refresh_from_db()
    return batch


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.mark.django_db
def test_preview_counts_then_commit_is_idempotent(world, login):
    existing = make_unit(world.uc_a, survey_id="SP-LAH-0000001", consumer_name="Old Name")
    same = make_unit(world.uc_a, survey_id="SP-LAH-0000002")
    client = login(world.manager)
    data = csv(
        row("SP-LAH-0000001", name="New Name"),  # changed
        row(
            "SP-LAH-0000002",
            name=same.consumer_name,
            mobile=same.mobile,
        ),  # may differ in surveyed fields → changed or unchanged
        row("SP-LAH-0000003"),  # new
        row("SP-LAH-0000004", uc="UC-Nowhere"),  # rejected: unknown UC
        row("SP-LAH-0000005", kind="Spaceport"),  # rejected: unknown business type
    )
    batch = upload(client, data)
    assert batch.status == ImportBatch.Status.PREVIEW, batch.message
    assert batch.counts["new"] == 1
    assert batch.counts["rejected"] == 2
    assert batch.counts["new"] + batch.counts["changed"] + batch.counts["unchanged"] == 3
    assert SurveyUnit.objects.count() == 2  # preview writes nothing
    report = client.get(reverse("imports:errors", kwargs={"pk": batch.pk}))
    body = b"".join(report.streaming_content) if report.streaming else report.content
    assert report.status_code == 200 and b"UC-Nowhere" in body

    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    existing.refresh_from_db()
    assert existing.consumer_name == "New Name" and existing.mobile == "03001234567"
    new = SurveyUnit.objects.get(survey_id="SP-LAH-0000003")
    assert new.uc == world.uc_a
    assert AuditEvent.objects.filter(action="unit.import_create", object_id=str(new.pk)).exists()
    event = AuditEvent.objects.get(action="unit.import_update", object_id=str(existing.pk))
    assert event.changes["consumer_name"] == ["Old Name", "New Name"]

    # The same rows again (a different file): nothing changes.
    again = upload(client, data + b"\n", name="again.csv")
    assert again.counts["new"] == 0 and again.counts["changed"] == 0
    assert again.counts["unchanged"] == 3


@pytest.mark.django_db
def test_rows_outside_the_uploaders_area_are_rejected(world, login):
    make_unit(world.uc_a, survey_id="SP-LAH-0000009")
    client = login(world.manager_multan)
    batch = upload(client, csv(row("SP-LAH-0000009", name="Hijack"), row("SP-LAH-0000010")))
    assert batch.counts["rejected"] == 2 and batch.counts["new"] == 0
    assert "outside your area" in str(batch.counts["error_sample"])


@pytest.mark.django_db
def test_the_seed_sample_file_previews(world, login):
    for name in ("Clinic", "Tea Stall", "Barber", "Vegetable Shop"):
        BusinessType.objects.get_or_create(name=name)
    client = login(world.head)
    batch = upload(client, SAMPLE.read_bytes(), name="survey_units.csv")
    assert batch.status == ImportBatch.Status.PREVIEW, batch.message
    # Only UC-Ravi and UC-Shalimar (Lahore) exist in the test world; the rest are rejected
    # with a reason, and nothing is created until the commit.
    assert batch.counts["new"] >= 1
    assert batch.counts["rejected"] >= 1
    assert SurveyUnit.objects.count() == 0


@pytest.mark.django_db
def test_agents_and_supervisors_cannot_import(world, login):
    for user in (world.agent_a, world.supervisor):
        response = login(user).post(
            reverse("imports:list"),
            {"kind": "UNITS", "file": SimpleUploadedFile("u.csv", csv(row("SP-X-1")))},
        )
        assert response.status_code == 403
