from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from suthra.core import photos
from suthra.core.models import AuditEvent
from suthra.testing import make_unit
from suthra.visits import legacy_photos
from suthra.visits.tests.images import jpeg_bytes

GOOD = "https://portal.example.pk/img/SP-LAH-0000002.jpg"
TEXT = "https://portal.example.pk/img/SP-LAH-0000003.jpg"
DOWN = "https://portal.example.pk/img/SP-LAH-0000004.jpg"


def fake_fetch(url: str) -> bytes:
    if url == GOOD:
        return jpeg_bytes(size=(900, 700), gps=(31.5, 74.3))
    if url == TEXT:
        return b"<html>Not found</html>"
    raise legacy_photos.FetchError("connection refused")


@pytest.mark.django_db
def test_reachable_photos_are_moved_and_failures_recorded(world):
    good = make_unit(world.uc_a, photo_ref=GOOD)
    text = make_unit(world.uc_a, photo_ref=TEXT)
    down = make_unit(world.uc_a, photo_ref=DOWN)
    stored_already = make_unit(world.uc_a, photo_ref="units/2025/01/x.jpg")
    report = legacy_photos.legacy_photos_move(fetch=fake_fetch)
    assert report.moved == 1
    assert {row[0] for row in report.failed} == {text.survey_id, down.survey_id}
    good.refresh_from_db()
    text.refresh_from_db()
    stored_already.refresh_from_db()
    assert good.photo_ref.startswith("units/") and text.photo_ref == TEXT
    assert stored_already.photo_ref == "units/2025/01/x.jpg"
    with photos.photo_open(good.photo_ref) as fh:
        image = Image.open(io.BytesIO(fh.read()))
        assert not image.getexif().get_ifd(0x8825)
    assert AuditEvent.objects.filter(action="unit.photo_move", object_id=str(good.pk)).exists()
    key = legacy_photos.save_failure_report(report)
    assert b"connection refused" in default_storage.open(key).read()


@pytest.mark.django_db
def test_command_runs_without_network_and_reports(world, monkeypatch, capsys):
    make_unit(world.uc_a, photo_ref=DOWN)
    monkeypatch.setattr(legacy_photos, "fetch_url", fake_fetch)
    call_command("move_legacy_photos")
    out = capsys.readouterr().out
    assert "Moved 0 photo(s); 1 failed." in out and "connection refused" in out


def test_fetch_refuses_non_http_and_foreign_hosts(settings):
    with pytest.raises(legacy_photos.FetchError):
        legacy_photos.fetch_url("file:///etc/passwd")
    settings.LEGACY_PHOTO_HOSTS = ["portal.example.pk"]
    with pytest.raises(legacy_photos.FetchError, match="not in LEGACY_PHOTO_HOSTS"):
        legacy_photos.fetch_url("http://169.254.169.254/latest/meta-data")
