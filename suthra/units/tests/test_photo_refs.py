"""A unit's photo reference only ever points at a photo (issue 21, finding 1).

A units file whose ``photo`` column names another stored file (an import's staging file) must
not make ``/units/<id>/photo/`` serve that file: the import refuses the reference, and serving
refuses any key the photo pipeline did not produce.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from suthra.core.photos import photo_key_valid, photo_ref_acceptable, photo_storage
from suthra.testing import make_unit
from suthra.units.models import SurveyUnit
from suthra.units.tests.test_import import commit, csv, upload

pytestmark = pytest.mark.django_db


def _row_with_photo(survey_id: str, photo: str) -> str:
    return (
        f"{survey_id},Surveyor,2024-04-13 06:02:00,Lahore,UC-Ravi,Urban,{photo},Barber,Small,"
        "Ali Khan,Ali Khan,0300-1234567,0300-1234567,Shop 1,Shop 1,Shop,No,5,31.5,74.3,,TRUE"
    )


@pytest.mark.parametrize(
    "ref",
    [
        "imports/2/upload.csv",
        "imports/2/upload.jpg",
        "units/../imports/2/upload.csv",
        "/etc/passwd",
        "exports/1/report.xlsx",
        "units/2025/01/" + "a" * 32 + ".jpg/../../x.csv",
        "javascript:alert(1)",
    ],
)
def test_import_refuses_photo_ref_to_other_stored_files(world, login, ref):
    client = login(world.manager)
    batch = commit(client, upload(client, csv(_row_with_photo("SP-LAH-0000009", ref))))
    assert batch.status == batch.Status.DONE, batch.message
    unit = SurveyUnit.objects.get(survey_id="SP-LAH-0000009")
    assert unit.photo_ref == ""


def test_import_keeps_portal_links_and_pipeline_keys(world, login):
    key = "units/2025/01/" + "f" * 32 + ".jpg"
    client = login(world.manager)
    commit(
        client,
        upload(
            client,
            csv(
                _row_with_photo("SP-LAH-0000010", "https://portal.example/p/1.jpg"),
                _row_with_photo("SP-LAH-0000011", key),
            ),
        ),
    )
    refs = dict(SurveyUnit.objects.values_list("survey_id", "photo_ref"))
    assert refs["SP-LAH-0000010"] == "https://portal.example/p/1.jpg"
    assert refs["SP-LAH-0000011"] == key


def test_photo_link_never_serves_a_staging_file(world, login):
    storage = photo_storage()
    staging = storage.save("imports/2/upload.csv", ContentFile(b"survey_id,consumer\nSP-1,Ali\n"))
    # A reference written before the import check existed (or by a shell) is refused on serving.
    unit = make_unit(world.uc_a, photo_ref=staging)
    response = login(world.agent_a).get(reverse("units:photo", args=[unit.pk]))
    assert response.status_code == 404
    assert b"survey_id" not in b"".join(getattr(response, "streaming_content", [b""]))


def test_pipeline_keys_are_valid_and_others_are_not():
    assert photo_key_valid("visits/2026/12/" + "0" * 32 + "_t.jpg")
    assert photo_key_valid("tickets/2026/12/" + "0" * 32 + "_AbC1234.jpg")
    for bad in ("", "units/p.jpg", "imports/1/x.csv", "units/2026/12/" + "0" * 32 + ".csv"):
        assert not photo_key_valid(bad)
    assert photo_ref_acceptable("https://portal.example/a.jpg")
    assert not photo_ref_acceptable("https://portal.example/a b.jpg")
