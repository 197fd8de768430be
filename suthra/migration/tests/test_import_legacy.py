"""manage.py import_legacy: files and database give the same result, resumable, verified."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from suthra.accounts.models import Staff
from suthra.billing.models import Bill
from suthra.migration.export import write_export
from suthra.migration.importer import LegacyImport
from suthra.migration.legacy_db import build_database
from suthra.migration.models import LegacyChunk
from suthra.migration.sources import FileSource
from suthra.tickets.models import Ticket
from suthra.units.models import SurveyUnit
from suthra.visits.models import ComplianceVisit

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command("import_legacy", *args, "--no-progress", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """The whole imported database as comparable values (no surrogate keys)."""
    bills = sorted(
        Bill.objects.values_list(
            "psid",
            "unit__survey_id",
            "month",
            "monthly_fee",
            "arrears",
            "paid_amount",
            "paid_on",
            "channel",
        )
    )
    units = sorted(
        SurveyUnit.objects.values_list(
            "survey_id",
            "uc__name",
            "uc__city__name",
            "business_type__name",
            "category",
            "consumer_name",
            "mobile",
            "surveyed_at",
            "lat",
            "lon",
            "size_marla",
            "is_active",
            "photo_ref",
        )
    )
    staff = sorted(
        Staff.objects.values_list("username", "role", "is_active", "must_change_password")
    )
    tickets = sorted(
        Ticket.objects.values_list(
            "unit__survey_id",
            "reported_by__username",
            "type",
            "status",
            "created_at",
            "decided_at",
            "description",
        )
    )
    visits = sorted(
        ComplianceVisit.objects.values_list(
            "unit__survey_id", "staff__username", "outcome", "visited_at", "photo_key", "notes"
        )
    )
    return {"bills": bills, "units": units, "staff": staff, "tickets": tickets, "visits": visits}


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    directory = tmp_path / "export"
    counts = write_export(directory, units=60, months=3)
    return directory, counts


def test_files_import_everything_and_a_second_run_changes_nothing(export: Any) -> None:
    directory, counts = export
    out = run(str(directory), "--chunk-size", "100")
    assert "Verified" in out
    assert SurveyUnit.objects.count() == counts["survey_units"]
    assert Bill.objects.count() == counts["bills"]
    assert Ticket.objects.count() == counts["tickets"]
    assert ComplianceVisit.objects.count() == counts["compliance_visits"]
    # Old plain-text passwords are hashed, never stored as they are; a change is forced.
    for staff in Staff.objects.all():
        assert staff.has_usable_password()
        assert staff.must_change_password
        assert "pass1234" not in staff.password and staff.password != "1234"
    assert Staff.objects.get(username="mgr_lahore").check_password("pass1234")
    # Inactive staff stay locked.
    assert Staff.objects.filter(username="agent_lahore_0", is_active=False).exists()
    # Per-month sums equal the source's.
    with open(directory / "bills.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    nov = [r for r in rows if r["bill_month"] == "Nov-2025"]
    db = Bill.objects.filter(month="2025-11-01")
    assert sum(int(r["arrears"]) for r in nov) == sum(b.arrears for b in db)
    assert sum(int(r["paid_amount"] or 0) for r in nov) == sum(b.paid_amount for b in db)
    before = snapshot()
    again = run(str(directory), "--chunk-size", "100")
    assert "Nothing to do" in again
    assert snapshot() == before


def test_any_column_order(export: Any, tmp_path: Path) -> None:
    directory, _counts = export
    run(str(directory))
    expected = snapshot()
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for path in directory.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        order = list(reversed(range(len(rows[0]))))
        with open(shuffled / path.name, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([[r[i] for i in order] for r in rows])
    call_command("flush", "--noinput")
    run(str(shuffled))
    assert snapshot() == expected


def test_interrupted_run_resumes_to_the_same_result(export: Any) -> None:
    directory, _counts = export
    run(str(directory), "--chunk-size", "50")
    clean = snapshot()
    call_command("flush", "--noinput")

    def crash(table: str, chunk: int) -> None:
        if table == "bills" and chunk == 2:
            raise KeyboardInterrupt  # like a kill: the open chunk's transaction is lost

    job = LegacyImport(FileSource(directory), chunk_size=50, progress=False, on_chunk=crash)
    with pytest.raises(KeyboardInterrupt):
        job.run()
    # Chunks 0 and 1 of bills were written and recorded; chunk 2 left nothing behind.
    assert Bill.objects.count() == 100
    assert set(LegacyChunk.objects.filter(table="bills").values_list("chunk", flat=True)) == {0, 1}
    out = run(str(directory), "--chunk-size", "50")
    assert "2 chunks done before" in out
    assert "Verified" in out
    assert snapshot() == clean


def test_verification_catches_a_mismatch(export: Any) -> None:
    directory, _counts = export
    run(str(directory))
    bill = Bill.objects.filter(month="2025-10-01").first()
    assert bill is not None
    Bill.objects.filter(pk=bill.pk).update(arrears=bill.arrears + 7)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Verification failed"):
        call_command("import_legacy", str(directory), "--verify-only", "--no-progress", stdout=out)
    assert "2025-10" in out.getvalue() and "DIFFERS" in out.getvalue()


def test_bad_rows_are_reported_and_nothing_partial_stored(export: Any, tmp_path: Path) -> None:
    directory, counts = export
    bills = directory / "bills.csv"
    with open(bills, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[3][3] = "abc"  # fee not a number
    rows[5][5] = "99999"  # amount due ≠ fee + arrears
    rows[7][2] = "SP-NOPE-0000001"  # unknown unit
    rows.append(list(rows[9]))  # the same PSID again
    with open(bills, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    report = tmp_path / "errors.csv"
    out = io.StringIO()
    with pytest.raises(CommandError, match="4 rows were rejected"):
        call_command(
            "import_legacy",
            str(directory),
            "--errors",
            str(report),
            "--no-progress",
            stdout=out,
        )
    assert "Verified" in out.getvalue()  # source − rejected = database, month by month
    assert Bill.objects.count() == counts["bills"] - 3
    text = report.read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    bad = {(r["table"], r["row"]) for r in lines if r["rejected"] == "yes"}
    assert {("bills", "4"), ("bills", "6"), ("bills", "8"), ("bills", str(len(rows)))} <= bad
    reasons = " ".join(r["reason"] for r in lines)
    assert "monthly fee" in reasons and "no unit with this survey id" in reasons
    assert "amount_due" in {r["column"] for r in lines}
    # Photos of the old Drive are recorded as missing unless the storage is Drive.
    assert any(r["column"] == "image_drive_id" for r in lines)
    # Accepted: exit 0 now.
    run(str(directory), "--accept-rejects")


def test_database_path_gives_the_same_result_as_the_files(export: Any, legacy_url: str) -> None:
    directory, _counts = export
    run(str(directory), "--chunk-size", "70")
    from_files = snapshot()
    call_command("flush", "--noinput")
    build_database(legacy_url, directory)
    out = run("--from-database", legacy_url, "--chunk-size", "70")
    assert "Verified" in out
    assert snapshot() == from_files
    again = run("--from-database", legacy_url)
    assert "Nothing to do" in again


def test_drive_photos_become_references_with_drive_storage(export: Any, settings: Any) -> None:
    directory, _counts = export
    settings.PHOTO_STORAGE = "drive"
    run(str(directory), "--accept-rejects")
    with open(directory / "compliance_visits.csv", encoding="utf-8") as f:
        drive_ids = {r["image_drive_id"] for r in csv.DictReader(f)} - {""}
    assert drive_ids
    assert set(
        ComplianceVisit.objects.exclude(photo_key="").values_list("photo_key", flat=True)
    ) == (drive_ids)


def test_ledger_check_at_the_end(export: Any) -> None:
    from suthra.billing.models import LedgerCheck

    directory, _counts = export
    out = run(str(directory), "--ledger-check")
    assert "ledger check: 0 discrepancies" in out and "no discrepancies" in out
    assert LedgerCheck.objects.get().discrepancies == 0  # stored: the dashboard shows it
    bill = Bill.objects.filter(month="2025-10-01").first()
    assert bill is not None
    Bill.objects.filter(pk=bill.pk).update(arrears=bill.arrears + 7)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Verification failed"):
        call_command(
            "import_legacy",
            str(directory),
            "--verify-only",
            "--ledger-check",
            "--no-progress",
            stdout=out,
        )
    # The changed bill and the next month's (whose arrears no longer follow), and the
    # summaries (the change went around the services).
    assert "Arrears do not follow the previous bill: 2" in out.getvalue()
    assert "Month summary differs from the bills" in out.getvalue()
    assert LedgerCheck.objects.count() == 1  # --verify-only reads only
