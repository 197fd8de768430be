"""Verification on a target that already holds data: only this source's rows are compared.

Units, bills and staff made in Suthra before the switch-over (or left by another export) are
counted apart and do not make the verification fail; a changed or missing imported row still
does (non-zero exit)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from suthra.accounts.models import Role, Staff
from suthra.billing.models import Bill
from suthra.locations.models import City, UnionCouncil
from suthra.migration.export import write_export
from suthra.units.models import BusinessType, SizeCategory, SurveyUnit

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command("import_legacy", *args, "--no-progress", stdout=out)
    return out.getvalue()


def fail(*args: Any) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="Verification failed"):
        call_command("import_legacy", *args, "--no-progress", stdout=out)
    return out.getvalue()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    directory = tmp_path / "export"
    write_export(directory, units=40, months=3)
    return directory


@pytest.fixture
def before_switch_over() -> list[SurveyUnit]:
    """Made in the new system before the switch-over: a city and UC of its own, three units,
    a bill in a month the old system also has and one in a month it has not, an account."""
    city = City.objects.create(name="Gujranwala")
    uc = UnionCouncil.objects.create(city=city, name="UC-Satellite Town")
    kind = BusinessType.objects.create(name="Tyre Shop")
    units = [
        SurveyUnit.objects.create(
            survey_id=f"NEW-GRW-{n:04d}",
            uc=uc,
            business_type=kind,
            category=SizeCategory.SMALL,
            consumer_name=f"New Consumer {n}",
        )
        for n in range(3)
    ]
    Bill.objects.create(
        psid=990000000000001, unit=units[0], month=dt.date(2025, 11, 1), monthly_fee=300
    )
    Bill.objects.create(
        psid=990000000000002, unit=units[1], month=dt.date(2026, 1, 1), monthly_fee=300, arrears=50
    )
    Staff.objects.create_user(username="ho_admin", password="x-long-enough-1", role=Role.HEAD)
    return units


def test_pre_existing_unrelated_data_verifies(export: Path, before_switch_over: Any) -> None:
    out = run(str(export))
    assert "Verified" in out and "DIFFERS" not in out
    assert "survey_units: 3 other rows in the database" in out
    assert "other bills in the database (not from this source; not compared): 2" in out
    # The units made before are still there, untouched; a second run has nothing to do.
    assert SurveyUnit.objects.filter(survey_id__startswith="NEW-GRW-").count() == 3
    again = run(str(export))
    assert "Nothing to do" in again
    assert "Verified" in run(str(export), "--verify-only")


def test_a_tampered_imported_bill_still_fails(export: Path, before_switch_over: Any) -> None:
    run(str(export))
    bill = Bill.objects.filter(month="2025-10-01", unit__survey_id__startswith="SP-").first()
    assert bill is not None
    Bill.objects.filter(pk=bill.pk).update(arrears=bill.arrears + 11)
    # A change to a bill that is not this source's changes nothing in the check.
    out = fail(str(export), "--verify-only")
    assert "2025-10" in out and "DIFFERS" in out
    Bill.objects.filter(pk=bill.pk).update(arrears=bill.arrears)
    Bill.objects.filter(psid=990000000000001).update(arrears=12345)
    assert "Verified" in run(str(export), "--verify-only")


def test_a_missing_imported_unit_still_fails(export: Path, before_switch_over: Any) -> None:
    run(str(export))
    unit = SurveyUnit.objects.filter(survey_id__startswith="SP-").order_by("survey_id").first()
    assert unit is not None
    SurveyUnit.objects.filter(pk=unit.pk).update(survey_id="SP-RENAMED-1")
    out = fail(str(export), "--verify-only")
    table = out.split("Verification", 1)[1].splitlines()
    line = next(ln for ln in table if ln.strip().startswith("survey_units"))
    assert "DIFFERS" in line


def test_a_second_export_without_some_rows_verifies(export: Path, tmp_path: Path) -> None:
    """A later export that no longer has last month's bills (deleted in the old system): the
    bills already imported are others to it, not a difference."""
    run(str(export))
    newer = tmp_path / "newer"
    newer.mkdir()
    for path in export.glob("*.csv"):
        (newer / path.name).write_bytes(path.read_bytes())
    with open(export / "bills.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    kept = [rows[0], *(r for r in rows[1:] if r[1] != "Nov-2025")]
    assert len(kept) < len(rows)
    with open(newer / "bills.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(kept)
    out = run(str(newer))  # exit 0: verified; every row of it was already there
    assert "DIFFERS" not in out and "Nothing to do" in out
    others = len(rows) - len(kept)
    assert f"other bills in the database (not from this source; not compared): {others:,}" in out
