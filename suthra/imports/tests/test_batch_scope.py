"""Import batches are scoped like the rows they touch (issue 21, finding 8).

A Multan manager must not read a Lahore batch's page, error report or API object (they quote
the file, which lists Lahore survey ids); its uploader and readers covering the uploader's
geography still do.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from suthra.accounts.models import Role
from suthra.api.services import token_create
from suthra.api.tests.conftest import ApiClient
from suthra.imports.models import ImportBatch
from suthra.testing import make_staff

pytestmark = pytest.mark.django_db


def _lahore_batch(uploader) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.UNITS,
        status=ImportBatch.Status.PREVIEW,
        created_by=uploader,
        file_name="lahore.csv",
        sha256="1" * 64,
        counts={"error_sample": [{"row": 2, "value": "SP-LAH-0000001"}]},
    )
    batch.error_report_key = default_storage.save(
        f"imports/{batch.pk}/errors.csv",
        ContentFile(b"row,column,value,reason\n2,x,SP-LAH-0000001,bad\n"),
    )
    batch.save()
    return batch


@pytest.fixture
def lahore_manager(world):
    staff = make_staff("manager_lahore", Role.MANAGER)
    staff.cities.set([world.lahore])
    return staff


def _api(user):
    _t, raw = token_create(user=user, name="t")
    return ApiClient(raw)


def test_multan_manager_cannot_read_a_lahore_batch(world, login, lahore_manager):
    batch = _lahore_batch(lahore_manager)
    client = login(world.manager_multan)
    for name in ("imports:detail", "imports:progress", "imports:errors"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404, name
    listing = client.get(reverse("imports:list")).content.decode()
    assert "lahore.csv" not in listing
    api = _api(world.manager_multan)
    assert api.get(f"/imports/{batch.pk}").status_code == 404
    assert all(item["id"] != batch.pk for item in api.get("/imports").json()["items"])
    assert "lahore.csv" not in client.get(reverse("core:home")).content.decode()


def test_uploader_and_wider_readers_see_the_batch(world, login, lahore_manager):
    batch = _lahore_batch(lahore_manager)
    for reader in (lahore_manager, world.manager, world.head):
        client = login(reader)
        assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200
        assert client.get(reverse("imports:errors", args=[batch.pk])).status_code == 200
        assert _api(reader).get(f"/imports/{batch.pk}").status_code == 200


def test_batch_of_an_all_cities_manager_is_hidden_from_a_city_manager(world, login):
    batch = _lahore_batch(world.manager)
    assert (
        login(world.manager_multan).get(reverse("imports:detail", args=[batch.pk])).status_code
        == 404
    )
    mine = _lahore_batch(world.manager_multan)
    assert (
        login(world.manager_multan).get(reverse("imports:detail", args=[mine.pk])).status_code
        == 200
    )
