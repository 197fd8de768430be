"""Backup and restore round trip on generated data (SQLite and PostgreSQL)."""

import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from suthra.billing.models import Bill
from suthra.core.management.commands.backup import MANIFEST, backup
from suthra.demo.generator import generate
from suthra.units.models import SurveyUnit


def fingerprint() -> dict:
    return {
        "units": list(SurveyUnit.objects.order_by("id").values_list("id", "survey_id", "mobile")),
        "bills": Bill.objects.count(),
        "sums": Bill.objects.aggregate(Sum("arrears"), Sum("paid_amount"), Sum("psid")),
    }


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_back_the_same_data(tmp_path):
    generate(units=40, months=3, seed=5, end_month=dt.date(2025, 11, 1))
    archive = default_storage.save("archives/bills-2025-09.csv.gz", ContentFile(b"psid,month\n"))
    before = fingerprint()

    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path), stdout=out)
    folder = next(tmp_path.iterdir())
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["rows"]["billing.Bill"] == before["bills"]
    assert archive in manifest["media"]["default"]
    assert manifest["migrations"]["billing"]

    # Damage: lose a month of bills, change a unit, lose the archive file.
    Bill.objects.filter(month=dt.date(2025, 10, 1)).delete()
    SurveyUnit.objects.filter(pk=before["units"][0][0]).update(mobile="03000000000")
    default_storage.delete(archive)
    assert fingerprint() != before

    out = io.StringIO()
    call_command("restore", str(folder), "--yes", stdout=out)
    assert fingerprint() == before
    assert "1 stored files listed in the manifest are missing" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_dump(tmp_path):
    generate(units=5, months=1, seed=1)
    folder = backup(to=tmp_path)
    manifest = json.loads((folder / MANIFEST).read_text())
    dump = folder / manifest["database"]["file"]
    dump.write_bytes(dump.read_bytes()[:-10])
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(folder), "--yes", stdout=io.StringIO())
    assert SurveyUnit.objects.count() == 5


def test_restore_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), "--yes")
