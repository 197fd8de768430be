import csv
from pathlib import Path

from suthra.migration.export import write_export


def test_export_psids_not_consecutive_and_arrears_chain(tmp_path: Path) -> None:
    counts = write_export(tmp_path, units=50, months=3)
    assert counts["bills"] == 150
    with open(tmp_path / "bills.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    psids = [int(r["psid"]) for r in rows]
    assert psids == sorted(psids)
    assert all(b - a > 1 for a, b in zip(psids, psids[1:], strict=False))
    assert {r["bill_month"] for r in rows} == {"Sep-2025", "Oct-2025", "Nov-2025"}
    by_unit: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_unit.setdefault(r["survey_id_fk"], []).append(r)
    for bills in by_unit.values():
        for prev, cur in zip(bills, bills[1:], strict=False):
            expected = int(prev["amount_due"]) - int(prev["paid_amount"] or 0)
            assert int(cur["arrears"]) == expected
    with open(tmp_path / "staff.csv", encoding="utf-8") as f:
        staff = list(csv.DictReader(f))
    assert any(s["is_active"] == "false" for s in staff)
    assert any(s["assigned_ucs"].startswith('{"UC-') for s in staff)
