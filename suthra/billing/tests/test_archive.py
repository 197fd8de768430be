"""archive_bills / restore_bills: files in storage, summaries kept, idempotent, consistent."""

import datetime as dt
import gzip

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from suthra.billing import archive
from suthra.billing.models import ArchivedMonth, ArchivedUCMonth, ArchivedUnitMonth, Bill
from suthra.core.testing import make_bill, make_unit

OLD, OLDER, NEW = dt.date(2024, 1, 1), dt.date(2023, 12, 1), dt.date(2026, 11, 1)


@pytest.fixture
def bills(world):
    u1, u2 = make_unit(world.uc_a), make_unit(world.uc_c)
    return [
        make_bill(u1, OLDER, fee=300),
        make_bill(u1, OLD, fee=300, arrears=300, paid=600, paid_on=dt.date(2024, 1, 9)),
        make_bill(u2, OLD, fee=1000),
        make_bill(u1, NEW, fee=300),
    ]


@pytest.mark.django_db
def test_archive_then_restore_round_trip(world, bills):
    before = {b.psid: b for b in Bill.objects.filter(month=OLD)}
    call_command("archive_bills", "--older-than", "12")
    assert set(Bill.objects.values_list("month", flat=True)) == {NEW}
    jan = ArchivedMonth.objects.get(month=OLD)
    assert (jan.bills, jan.total_due, jan.total_paid) == (2, 1600, 600)
    assert default_storage.exists(jan.file_key)
    with default_storage.open(jan.file_key, "rb") as handle:
        text = gzip.decompress(handle.read()).decode()
    assert text.splitlines()[0].startswith("psid,unit_id,month")
    assert ArchivedUnitMonth.objects.filter(month=OLD).count() == 2
    per_uc = {
        (r.uc_id, r.status): (r.bills, r.total_due, r.total_paid)
        for r in ArchivedUCMonth.objects.filter(month=OLD)
    }
    assert per_uc == {(world.uc_a.pk, 2): (1, 600, 600), (world.uc_c.pk, 0): (1, 1000, 0)}

    call_command("archive_bills", "--older-than", "12")  # again: nothing to do
    assert ArchivedMonth.objects.count() == 2

    call_command("restore_bills", "--month", "2024-01")
    after = {b.psid: b for b in Bill.objects.filter(month=OLD)}
    assert set(after) == set(before)
    for psid, bill in before.items():
        restored = after[psid]
        assert [getattr(restored, f) for f in archive.COLUMNS] == [
            getattr(bill, f) for f in archive.COLUMNS
        ]
    assert not ArchivedUnitMonth.objects.filter(month=OLD).exists()
    assert ArchivedMonth.objects.get(month=OLD).state == ArchivedMonth.State.RESTORED
    call_command("restore_bills", "--month", "2024-01")  # again: nothing changes
    assert Bill.objects.filter(month=OLD).count() == 2


@pytest.mark.django_db
def test_interrupted_archive_leaves_bills_in_place(world, bills, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(archive.ArchivedMonth.objects, "update_or_create", crash)
    with pytest.raises(RuntimeError):
        archive.archive_month(OLD)
    assert Bill.objects.filter(month=OLD).count() == 2
    assert not ArchivedUnitMonth.objects.exists()
    monkeypatch.undo()
    assert archive.archive_month(OLD).bills == 2
    assert not Bill.objects.filter(month=OLD).exists()


@pytest.mark.django_db
def test_ledger_shows_archived_months(world, bills, login):
    from django.urls import reverse

    archive.archive_month(OLD)
    unit = bills[0].unit
    rows = login(world.head).get(reverse("billing:ledger", kwargs={"pk": unit.pk})).context["rows"]
    assert [(r["month"], r["archived"]) for r in rows] == [
        (OLDER, False),
        (OLD, True),
        (NEW, False),
    ]


@pytest.mark.django_db
def test_restore_refuses_a_tampered_file(world, bills):
    result = archive.archive_month(OLD)
    default_storage.delete(result.file_key)
    default_storage.save(result.file_key, __import__("io").BytesIO(b"tampered"))
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore_bills", "--month", "2024-01")
    with pytest.raises(CommandError, match="never archived"):
        call_command("restore_bills", "--month", "2020-01")
