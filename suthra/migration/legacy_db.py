"""The old system's schema as a real PostgreSQL database, filled from an export (tests, bench).

Column types follow the seed: text keys, text bill months ("Nov-2025"), ``assigned_ucs`` a
text array, plain-text passwords, booleans, timestamps without time zone (the exports carry
none).
"""

from __future__ import annotations

from pathlib import Path

import psycopg

SCHEMA = """
CREATE TABLE unique_locations (city_district text, uc_name text, uc_type text);
CREATE TABLE survey_units (
  survey_id text PRIMARY KEY, surveyor_name text, survey_timestamp timestamp,
  city_district text, uc_name text, uc_type text, image_portal_url text,
  unit_specific_type text, survey_category text, survey_consumer_name text,
  billing_consumer_name text, survey_mobile text, billing_mobile text, survey_address text,
  billing_address text, house_type text, water_connection text, size_marla numeric,
  gps_lat double precision, gps_long double precision, gps_full_string text,
  is_active_portal boolean);
CREATE TABLE bills (
  psid text, bill_month text, survey_id_fk text REFERENCES survey_units, monthly_fee integer,
  arrears integer, amount_due integer, payment_status text, paid_date date,
  paid_amount integer, uploaded_at timestamp, PRIMARY KEY (psid, bill_month));
CREATE TABLE staff (
  id integer PRIMARY KEY, username text, password text, full_name text, role text,
  assigned_city text, assigned_ucs text[], is_active boolean);
CREATE TABLE tickets (
  ticket_id integer PRIMARY KEY, reported_by_staff_id integer REFERENCES staff,
  survey_id_fk text, ticket_type text, description text, status text,
  created_at timestamp, resolved_at timestamp, resolution_note text);
CREATE TABLE compliance_visits (
  id integer PRIMARY KEY, staff_id integer REFERENCES staff, survey_id_fk text,
  visit_date date, visit_outcome text, remarks text, gps_lat double precision,
  gps_long double precision, image_drive_id text, created_at timestamp);
"""
TABLES = ["unique_locations", "survey_units", "staff", "bills", "tickets", "compliance_visits"]


def build_database(url: str, export_dir: Path) -> None:
    """Create the legacy tables in the (empty) database at ``url`` and COPY the CSVs in."""
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(SCHEMA)
        for table in TABLES:
            path = export_dir / f"{table}.csv"
            with (
                path.open("rb") as f,
                cur.copy(f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while block := f.read(1 << 20):
                    copy.write(block)
