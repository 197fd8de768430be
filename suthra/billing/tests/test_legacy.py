"""The legacy commands read the seed's exports; running them again is safe."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from suthra.billing.legacy import normalise_mobile
from suthra.billing.models import Bill, BillStatus
from suthra.imports.models import ImportBatch
from suthra.locations.models import City, UnionCouncil
from suthra.units.models import SurveyUnit

DATA = Path(__file__).parent / "data"


@pytest.mark.django_db
def test_legacy_units_then_bills(tmp_path, capsys):
    call_command("import_legacy_units", str(DATA / "survey_units.csv"))
    assert SurveyUnit.objects.count() == 60
    unit = SurveyUnit.objects.get(survey_id="SP-LAH-0000003")
    assert (unit.uc.name, unit.uc.city.name, unit.business_type.name) == (
        "UC-Ravi",
        "Lahore",
        "Barber",
    )
    assert (
        unit.mobile == "03034518474"
        and unit.billing_mobile == ""
        and unit.lat == pytest.approx(31.450692)
    )
    assert unit.surveyed_at == dt.datetime(2024, 9, 30, 9, 41, tzinfo=ZoneInfo("Asia/Karachi"))
    assert not SurveyUnit.objects.get(survey_id="SP-MUL-0000056").is_active
    assert UnionCouncil.objects.get(name="UC-Shalimar").type == UnionCouncil.Type.RURAL
    call_command("import_legacy_units", str(DATA / "survey_units.csv"))
    assert SurveyUnit.objects.count() == 60 and City.objects.filter(name="Lahore").count() == 1

    errors = tmp_path / "errors.csv"
    call_command("import_legacy_bills", str(DATA / "bills.csv"), "--errors", str(errors))
    assert Bill.objects.count() == 180
    paid = Bill.objects.get(psid=10020030040050015)
    assert (paid.status, paid.paid_amount, paid.paid_on, paid.arrears) == (
        BillStatus.PAID,
        3000,
        dt.date(2025, 11, 15),
        2000,
    )
    assert Bill.objects.get(psid=10020030040050038).status == BillStatus.UNPAID  # ARREARS
    assert ImportBatch.objects.get().kind == ImportBatch.Kind.LEGACY
    capsys.readouterr()
    call_command("import_legacy_bills", str(DATA / "bills.csv"))
    assert "already imported" in capsys.readouterr().out
    assert Bill.objects.count() == 180 and ImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_legacy_bad_rows_are_reported(tmp_path):
    bad = tmp_path / "units.csv"
    lines = (DATA / "survey_units.csv").read_text().splitlines()
    header, first = lines[0], lines[1]
    bad.write_text(
        "\n".join(
            [
                header,
                first,
                first,
                first.replace("Medium", "Huge").replace("SP-SAR-0000001", "SP-X-1"),
            ]
        )
        + "\n"
    )
    report = tmp_path / "errors.csv"
    call_command("import_legacy_units", str(bad), "--errors", str(report))
    text = report.read_text(encoding="utf-8-sig")
    assert "appears again" in text and "unknown SizeCategory" in text
    assert SurveyUnit.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0300-1234567", "03001234567"),
        ("+92 300 1234567", "03001234567"),
        ("", ""),
        ("12345", None),
    ],
)
def test_mobiles_are_normalised(raw, expected):
    assert normalise_mobile(raw) == expected
