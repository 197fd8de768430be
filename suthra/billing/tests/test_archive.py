"""archive_bills / restore_bills: files in storage, per-UC totals kept, no per-unit rows,
ledgers read from the files, idempotent, consistent."""

import datetime as dt
import gzip
import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from suthra.billing import archive
from suthra.billing.models import ArchivedMonth, ArchivedUCMonth, Bill
from suthra.testing import make_bill, make_unit

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
    assert len(jan.blocks) == 1  # one gzip member of bills after the header's
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
    assert not ArchivedUCMonth.objects.filter(month=OLD).exists()
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
    assert not ArchivedUCMonth.objects.exists()
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


def _ledger(client, unit):
    from django.urls import reverse

    rows = client.get(reverse("billing:ledger", kwargs={"pk": unit.pk})).context["rows"]
    keys = ["month", "psid", "fee", "arrears", "due", "paid", "paid_on", "status", "balance"]
    return [{k: r[k] for k in keys} for r in rows], [r["archived"] for r in rows]


@pytest.mark.django_db
def test_ledger_reads_archived_months_from_the_files_with_the_same_balance(
    world, login, monkeypatch
):
    """Many units, small blocks: each unit's row is found in its block; balances unchanged."""
    monkeypatch.setattr(archive, "BLOCK", 3)
    units = [make_unit(world.uc_a if i % 2 else world.uc_c) for i in range(8)]
    for i, unit in enumerate(units):
        make_bill(unit, OLDER, fee=100 + i)
        # December unpaid except for the even units, which paid part of it in January.
        paid = 50 if i % 2 == 0 else 0
        make_bill(unit, OLD, fee=100 + i, arrears=100 + i, paid=paid, paid_on=OLD if paid else None)
        make_bill(unit, NEW, fee=100 + i, arrears=2 * (100 + i) - paid)
    client = login(world.head)
    before = {u.pk: _ledger(client, u)[0] for u in units}
    archive.archive_month(OLDER)
    archive.archive_month(OLD)
    assert Bill.objects.filter(month__lt=NEW).count() == 0
    assert len(ArchivedMonth.objects.get(month=OLD).blocks) == 3  # 8 bills in blocks of 3
    for unit in units:
        rows, archived = _ledger(client, unit)
        assert rows == before[unit.pk]
        assert archived == [True, True, False]
    # The running balance carries into the next online bill: its due is the balance before it
    # plus its fee.
    rows, _ = _ledger(client, units[0])
    assert rows[-1]["due"] == rows[-2]["balance"] + rows[-1]["fee"]
    # A unit with no bill in the archived months shows none from them.
    lonely = make_unit(world.uc_a)
    make_bill(lonely, NEW, fee=300)
    assert _ledger(client, lonely)[1] == [False]


@pytest.mark.django_db
def test_archive_file_is_one_gzip_ordered_by_unit_and_restores_identical_bills(world, bills):
    before = sorted(Bill.objects.filter(month=OLD).values_list(*archive.COLUMNS))
    result = archive.archive_month(OLD)
    with default_storage.open(result.file_key, "rb") as handle:
        lines = gzip.decompress(handle.read()).decode().splitlines()
    assert lines[0] == ",".join(archive.COLUMNS)
    unit_ids = [int(line.split(",")[1]) for line in lines[1:]]
    assert unit_ids == sorted(unit_ids) and len(unit_ids) == 2
    archive.restore_month(OLD)
    assert sorted(Bill.objects.filter(month=OLD).values_list(*archive.COLUMNS)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("replacement", [None, b"\xd7\xff not the file that was written"])
def test_ledger_survives_a_missing_or_replaced_archive_file(world, bills, login, replacement):
    result = archive.archive_month(OLD)
    default_storage.delete(result.file_key)
    if replacement is not None:
        default_storage.save(result.file_key, __import__("io").BytesIO(replacement))
    rows, archived = _ledger(login(world.head), bills[0].unit)
    assert [r["month"] for r in rows] == [OLDER, NEW] and archived == [False, False]


# The header of files written before bills lost their status and batch columns (old order).
OLD_COLUMNS = [
    "psid",
    "unit_id",
    "month",
    "monthly_fee",
    "arrears",
    "paid_amount",
    "paid_on",
    "status",
    "channel",
    "batch_id",
]


def _old_archive(month, rows, *, per_block=None, columns=OLD_COLUMNS):
    """Store ``rows`` as an archived month's file of the old layout (ordered by unit); with
    ``per_block``, gzip members of that many bills and their index, else no index (as the
    first files had). The bills must not be in the table."""
    rows = sorted(rows, key=lambda r: r[columns.index("unit_id")])
    data = archive._member([columns])
    index = []
    size = per_block or len(rows)
    for start in range(0, len(rows), size):
        block = rows[start : start + size]
        if per_block:
            index.append([block[0][columns.index("unit_id")], len(data), 0])
        member = archive._member(block)
        if per_block:
            index[-1][2] = len(member)
        data += member
    key = default_storage.save(archive.file_key(month), io.BytesIO(data))
    by_name = [dict(zip(columns, r, strict=True)) for r in rows]
    return ArchivedMonth.objects.create(
        month=month,
        file_key=key,
        sha256=hashlib.sha256(data).hexdigest(),
        bills=len(rows),
        total_due=sum(r["monthly_fee"] + r["arrears"] for r in by_name),
        total_paid=sum(r["paid_amount"] for r in by_name),
        blocks=index,
    )


def _old_rows(units):
    """Three bills of OLD in the old layout: partly paid, unpaid, paid (batch 999 is gone)."""
    u1, u2, u3 = units
    return [
        (20_000_000_000_000_001, u1.pk, OLD, 300, 100, 200, dt.date(2024, 1, 9), 1, 1, 999),
        (20_000_000_000_000_002, u2.pk, OLD, 1000, 0, 0, None, 0, 0, None),
        (20_000_000_000_000_003, u3.pk, OLD, 500, 500, 1000, dt.date(2024, 1, 12), 2, 5, 7),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("per_block", [None, 1, 2])
def test_files_of_the_old_layout_show_in_the_ledger_and_restore(world, login, per_block):
    from suthra.billing.models import BillStatus

    units = [make_unit(world.uc_a), make_unit(world.uc_c), make_unit(world.uc_a)]
    for unit in units:
        make_bill(unit, NEW, fee=300)
    _old_archive(OLD, _old_rows(units), per_block=per_block)
    expected = {
        units[0].pk: (20_000_000_000_000_001, 300, 100, 200, dt.date(2024, 1, 9), 1),
        units[1].pk: (20_000_000_000_000_002, 1000, 0, 0, None, 0),
        units[2].pk: (20_000_000_000_000_003, 500, 500, 1000, dt.date(2024, 1, 12), 5),
    }
    statuses = {
        units[0].pk: BillStatus.PARTIAL,
        units[1].pk: BillStatus.UNPAID,
        units[2].pk: BillStatus.PAID,
    }
    fields = ("psid", "monthly_fee", "arrears", "paid_amount", "paid_on", "channel")
    # The ledger reads each unit's line by the file's own header.
    for unit in units:
        (bill,) = archive.archived_bills(unit.pk)
        assert (bill.unit_id, bill.month) == (unit.pk, OLD)
        assert tuple(getattr(bill, f) for f in fields) == expected[unit.pk]
        assert bill.status == statuses[unit.pk]
    assert archive.archived_bills(make_unit(world.uc_a).pk) == []
    rows, archived = _ledger(login(world.head), units[0])
    assert archived == [True, False] and rows[0]["psid"] == 20_000_000_000_000_001

    result = archive.restore_month(OLD)
    assert result.bills == 3
    restored = {b.unit_id: b for b in Bill.objects.filter(month=OLD)}
    assert {u: tuple(getattr(b, f) for f in fields) for u, b in restored.items()} == expected
    assert {u: b.status for u, b in restored.items()} == statuses
    # Archived again, the file has the new layout and per-UC totals by the derived status.
    archive.archive_month(OLD)
    with default_storage.open(archive.file_key(OLD), "rb") as handle:
        assert gzip.decompress(handle.read()).decode().splitlines()[0] == ",".join(archive.COLUMNS)
    per_uc = {
        (r.uc_id, r.status): (r.bills, r.total_fee, r.total_due, r.total_paid)
        for r in ArchivedUCMonth.objects.filter(month=OLD)
    }
    assert per_uc == {
        (world.uc_a.pk, BillStatus.PARTIAL): (1, 300, 400, 200),
        (world.uc_a.pk, BillStatus.PAID): (1, 500, 1000, 1000),
        (world.uc_c.pk, BillStatus.UNPAID): (1, 1000, 1000, 0),
    }
    archive.restore_month(OLD)
    assert {b.unit_id: b.status for b in Bill.objects.filter(month=OLD)} == statuses


@pytest.mark.django_db
def test_restore_refuses_unknown_columns_and_fees_a_bill_cannot_hold(world):
    units = [make_unit(world.uc_a), make_unit(world.uc_c), make_unit(world.uc_a)]
    odd = [*OLD_COLUMNS[:-1], "surprise"]
    _old_archive(OLD, _old_rows(units), columns=odd)
    with pytest.raises(archive.ArchiveError, match="unexpected columns"):
        archive.restore_month(OLD)
    assert archive.archived_bills(units[0].pk) == []  # the ledger logs it and shows none

    rows = [(psid, unit, OLDER, *rest) for psid, unit, _, *rest in _old_rows(units)]
    rows[1] = (*rows[1][:3], 40_000, *rows[1][4:])  # over MAX_FEE: a 2-byte column now
    _old_archive(OLDER, rows)
    with pytest.raises(archive.ArchiveError, match="20000000000000002"):
        archive.restore_month(OLDER)
    assert not Bill.objects.exists()
