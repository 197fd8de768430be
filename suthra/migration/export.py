"""A legacy-system export at any scale, for tests and the bench (issue #17, step 1).

Writes the seed's six tables as CSV, shaped like the old Supabase database's exports
(``/work/shared/samples/legacy``): bill months as text ("Nov-2025"), ``assigned_ucs`` as
PostgreSQL array text, plain-text passwords, ``image_drive_id`` on visits. PSIDs rise with
random gaps (never consecutive), and the file is in PSID order, as ``SELECT … ORDER BY psid``
gives it. Arrears follow the chain: a month's arrears are last month's amount due less what
was paid. Deterministic for a given ``seed``; memory is a few lists of one int per unit.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

LOCATIONS: dict[str, list[tuple[str, str]]] = {
    "Lahore": [("UC-Shalimar", "Rural"), ("UC-Ravi", "Rural"), ("UC-Gulberg", "Urban")],
    "Faisalabad": [("UC-Lyallpur", "Urban"), ("UC-Madina", "Urban"), ("UC-Sammundri", "Rural")],
    "Multan": [("UC-Bosan", "Urban"), ("UC-Sher Shah", "Urban"), ("UC-Shujabad", "Rural")],
    "Sargodha": [("UC-Bhalwal", "Rural"), ("UC-Sahiwal", "Rural"), ("UC-Shahpur", "Urban")],
}
TYPES = ["Barber", "Bakery", "Clinic", "Tea Stall", "Vegetable Shop", "Pharmacy"]
FEES = {"Small": 300, "Medium": 1000, "Large": 2500}
NAMES = ["Ahmed", "Ali", "Sana", "Zainab", "Usman", "Naveed", "Rabia", "Imran"]
FAMILIES = ["Butt", "Malik", "Qureshi", "Awan", "Jutt", "Mughal"]
HOUSES = ["Shop", "Plaza", "Shed", "House", "Kiosk"]
WATER = ["Yes", "No", "WASA", "Private Bore"]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FIRST_PSID = 10020030040050003

UNIT_HEADER = [
    "survey_id",
    "surveyor_name",
    "survey_timestamp",
    "city_district",
    "uc_name",
    "uc_type",
    "image_portal_url",
    "unit_specific_type",
    "survey_category",
    "survey_consumer_name",
    "billing_consumer_name",
    "survey_mobile",
    "billing_mobile",
    "survey_address",
    "billing_address",
    "house_type",
    "water_connection",
    "size_marla",
    "gps_lat",
    "gps_long",
    "gps_full_string",
    "is_active_portal",
]
BILL_HEADER = [
    "psid",
    "bill_month",
    "survey_id_fk",
    "monthly_fee",
    "arrears",
    "amount_due",
    "payment_status",
    "paid_date",
    "paid_amount",
    "uploaded_at",
]


def month_text(month: dt.date) -> str:
    return f"{MONTH_NAMES[month.month - 1]}-{month.year}"


def _months(last: dt.date, count: int) -> list[dt.date]:
    total = last.year * 12 + last.month - 1
    return [dt.date((total - i) // 12, (total - i) % 12 + 1, 1) for i in reversed(range(count))]


def write_export(
    directory: Path,
    *,
    units: int,
    months: int = 12,
    last_month: dt.date = dt.date(2025, 11, 1),
    seed: int = 17,
) -> dict[str, int]:
    """Write the six CSV files into ``directory``; returns the row count of each table."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    places = [(c, uc, t) for c, ucs in LOCATIONS.items() for uc, t in ucs]
    counts: dict[str, int] = {}
    with open(directory / "unique_locations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["city_district", "uc_name", "uc_type"])
        w.writerows(places)
    counts["unique_locations"] = len(places)

    survey_ids: list[str] = []
    fees: list[int] = []
    with open(directory / "survey_units.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(UNIT_HEADER)
        for n in range(1, units + 1):
            city, uc, uc_type = places[rng.randrange(len(places))]
            sid = f"SP-{city[:3].upper()}-{n:07d}"
            category = rng.choice(list(FEES))
            name = f"{rng.choice(NAMES)} {rng.choice(FAMILIES)}"
            mobile = f"03{rng.randrange(10**9):09d}"
            address = f"Shop {rng.randrange(1, 300)}, Street {rng.randrange(1, 40)}, {uc[3:]}"
            lat, lon = round(rng.uniform(29.0, 32.5), 6), round(rng.uniform(71.0, 74.5), 6)
            w.writerow(
                [
                    sid,
                    f"{rng.choice(NAMES)} {rng.choice(FAMILIES)}",
                    f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} 09:30:00",
                    city,
                    uc,
                    uc_type,
                    f"https://portal.example.pk/img/{sid}.jpg",
                    rng.choice(TYPES),
                    category,
                    name,
                    name,
                    mobile,
                    mobile,
                    address,
                    address,
                    rng.choice(HOUSES),
                    rng.choice(WATER),
                    rng.choice([2, 5, 10]),
                    lat,
                    lon,
                    f"{lat},{lon}",
                    "TRUE" if rng.random() > 0.02 else "FALSE",
                ]
            )
            survey_ids.append(sid)
            fees.append(FEES[category])
    counts["survey_units"] = units

    carry = [0] * units
    psid = FIRST_PSID
    bills = 0
    with open(directory / "bills.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(BILL_HEADER)
        for month in _months(last_month, months):
            label = month_text(month)
            for i in range(units):
                fee, arrears = fees[i], carry[i]
                due = fee + arrears
                roll = rng.random()
                paid = due if roll < 0.55 else (due // 2 if roll < 0.6 else 0)
                status = "PAID" if paid else ("ARREARS" if arrears else "UNPAID")
                paid_date = f"{month:%Y-%m}-{rng.randrange(2, 28):02d}" if paid else ""
                w.writerow(
                    [
                        psid,
                        label,
                        survey_ids[i],
                        fee,
                        arrears,
                        due,
                        status,
                        paid_date,
                        paid or "",
                        f"{month:%Y-%m}-01 09:{rng.randrange(60):02d}:00",
                    ]
                )
                carry[i] = due - paid
                psid += rng.randrange(2, 9)  # gaps: never consecutive
                bills += 1
    counts["bills"] = bills

    staff = [(1, "head", "head@123", "Head Admin", "HEAD", "", "{}", "true")]
    agents_by_city: dict[str, list[int]] = {}
    for city, ucs in LOCATIONS.items():
        low = city.lower()
        staff.append(
            (
                len(staff) + 1,
                f"mgr_{low}",
                "pass1234",
                f"Manager {city}",
                "MANAGER",
                city,
                "{}",
                "true",
            )
        )
        staff.append(
            (
                len(staff) + 1,
                f"sup_{low}",
                "pass1234",
                f"Supervisor {city}",
                "SUPERVISOR",
                city,
                "{}",
                "true",
            )
        )
        for k in range(2):
            names = ",".join(f'"{uc}"' for uc, _t in ucs[k : k + 2])
            staff.append(
                (
                    len(staff) + 1,
                    f"agent_{low}_{k}",
                    "1234",
                    f"Agent {city} {k}",
                    "AGENT",
                    city,
                    "{" + names + "}",
                    "false" if k == 0 else "true",
                )
            )
            agents_by_city.setdefault(city, []).append(len(staff))
    with open(directory / "staff.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "id",
                "username",
                "password",
                "full_name",
                "role",
                "assigned_city",
                "assigned_ucs",
                "is_active",
            ]
        )
        w.writerows(staff)
    counts["staff"] = len(staff)

    n_tickets, n_visits = max(6, units // 50), max(15, units // 20)
    with open(directory / "tickets.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "ticket_id",
                "reported_by_staff_id",
                "survey_id_fk",
                "ticket_type",
                "description",
                "status",
                "created_at",
                "resolved_at",
                "resolution_note",
            ]
        )
        for t in range(1, n_tickets + 1):
            status = rng.choice(["PENDING", "APPROVED", "REJECTED"])
            done = status != "PENDING"
            w.writerow(
                [
                    t,
                    rng.randrange(1, len(staff) + 1),
                    survey_ids[rng.randrange(units)],
                    rng.choice(["Wrong Bill", "Business Closed", "Name Change", "Other"]),
                    rng.choice(["Shop closed since Aug", "نام غلط ہے", ""]),
                    status,
                    "2025-04-23 12:20:00",
                    "2025-04-25 10:00:00" if done else "",
                    "ok" if done else "",
                ]
            )
    with open(directory / "compliance_visits.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "id",
                "staff_id",
                "survey_id_fk",
                "visit_date",
                "visit_outcome",
                "remarks",
                "gps_lat",
                "gps_long",
                "image_drive_id",
                "created_at",
            ]
        )
        for v in range(1, n_visits + 1):
            drive = "".join(rng.choice("abcdefghijkLMNOP0123456789_-") for _ in range(33))
            w.writerow(
                [
                    v,
                    rng.randrange(1, len(staff) + 1),
                    survey_ids[rng.randrange(units)],
                    "2025-09-10",
                    rng.choice(["Paid", "Promised", "Refused", "Closed", "Not Found"]),
                    "owner not present",
                    31.2,
                    72.6,
                    drive if rng.random() > 0.2 else "",
                    "2025-09-10 12:26:00",
                ]
            )
    counts["tickets"], counts["compliance_visits"] = n_tickets, n_visits
    return counts
