"""import_legacy's error report has stable reason codes, and --language ur gives the summary
and the reasons in Urdu (the rows are still read the same way)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from suthra.billing.models import Bill
from suthra.migration.export import write_export
from suthra.migration.reasons import REASONS, reason_text
from suthra.units.models import SurveyUnit

pytestmark = pytest.mark.django_db(transaction=True)
URDU = re.compile(r"[\u0600-\u06ff]")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture
def bad_export(tmp_path: Path) -> Path:
    directory = tmp_path / "export"
    write_export(directory, units=30, months=2)
    bills = directory / "bills.csv"
    with open(bills, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[3][3] = "abc"  # monthly fee not a number
    rows[5][5] = "99999"  # amount due ≠ fee + arrears
    rows[7][2] = "SP-NOPE-0000001"  # unknown unit
    rows[8][0] = "12AB"  # not a PSID
    rows.append(list(rows[9]))  # the same PSID again
    with open(bills, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    units = directory / "survey_units.csv"
    with open(units, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[2][rows[0].index("gps_lat")] = "north"  # rejected: not a coordinate
    rows[3][rows[0].index("survey_mobile")] = "12"  # kept, mobile left blank
    with open(units, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return directory


def run(directory: Path, report: Path, *args: str) -> tuple[str, str]:
    """The output and the CommandError's message (the run has rejects, so it fails)."""
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_legacy",
            str(directory),
            "--errors",
            str(report),
            "--no-progress",
            *args,
            stdout=out,
        )
    return out.getvalue(), str(failure.value)


def read_report(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def by_row(lines: list[dict[str, str]]) -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["table"], r["row"], r["code"]): r for r in lines}


def test_every_reject_has_a_stable_code_beside_its_reason(bad_export: Path, tmp_path: Path) -> None:
    report = tmp_path / "errors.csv"
    _out, message = run(bad_export, report)
    assert "rows were rejected" in message
    lines = read_report(report)
    assert list(lines[0]) == ["table", "row", "column", "value", "code", "reason", "rejected"]
    assert all(r["code"] in REASONS for r in lines)
    found = {(r["table"], r["row"], r["column"], r["code"]) for r in lines}
    assert {
        ("bills", "4", "monthly_fee", "amount_invalid"),
        ("bills", "6", "amount_due", "amount_due_mismatch"),
        ("bills", "8", "survey_id_fk", "unit_unknown"),
        ("bills", "9", "psid", "psid_invalid"),
        ("survey_units", "3", "gps_lat", "gps_invalid"),
        ("survey_units", "4", "survey_mobile", "mobile_left_blank"),
    } <= found
    assert any(r["code"] == "duplicate_in_source" and r["table"] == "bills" for r in lines)
    assert any(r["code"] == "photo_missing" for r in lines)  # Drive ids, storage not Drive
    # In English the reason is the detailed message.
    rows = by_row(lines)
    assert "monthly fee must be a whole number" in rows[("bills", "4", "amount_invalid")]["reason"]
    assert rows[("survey_units", "4", "mobile_left_blank")]["rejected"] == "no (kept)"


def test_urdu_summary_and_reasons(bad_export: Path, tmp_path: Path) -> None:
    english, urdu = tmp_path / "en.csv", tmp_path / "ur.csv"
    run(bad_export, english)
    units, bills = SurveyUnit.objects.count(), Bill.objects.count()
    call_command("flush", "--noinput")
    out, message = run(bad_export, urdu, "--language", "ur")
    # The rows are read the same way ("Small", "Urban" are matched in English still).
    assert (SurveyUnit.objects.count(), Bill.objects.count()) == (units, bills)
    assert "جانچ" in out and "مسترد" in out and "تصدیق شدہ" in out
    assert "Verification" not in out and "rows/s" not in out
    assert "قطاریں مسترد ہوئیں" in message
    en_rows, ur_rows = by_row(read_report(english)), by_row(read_report(urdu))
    assert en_rows.keys() == ur_rows.keys()  # the same rows and codes in both languages
    for key, row in ur_rows.items():
        assert URDU.search(row["reason"]), row
        assert row["value"] == en_rows[key]["value"] and row["column"] == en_rows[key]["column"]
    due = ur_rows[("bills", "6", "amount_due_mismatch")]
    assert due["reason"].startswith("واجب الادا رقم 99999 ")
    assert ur_rows[("survey_units", "4", "mobile_left_blank")]["rejected"] == "نہیں (رکھی گئی)"


def test_a_later_run_writes_the_report_in_urdu_from_the_codes(
    bad_export: Path, tmp_path: Path
) -> None:
    run(bad_export, tmp_path / "en.csv")
    out = io.StringIO()
    call_command(
        "import_legacy",
        str(bad_export),
        "--accept-rejects",
        "--language",
        "ur",
        "--errors",
        str(tmp_path / "ur.csv"),
        "--no-progress",
        stdout=out,
    )
    assert "کرنے کو کچھ نہیں" in out.getvalue()  # nothing to do
    lines = read_report(tmp_path / "ur.csv")
    assert lines and all(URDU.search(r["reason"]) for r in lines)


def test_every_reason_code_has_an_urdu_text_with_its_placeholders() -> None:
    for code, template in REASONS.items():
        with translation.override("ur"):
            text = translation.gettext(template)
        assert text != template and URDU.search(text), code
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(template)), code
        with translation.override("ur"):
            assert reason_text(code, "col", "val", {}), code  # no missing figure fails


def test_a_wrong_header_is_refused_in_the_chosen_language(bad_export: Path) -> None:
    bills = bad_export / "bills.csv"
    text = bills.read_text(encoding="utf-8")
    bills.write_text(text.replace("psid,", "number,", 1), encoding="utf-8")
    for language, expected in (("en", "Missing column(s)"), ("ur", "یہ کالم نہیں ملے")):
        with pytest.raises(CommandError, match=re.escape(expected)):
            call_command(
                "import_legacy",
                str(bad_export),
                "--language",
                language,
                "--no-progress",
                stdout=io.StringIO(),
            )
    assert not Bill.objects.exists()
