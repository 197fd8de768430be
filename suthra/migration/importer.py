"""The switch-over from the old system: every legacy table, streamed, resumable, verified.

``LegacyImport(source).run()`` reads the six old tables in order (locations, units, staff,
bills, tickets, compliance visits) in chunks of ``chunk_size`` rows. Each chunk is checked row
by row in Python, then written in one transaction: units and bills through a staging table
(COPY on PostgreSQL, ``executemany`` on SQLite) and set-based SQL (``INSERT … SELECT … ON
CONFLICT DO UPDATE``), the small tables through the ORM. The same transaction records the chunk
in ``LegacyChunk`` and its bad rows in ``LegacyReject``, so a run killed at any point and
started again skips exactly the chunks that were written and gives the same database as one
clean run. Memory is one chunk plus a set of the survey ids (for duplicates across chunks).

The source is compared with the database (``verification``) chunk by chunk, whether the chunk
was written now or by an earlier run: each accepted row is looked up by its key (``check``),
so only this source's rows are compared and a target that already holds data (units made in
Suthra before, another export's rows) verifies too; per bill month the row count and the sums
of fee, arrears and paid amount of this source's bills against the source less its rejects.
The other rows are counted apart. Rejects carry a stable code (``reasons.REASONS``) for the
error report in English or Urdu. See docs/MIGRATION.md.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import itertools
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from suthra.accounts.legacy import parse_rows as parse_staff_rows
from suthra.accounts.models import Staff
from suthra.accounts.services import staff_import_legacy
from suthra.billing.ledger_check import ledger_check_run, verify
from suthra.billing.models import MAX_AMOUNT, MAX_FEE, Bill, DiscrepancyKind, PaymentChannel
from suthra.core.audit import audit_record
from suthra.core.photos import photo_ref_acceptable
from suthra.imports import parsers
from suthra.imports.models import ImportBatch
from suthra.imports.parsers import Column, ParseError, RowError, Table
from suthra.locations.models import City, UnionCouncil
from suthra.migration.models import LegacyChunk, LegacyRecord, LegacyReject
from suthra.migration.reasons import localised_reason
from suthra.migration.sources import TABLES, Source
from suthra.stats.services import stats_refresh
from suthra.tickets.models import Ticket, TicketStatus, TicketType
from suthra.units.legacy import PKT, UNIT_COLUMNS, UNIT_FIELDS, _timestamp, parse_legacy_units
from suthra.units.models import BusinessType, SurveyUnit
from suthra.visits.models import ComplianceVisit, VisitOutcome, VisitStatus

DEFAULT_CHUNK = 50_000
REQUIRED_TABLES = ("survey_units", "bills")
STATS_TABLE = "_stats"  # a LegacyChunk row: the summaries were rebuilt after the last write

LOCATION_COLUMNS = [
    Column("city", ["city_district", "city"]),
    Column("uc_name", ["uc_name", "uc"]),
    Column("uc_type", ["uc_type"], required=False),
]
BILL_COLUMNS = [
    Column("psid", ["psid"]),
    Column("month", ["bill_month", "month"]),
    Column("survey_id", ["survey_id_fk", "survey_id"]),
    Column("fee", ["monthly_fee", "fee"]),
    Column("arrears", ["arrears"]),
    Column("amount_due", ["amount_due"], required=False),
    Column("status", ["payment_status"], required=False),
    Column("paid_on", ["paid_date", "paid_on"], required=False),
    Column("paid_amount", ["paid_amount"], required=False),
    Column("uploaded_at", ["uploaded_at"], required=False),
]
STAFF_COLUMNS = [
    Column(name, [name], required=name not in ("id", "is_active"))
    for name in (
        "id",
        "username",
        "password",
        "full_name",
        "role",
        "assigned_city",
        "assigned_ucs",
        "is_active",
    )
]
TICKET_COLUMNS = [
    Column("ticket_id", ["ticket_id", "id"]),
    Column("reporter", ["reported_by_staff_id", "staff_id"]),
    Column("survey_id", ["survey_id_fk", "survey_id"]),
    Column("type", ["ticket_type", "type"]),
    Column("description", ["description"], required=False),
    Column("status", ["status"]),
    Column("created_at", ["created_at"]),
    Column("resolved_at", ["resolved_at"], required=False),
    Column("note", ["resolution_note"], required=False),
]
VISIT_COLUMNS = [
    Column("visit_id", ["id", "visit_id"]),
    Column("staff", ["staff_id"]),
    Column("survey_id", ["survey_id_fk", "survey_id"]),
    Column("visit_date", ["visit_date"]),
    Column("outcome", ["visit_outcome", "outcome"]),
    Column("remarks", ["remarks"], required=False),
    Column("lat", ["gps_lat", "lat"], required=False),
    Column("lon", ["gps_long", "lon"], required=False),
    Column("drive_id", ["image_drive_id"], required=False),
    Column("created_at", ["created_at"], required=False),
]
TICKET_TYPES = {
    "wrong bill": TicketType.WRONG_BILL,
    "business closed": TicketType.BUSINESS_CLOSED,
    "name change": TicketType.NAME_MOBILE_CHANGE,
    "mobile change": TicketType.NAME_MOBILE_CHANGE,
    "name / mobile change": TicketType.NAME_MOBILE_CHANGE,
    "duplicate unit": TicketType.DUPLICATE_UNIT,
    "duplicate": TicketType.DUPLICATE_UNIT,
    "unit not found": TicketType.UNIT_NOT_FOUND,
    "not found": TicketType.UNIT_NOT_FOUND,
    "other": TicketType.OTHER,
}
OUTCOMES = {
    "paid": VisitOutcome.PAID_ON_SPOT,
    "paid on the spot": VisitOutcome.PAID_ON_SPOT,
    "promised": VisitOutcome.PROMISED,
    "promised to pay": VisitOutcome.PROMISED,
    "refused": VisitOutcome.REFUSED,
    "closed": VisitOutcome.CLOSED,
    "not found": VisitOutcome.NOT_FOUND,
    "dispute": VisitOutcome.DISPUTE,
}


class LegacyImportError(Exception):
    """The import cannot go on (a table's header is wrong, a required table is missing)."""


@dataclass
class Reject:
    """A row of the error report. ``reason`` is the detailed English message; ``code`` one of
    ``suthra.migration.reasons.REASONS`` (its text, translated, is the reason in another
    language), ``params`` the figures that text names besides the column and the value."""

    row: int
    column: str
    value: str
    reason: str
    rejected: bool = True
    code: str = "invalid_value"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TableReport:
    table: str
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    kept_with_warning: int = 0
    # The rows of this source (accepted rows, by their keys) found in the database, and the
    # other rows of the table (made in Suthra, or from another source): verification compares
    # only the former, so a target that already holds data verifies too.
    in_database: int | None = None
    others: int | None = None
    chunks_done: int = 0
    chunks_skipped: int = 0
    seconds: float = 0.0
    missing: bool = False

    @property
    def consistent(self) -> bool:
        accounted = self.new + self.changed + self.unchanged + self.rejected
        if accounted != self.read:
            return False
        return self.in_database is None or self.in_database == self.read - self.rejected


@dataclass
class MonthCheck:
    month: str
    source: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # rows, fee, arrears, paid
    rejected: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    database: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # this source's bills
    others: int = 0  # bills of the month in the database that are not this source's

    @property
    def ok(self) -> bool:
        return all(
            s - r == d for s, r, d in zip(self.source, self.rejected, self.database, strict=True)
        )


@dataclass
class Result:
    tables: dict[str, TableReport] = field(default_factory=dict)
    months: dict[str, MonthCheck] = field(default_factory=dict)
    arrears_breaks: int = 0
    # With --ledger-check: the ledger check's discrepancies per kind (label → count).
    ledger: dict[str, int] | None = None
    wrote: bool = False
    batch_id: int | None = None
    error_report: str = ""

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables.values())

    @property
    def verified(self) -> bool:
        return all(t.consistent for t in self.tables.values()) and all(
            m.ok for m in self.months.values()
        )


def _lenient_int(value: str) -> int:
    if value.isdigit():
        return int(value)
    text = (value or "").strip()
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except ValueError:
            return 0


@functools.lru_cache(maxsize=4096)
def _month_key(value: str) -> str:
    try:
        return parsers.month(value).strftime("%Y-%m")
    except ValueError:
        return "?"


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


# --- staging tables ---------------------------------------------------------------------------


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _index_joins(cur: Any) -> None:
    """Join a chunk to a big table by index lookups: a temporary table's 50 k rows make the
    planner pick a hash join over a full scan of the bills, once per chunk — quadratic over
    3.6 M bills (3.2 s against 0.26 s a chunk at 3.3 M bills). For this transaction only."""
    if _is_pg():
        cur.execute("SET LOCAL enable_hashjoin = off")
        cur.execute("SET LOCAL enable_mergejoin = off")


def _ne() -> str:
    """ "Differs, NULLs included" in this database's SQL."""
    return "IS DISTINCT FROM" if _is_pg() else "IS NOT"


class Stage:
    """A temporary table shaped like (row_no, extra columns, some target columns)."""

    def __init__(self, name: str, select: str, columns: Sequence[str]) -> None:
        self.name, self.columns = name, list(columns)
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {name}")
            cur.execute(f"CREATE TEMP TABLE {name} AS {select} WHERE 1 = 0")

    def load(self, rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(self.columns)
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {self.name}")
            if not rows:
                return
            if _is_pg():
                with cur.cursor.copy(f"COPY {self.name} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute(f"ANALYZE {self.name}")  # a temporary table has no statistics
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cur.executemany(f"INSERT INTO {self.name} ({cols}) VALUES ({marks})", rows)

    def drop(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.name}")


def _sqlite_value(value: Any) -> Any:
    """What Django would store on SQLite for a date, a datetime or a Decimal."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is not None and type(value).__name__ == "Decimal":
        return str(value)
    return value


# --- the tables -------------------------------------------------------------------------------


class Handler:
    table = ""
    spec: list[Column] = []
    # The most rows a chunk of this table holds, whatever --chunk-size says (memory).
    max_chunk = 1_000_000

    def __init__(self, job: LegacyImport) -> None:
        self.job = job
        self.columns: dict[str, int] = {}
        self.headers: list[str] = []

    def start(self, headers: list[str]) -> None:
        try:
            with translation.override(self.job.language):  # the messages only
                self.columns, _ignored = parsers.match_headers(headers, self.spec)
                parsers._check_required(headers, self.columns, self.spec)
        except ParseError as exc:
            raise LegacyImportError(f"{self.table}: {exc}") from exc
        self.headers = headers

    def get(self, row: list[str], key: str) -> str:
        return _cell(row, self.columns.get(key))

    def header(self, key: str) -> str:
        """The source's own name of a column (``city_district`` for ``city``)."""
        index = self.columns.get(key)
        if index is None or index >= len(self.headers):
            return key
        return self.headers[index].strip() or key

    def observe(self, chunk: list[tuple[int, list[str]]]) -> None:
        """Every chunk, written now or before: what the verification needs of the source."""

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last chunk (also when every chunk had been done before)."""

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        """After each chunk, written now or before: how many of its accepted rows (those not in
        ``rejected``) are in the database, found by their keys. None: not checked."""
        return None

    def table_rows(self) -> int | None:
        """All rows of the target table (this source's and others), or None."""
        return None


class LocationsHandler(Handler):
    table = "unique_locations"
    spec = LOCATION_COLUMNS

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        rejects: list[Reject] = []
        cities = {c.name: c for c in City.objects.all()}
        ucs = {(u.city_id, u.name): u for u in UnionCouncil.objects.all()}
        for number, row in chunk:
            city_name, uc_name = self.get(row, "city")[:60], self.get(row, "uc_name")[:80]
            if not city_name or not uc_name:
                key = "city" if not city_name else "uc_name"
                column = self.header(key)
                rejects.append(
                    Reject(number, column, "", f"{column} is missing", code="missing_value")
                )
                continue
            raw_type = self.get(row, "uc_type")
            try:
                uc_type = parsers_choice(UnionCouncil.Type, raw_type, UnionCouncil.Type.URBAN)
            except ValueError as exc:
                rejects.append(Reject(number, "uc_type", raw_type, str(exc), code="invalid_choice"))
                continue
            city = cities.get(city_name)
            if city is None:
                city = cities[city_name] = City.objects.create(name=city_name)
            uc = ucs.get((city.pk, uc_name))
            if uc is None:
                ucs[(city.pk, uc_name)] = UnionCouncil.objects.create(
                    city=city, name=uc_name, type=uc_type
                )
                counts["new"] += 1
            elif uc.type != uc_type:
                uc.type = uc_type
                uc.save(update_fields=["type"])
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
        return counts, rejects

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        pairs = set(UnionCouncil.objects.values_list("city__name", "name"))
        return sum(
            1
            for number, row in chunk
            if number not in rejected
            and (self.get(row, "city")[:60], self.get(row, "uc_name")[:80]) in pairs
        )

    def table_rows(self) -> int | None:
        return UnionCouncil.objects.count()


def parsers_choice(enum: Any, raw: str, default: int) -> int:
    text = (raw or "").strip().lower()
    if not text:
        return int(default)
    for member in enum:
        if str(member.label).lower() == text or str(member.name).lower() == text:
            return int(member)
    raise ValueError(f"unknown {enum.__name__} '{raw}'")


_UNIT_CODES = {
    "city": "missing_value",
    "uc_name": "missing_value",
    "business_type": "missing_value",
    "consumer_name": "missing_value",
    "uc_type": "invalid_choice",
    "house_type": "invalid_choice",
    "water_connection": "invalid_choice",
    "survey_timestamp": "datetime_invalid",
    "lat": "gps_invalid",
    "lon": "gps_invalid",
    "gps": "gps_invalid",
    "size_marla": "number_invalid",
    "active": "boolean_invalid",
    "mobile": "mobile_left_blank",
    "billing_mobile": "mobile_left_blank",
    "photo": "photo_left_blank",
}


def _unit_code(key: str, value: str, reason: str) -> str:
    """The reason code of a survey-unit check (``suthra.units.legacy``) by its column."""
    if key == "survey_id":
        return "duplicate_in_source" if reason.startswith("appears again") else "survey_id_invalid"
    if key == "category":
        return "invalid_choice" if value else "missing_value"
    return _UNIT_CODES.get(key, "invalid_value")


class UnitsHandler(Handler):
    table = "survey_units"
    spec = UNIT_COLUMNS
    max_chunk = 10_000  # a parsed unit row is ~2 kB in Python
    stage_columns = ["row_no", "survey_id", "uc_id", "business_type_id", *UNIT_FIELDS]

    def __init__(self, job: LegacyImport) -> None:
        super().__init__(job)
        self.seen: set[str] = set()
        self.keys: Stage | None = None
        self.stage = Stage(
            "legacy_stage_units",
            f"SELECT 0 AS row_no, {', '.join(self.stage_columns[1:])} FROM units_surveyunit",
            self.stage_columns,
        )

    def observe(self, chunk: list[tuple[int, list[str]]]) -> None:
        pass

    def skip(self, chunk: list[tuple[int, list[str]]]) -> None:
        index = self.columns.get("survey_id")
        self.seen.update(_cell(row, index) for _n, row in chunk)

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        table = Table(self.columns, self.headers, chunk)
        records, errors = parse_legacy_units(table)
        accepted = {r.row for r in records}
        rejects = [
            Reject(
                e.row,
                self.header(e.column),
                str(e.value),
                e.reason,
                e.row not in accepted,
                code=_unit_code(e.column, str(e.value), e.reason),
            )
            for e in errors
        ]
        fresh = []
        for r in records:
            if r.survey_id in self.seen:
                rejects.append(
                    Reject(
                        r.row,
                        "survey_id",
                        r.survey_id,
                        "appears again in the table",
                        code="duplicate_in_source",
                    )
                )
                accepted.discard(r.row)
            else:
                fresh.append(r)
        for r in records:
            self.seen.add(r.survey_id)
        cities = {c.name: c for c in City.objects.all()}
        for name in sorted({r.city for r in fresh} - set(cities)):
            cities[name] = City.objects.create(name=name)
        ucs = {(u.city_id, u.name): u.pk for u in UnionCouncil.objects.all()}
        for r in fresh:
            key = (cities[r.city].pk, r.uc_name)
            if key not in ucs:
                ucs[key] = UnionCouncil.objects.create(
                    city=cities[r.city], name=r.uc_name, type=r.uc_type
                ).pk
        types = {b.name: b.pk for b in BusinessType.objects.all()}
        for name in sorted({r.business_type for r in fresh} - set(types)):
            types[name] = BusinessType.objects.create(name=name).pk
        pg = _is_pg()
        rows = []
        for r in fresh:
            values = [
                r.row,
                r.survey_id,
                ucs[(cities[r.city].pk, r.uc_name)],
                types[r.business_type],
                *(getattr(r, f) for f in UNIT_FIELDS),
            ]
            rows.append(tuple(values) if pg else tuple(_sqlite_value(v) for v in values))
        self.stage.load(rows)
        counts = self._upsert()
        return counts, rejects

    def _upsert(self) -> dict[str, Any]:
        s, ne = self.stage.name, _ne()
        fields = self.stage_columns[2:]
        differs = " OR ".join(f"u.{f} {ne} s.{f}" for f in fields)
        with connection.cursor() as cur:
            _index_joins(cur)
            cur.execute(
                f"SELECT COALESCE(SUM(CASE WHEN u.id IS NULL THEN 1 ELSE 0 END), 0),"
                " COALESCE(SUM(CASE WHEN u.id IS NOT NULL"
                f" AND ({differs}) THEN 1 ELSE 0 END), 0),"
                f" COUNT(*) FROM {s} s LEFT JOIN units_surveyunit u ON u.survey_id = s.survey_id"
            )
            new, changed, total = cur.fetchone()
            cols = ", ".join(self.stage_columns[1:])
            sets = ", ".join(f"{f} = excluded.{f}" for f in fields)
            where = " OR ".join(f"units_surveyunit.{f} {ne} excluded.{f}" for f in fields)
            cur.execute(
                f"INSERT INTO units_surveyunit ({cols}) SELECT {cols} FROM {s} WHERE 1 = 1"
                f" ON CONFLICT (survey_id) DO UPDATE SET {sets} WHERE {where}"
            )
        return {"new": new, "changed": changed, "unchanged": total - new - changed}

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        index = self.columns.get("survey_id")
        keys = [(parsers.text(_cell(row, index)),) for n, row in chunk if n not in rejected]
        if self.keys is None:
            self.keys = Stage(
                "legacy_verify_units", "SELECT survey_id FROM units_surveyunit", ["survey_id"]
            )
        with transaction.atomic(), connection.cursor() as cur:
            self.keys.load(keys)
            _index_joins(cur)
            cur.execute(
                f"SELECT COUNT(*) FROM {self.keys.name} k"
                " JOIN units_surveyunit u ON u.survey_id = k.survey_id"
            )
            row = cur.fetchone()
        return int(row[0]) if row else 0

    def finish(self) -> None:
        self.stage.drop()
        if self.keys is not None:
            self.keys.drop()

    def table_rows(self) -> int | None:
        return SurveyUnit.objects.count()


class StaffHandler(Handler):
    table = "staff"
    spec = STAFF_COLUMNS

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        dicts = [
            {h: (row[i] if i < len(row) else "") for h, i in self.named()} for _n, row in chunk
        ]
        numbers = [n for n, _row in chunk]
        records, errors = parse_staff_rows(dicts)
        # Line 2 is the chunk's first row. The value is the cell at fault, never the password.
        rejects = [
            Reject(
                numbers[e.line - 2], e.column, e.value, e.message, code=e.code or "invalid_value"
            )
            for e in errors
        ]
        legacy_ids: dict[str, int | None] = {}
        for rec in records:
            rec.line = numbers[rec.line - 2]
            raw = dicts[numbers.index(rec.line)].get("id", "")
            legacy_ids[rec.username.casefold()] = int(raw) if raw.strip().isdigit() else None
        # The old plain-text password is hashed (Django's hasher) and must be changed at the
        # first login; with --unusable-passwords it is not used at all. It is never stored,
        # logged or written to the error report (a reject names the cell at fault, never it).
        report = staff_import_legacy(
            records=records, force_reset=True, unusable_passwords=self.job.unusable_passwords
        )
        rejects += [
            Reject(e.line, e.column, e.value, e.message, code=e.code or "invalid_value")
            for e in report.errors
        ]
        rejects += [
            Reject(e.line, "assigned_ucs", e.value, e.message, False, code="uc_unknown")
            for e in report.warnings
        ]
        kept = {u.casefold() for u in report.created + report.existing}
        pks = {
            u.casefold(): pk
            for u, pk in Staff.objects.filter(
                username__in=report.created + report.existing
            ).values_list("username", "pk")
        }
        for username in kept:
            legacy = legacy_ids.get(username)
            if legacy is not None and username in pks:
                LegacyRecord.objects.update_or_create(
                    table="staff", legacy_id=legacy, defaults={"object_id": pks[username]}
                )
        return {
            "new": len(report.created),
            "unchanged": len(report.existing),
            "changed": 0,
        }, rejects

    def named(self) -> list[tuple[str, int]]:
        return [(key, index) for key, index in self.columns.items()]

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        names = {u.casefold() for u in Staff.objects.values_list("username", flat=True)}
        index = self.columns.get("username")
        return sum(
            1
            for number, row in chunk
            if number not in rejected and _cell(row, index).casefold() in names
        )

    def table_rows(self) -> int | None:
        return Staff.objects.count()


@contextlib.contextmanager
def _keep_times(model: Any) -> Iterator[None]:
    """Save ``created_at``/``updated_at`` as given: auto_now(_add) would set them to now."""
    saved = []
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            saved.append((f, f.auto_now, f.auto_now_add))
            f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


def built_fields(fields: Iterable[str]) -> Iterator[str]:
    for name in fields:
        yield name[:-3] if name.endswith("_id") else name


def _legacy_map(table: str, ids: Iterable[int]) -> dict[int, int]:
    return dict(
        LegacyRecord.objects.filter(table=table, legacy_id__in=list(ids)).values_list(
            "legacy_id", "object_id"
        )
    )


def _units_of(survey_ids: Iterable[str]) -> dict[str, int]:
    return dict(
        SurveyUnit.objects.filter(survey_id__in=list(set(survey_ids))).values_list(
            "survey_id", "pk"
        )
    )


class _RecordsHandler(Handler):
    """Tickets and visits: rows with the old system's integer key, written through the ORM."""

    model: Any = None
    id_key = ""
    fields: list[str] = []

    def build(
        self, number: int, row: list[str], staff: dict[int, int], units: dict[str, int]
    ) -> tuple[dict[str, Any] | None, list[Reject]]:
        raise NotImplementedError

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        staff_ids: set[int] = set()
        for _n, row in chunk:
            staff_ids.add(_lenient_int(self.get(row, self.staff_key)))
        staff = _legacy_map("staff", staff_ids)
        units = _units_of(self.get(row, "survey_id") for _n, row in chunk)
        rejects: list[Reject] = []
        built: dict[int, dict[str, Any]] = {}
        for number, row in chunk:
            raw = self.get(row, self.id_key)
            if not raw.isdigit():
                rejects.append(
                    Reject(
                        number,
                        self.header(self.id_key),
                        raw,
                        "the id must be a whole number",
                        code="id_invalid",
                    )
                )
                continue
            if int(raw) in built:
                rejects.append(
                    Reject(
                        number,
                        self.header(self.id_key),
                        raw,
                        "appears again in the table",
                        code="duplicate_in_source",
                    )
                )
                continue
            values, row_rejects = self.build(number, row, staff, units)
            rejects += row_rejects
            if values is not None:
                built[int(raw)] = values
        existing = _legacy_map(self.table, built)
        objects = self.model.objects.in_bulk(list(existing.values()))
        create, update, unchanged = [], [], 0
        for legacy, values in built.items():
            obj = objects.get(existing.get(legacy, -1))
            if obj is None:
                create.append((legacy, self.model(**values)))
                continue
            if all(getattr(obj, k) == v for k, v in values.items()):
                unchanged += 1
                continue
            for k, v in values.items():
                setattr(obj, k, v)
            update.append(obj)
        with _keep_times(self.model):  # the old system's times, not now
            # bulk_create sets each object's pk (PostgreSQL and SQLite both return them).
            self.model.objects.bulk_create([o for _l, o in create], batch_size=1000)
            for obj in update:
                obj.save(update_fields=list(built_fields(self.fields)))
        LegacyRecord.objects.bulk_create(
            [
                LegacyRecord(table=self.table, legacy_id=legacy, object_id=o.pk)
                for legacy, o in create
            ]
        )
        return {"new": len(create), "changed": len(update), "unchanged": unchanged}, rejects

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        ids = [
            int(raw)
            for number, row in chunk
            if number not in rejected and (raw := self.get(row, self.id_key)).isdigit()
        ]
        found = 0
        for start in range(0, len(ids), 5000):  # SQLite: a bounded number of parameters
            objects = LegacyRecord.objects.filter(
                table=self.table, legacy_id__in=ids[start : start + 5000]
            ).values_list("object_id", flat=True)
            found += self.model.objects.filter(pk__in=list(objects)).count()
        return found

    def table_rows(self) -> int | None:
        return int(self.model.objects.count())

    staff_key = "staff"


def _when(raw: str, column: str, number: int, rejects: list[Reject]) -> dt.datetime | None:
    try:
        return _timestamp(raw)
    except ValueError as exc:
        rejects.append(Reject(number, column, raw, str(exc), code="datetime_invalid"))
        return None


class TicketsHandler(_RecordsHandler):
    table = "tickets"
    spec = TICKET_COLUMNS
    model = Ticket
    id_key = "ticket_id"
    staff_key = "reporter"
    fields = [
        "unit_id",
        "reported_by_id",
        "type",
        "description",
        "status",
        "created_at",
        "updated_at",
        "decided_at",
        "decision_reason",
    ]

    def build(self, number, row, staff, units):  # type: ignore[no-untyped-def,override]
        rejects: list[Reject] = []
        get = self.get
        reporter = staff.get(_lenient_int(get(row, "reporter")))
        if reporter is None:
            rejects.append(
                Reject(
                    number,
                    self.header("reporter"),
                    get(row, "reporter"),
                    "no such staff member was imported",
                    code="staff_unknown",
                )
            )
        unit = units.get(get(row, "survey_id"))
        if unit is None:
            rejects.append(
                Reject(
                    number,
                    self.header("survey_id"),
                    get(row, "survey_id"),
                    "no unit with this survey id",
                    code="unit_unknown",
                )
            )
        raw_type = get(row, "type")
        kind = TICKET_TYPES.get(raw_type.lower())
        if kind is None:
            kind = TicketType.OTHER
            if raw_type:
                rejects.append(
                    Reject(
                        number,
                        self.header("type"),
                        raw_type,
                        "unknown type; imported as Other",
                        False,
                        code="ticket_type_unknown",
                    )
                )
        status = get(row, "status").upper()
        if status not in TicketStatus.values:
            rejects.append(
                Reject(
                    number,
                    "status",
                    status,
                    "status must be PENDING, APPROVED or REJECTED",
                    code="status_invalid",
                )
            )
        created = _when(get(row, "created_at"), "created_at", number, rejects)
        if created is None and not any(r.column == "created_at" for r in rejects):
            rejects.append(
                Reject(number, "created_at", "", "created_at is missing", code="missing_value")
            )
        resolved = _when(get(row, "resolved_at"), "resolved_at", number, rejects)
        if [r for r in rejects if r.rejected]:
            return None, rejects  # type: ignore[return-value]
        decided = None
        if status != TicketStatus.PENDING:
            decided = resolved or created
            if resolved is None:
                rejects.append(
                    Reject(
                        number,
                        "resolved_at",
                        "",
                        "decided without a time; the created time is used",
                        False,
                        code="resolved_at_missing",
                    )
                )
        description = get(row, "description")
        values = {
            "unit_id": unit,
            "reported_by_id": reporter,
            "type": int(kind),
            "description": (description or raw_type)[:2000],
            "status": status,
            "created_at": created,
            "updated_at": decided or created,
            "decided_at": decided,
            "decision_reason": get(row, "note")[:2000] if decided else "",
        }
        return values, rejects  # type: ignore[return-value]


class VisitsHandler(_RecordsHandler):
    table = "compliance_visits"
    spec = VISIT_COLUMNS
    model = ComplianceVisit
    id_key = "visit_id"
    fields = [
        "staff_id",
        "unit_id",
        "visited_at",
        "created_at",
        "outcome",
        "notes",
        "lat",
        "lon",
        "photo_key",
        "status",
        "decided_at",
    ]

    def build(self, number, row, staff, units):  # type: ignore[no-untyped-def,override]
        rejects: list[Reject] = []
        get = self.get
        agent = staff.get(_lenient_int(get(row, "staff")))
        if agent is None:
            rejects.append(
                Reject(
                    number,
                    "staff_id",
                    get(row, "staff"),
                    "no such staff member was imported",
                    code="staff_unknown",
                )
            )
        unit = units.get(get(row, "survey_id"))
        if unit is None:
            rejects.append(
                Reject(
                    number,
                    self.header("survey_id"),
                    get(row, "survey_id"),
                    "no unit with this survey id",
                    code="unit_unknown",
                )
            )
        outcome = OUTCOMES.get(get(row, "outcome").lower())
        if outcome is None:
            rejects.append(
                Reject(
                    number,
                    self.header("outcome"),
                    get(row, "outcome"),
                    "unknown outcome",
                    code="outcome_unknown",
                )
            )
        day = None
        try:
            day = parsers.date(get(row, "visit_date"))
        except ValueError as exc:
            rejects.append(
                Reject(number, "visit_date", get(row, "visit_date"), str(exc), code="date_invalid")
            )
        created = _when(get(row, "created_at"), "created_at", number, rejects)
        coords: list[float | None] = []
        for key, column, limit in (("lat", "gps_lat", 90), ("lon", "gps_long", 180)):
            raw = get(row, key)
            try:
                value = float(raw) if raw else None
                if value is not None and not -limit <= value <= limit:
                    raise ValueError
                coords.append(value)
            except ValueError:
                rejects.append(
                    Reject(
                        number,
                        self.header(key) if key in self.columns else column,
                        raw,
                        "not a GPS coordinate; left blank",
                        False,
                        code="gps_left_blank",
                    )
                )
                coords.append(None)
        if [r for r in rejects if r.rejected] or day is None:
            return None, rejects  # type: ignore[return-value]
        if created is not None and created.astimezone(PKT).date() == day:
            visited = created
        else:
            visited = dt.datetime.combine(day, dt.time(12, 0), tzinfo=PKT)
        drive = get(row, "drive_id")
        photo = ""
        if drive:
            if photo_ref_acceptable(drive):
                photo = drive
            else:
                rejects.append(
                    Reject(
                        number,
                        "image_drive_id",
                        drive,
                        "photo missing: not a photo reference in this storage (PHOTO_STORAGE)",
                        False,
                        code="photo_missing",
                    )
                )
        values = {
            "staff_id": agent,
            "unit_id": unit,
            "visited_at": visited,
            "created_at": created or visited,
            "outcome": int(outcome),  # type: ignore[arg-type]
            "notes": get(row, "remarks")[:2000],
            "lat": coords[0],
            "lon": coords[1],
            "photo_key": photo,
            "status": VisitStatus.APPROVED,
            "decided_at": created or visited,
        }
        return values, rejects  # type: ignore[return-value]


class BillsHandler(Handler):
    table = "bills"
    spec = BILL_COLUMNS
    stage_columns = [
        "row_no",
        "survey_id",
        "psid",
        "month",
        "arrears",
        "paid_amount",
        "paid_on",
        "monthly_fee",
        "channel",
    ]
    money = ("monthly_fee", "arrears", "paid_amount", "paid_on", "channel")

    def __init__(self, job: LegacyImport) -> None:
        super().__init__(job)
        cast = "CAST('' AS varchar(20))" if _is_pg() else "''"
        self.stage = Stage(
            "legacy_stage_bills",
            f"SELECT 0 AS row_no, {cast} AS survey_id, psid, month, arrears, paid_amount,"
            " paid_on, monthly_fee, channel, unit_id FROM billing_bill",
            self.stage_columns,
        )
        self.rejected_months: dict[str, list[int]] = {}
        self.keys: Stage | None = None

    def observe(self, chunk: list[tuple[int, list[str]]]) -> None:
        months = self.job.result.months
        c = self.columns
        i_month, i_fee, i_arr, i_paid = c["month"], c["fee"], c["arrears"], c.get("paid_amount")
        for _n, row in chunk:
            key = _month_key(_cell(row, i_month))
            check = months.get(key)
            if check is None:
                check = months[key] = MonthCheck(key)
            s = check.source
            s[0] += 1
            s[1] += _lenient_int(_cell(row, i_fee))
            s[2] += _lenient_int(_cell(row, i_arr))
            s[3] += _lenient_int(_cell(row, i_paid))

    def _parse(self, number: int, row: list[str], rejects: list[Reject]) -> tuple[Any, ...] | None:
        get = self.get

        def bad(key: str, value: str, reason: str, code: str, **params: Any) -> Any:
            rejects.append(
                Reject(number, self.header(key), value, reason, code=code, params=params)
            )
            return None

        try:
            psid = parsers.psid(get(row, "psid"))
        except ValueError as exc:
            return bad("psid", get(row, "psid"), str(exc), "psid_invalid")
        try:
            month = parsers.month(get(row, "month"))
        except ValueError as exc:
            return bad("month", get(row, "month"), str(exc), "month_invalid")
        survey_id = get(row, "survey_id")
        if not survey_id:
            return bad("survey_id", "", "survey id is missing", "missing_value")
        amounts = []
        for key, default, maximum, name in (
            ("fee", "", MAX_FEE, "monthly fee"),
            ("arrears", "0", MAX_AMOUNT, "arrears"),
            ("paid_amount", "0", MAX_AMOUNT, "paid amount"),
        ):
            raw = get(row, key)
            try:
                amounts.append(parsers.integer(raw or default, maximum=maximum, name=name))
            except ValueError as exc:
                return bad(key, raw, str(exc), "amount_invalid")
        fee, arrears, paid = amounts
        due = get(row, "amount_due")
        if due and _lenient_int(due) != fee + arrears:
            return bad(
                "amount_due",
                due,
                f"is not monthly fee + arrears ({fee + arrears})",
                "amount_due_mismatch",
                expected=fee + arrears,
            )
        paid_on = None
        raw_date = get(row, "paid_on")
        if paid:
            if not raw_date:
                return bad("paid_on", "", "a paid bill needs a paid date", "paid_date_missing")
            try:
                paid_on = parsers.date(raw_date)
            except ValueError as exc:
                return bad("paid_on", raw_date, str(exc), "date_invalid")
        elif raw_date:
            rejects.append(
                Reject(
                    number,
                    self.header("paid_on"),
                    raw_date,
                    "nothing was paid; the date is left out",
                    False,
                    code="paid_date_dropped",
                )
            )
        channel = PaymentChannel.OTHER if paid else PaymentChannel.NONE
        return (number, survey_id, psid, month, arrears, paid, paid_on, fee, int(channel))

    def write(self, chunk: list[tuple[int, list[str]]]) -> tuple[dict[str, Any], list[Reject]]:
        rejects: list[Reject] = []
        rows: list[tuple[Any, ...]] = []
        psids: set[int] = set()
        unit_months: set[tuple[str, dt.date]] = set()
        for number, row in chunk:
            parsed = self._parse(number, row, rejects)
            if parsed is None:
                continue
            if parsed[2] in psids:
                rejects.append(
                    Reject(
                        number,
                        self.header("psid"),
                        str(parsed[2]),
                        "appears again in the table",
                        code="duplicate_in_source",
                    )
                )
                continue
            if (parsed[1], parsed[3]) in unit_months:
                rejects.append(
                    Reject(
                        number,
                        self.header("month"),
                        get_month(parsed[3]),
                        "a second bill for this unit and month",
                        code="unit_month_duplicate",
                    )
                )
                continue
            psids.add(parsed[2])
            unit_months.add((parsed[1], parsed[3]))
            rows.append(parsed)
        pg = _is_pg()
        self.stage.load(rows if pg else [tuple(_sqlite_value(v) for v in r) for r in rows])
        counts, more = self._write_sql(len(rows))
        rejects += more
        bad_rows = {r.row for r in rejects if r.rejected}
        months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        c = self.columns
        for number, row in chunk:
            if number in bad_rows:
                m = months[_month_key(_cell(row, c["month"]))]
                m[0] += 1
                m[1] += _lenient_int(_cell(row, c["fee"]))
                m[2] += _lenient_int(_cell(row, c["arrears"]))
                m[3] += _lenient_int(_cell(row, c.get("paid_amount")))
        counts["rejected_months"] = dict(months)
        return counts, rejects

    def _write_sql(self, staged: int) -> tuple[dict[str, Any], list[Reject]]:
        """Check the staged rows against the database, drop the bad ones, upsert the rest."""
        s, ne = self.stage.name, _ne()
        rejects: list[Reject] = []
        bad: set[int] = set()
        differs = " OR ".join(f"b.{f} {ne} s.{f}" for f in self.money)
        with connection.cursor() as cur:
            _index_joins(cur)
            cur.execute(
                f"UPDATE {s} SET unit_id = u.id FROM units_surveyunit u"
                f" WHERE u.survey_id = {s}.survey_id"
            )
            cur.execute(f"SELECT row_no, survey_id FROM {s} WHERE unit_id IS NULL")
            for row_no, survey_id in cur.fetchall():
                bad.add(row_no)
                rejects.append(
                    Reject(
                        row_no,
                        self.header("survey_id"),
                        survey_id,
                        "no unit with this survey id",
                        code="unit_unknown",
                    )
                )
            # One pass over the PSIDs already in the database: another bill's, or this one
            # (changed or not). A first import finds none.
            cur.execute(
                "SELECT s.row_no, s.psid, CAST(b.month AS varchar(20)),"
                " CASE WHEN b.unit_id = s.unit_id AND b.month = s.month THEN 1 ELSE 0 END,"
                f" CASE WHEN {differs} THEN 1 ELSE 0 END"
                f" FROM {s} s JOIN billing_bill b ON b.psid = s.psid"
                " WHERE s.unit_id IS NOT NULL"
            )
            existing = changed = 0
            for row_no, psid, month, same_bill, differ in cur.fetchall():
                if not same_bill:
                    bad.add(row_no)
                    rejects.append(
                        Reject(
                            row_no,
                            self.header("psid"),
                            str(psid),
                            f"this PSID is already another unit's or month's bill ({month})",
                            code="psid_taken",
                            params={"month": str(month)[:7]},
                        )
                    )
                    continue
                existing += 1
                changed += 1 if differ else 0
            cur.execute(
                "SELECT s.row_no, CAST(s.month AS varchar(20)), b.psid"
                f" FROM {s} s JOIN billing_bill b ON b.unit_id = s.unit_id AND b.month = s.month"
                " WHERE b.psid <> s.psid"
            )
            for row_no, month, psid in cur.fetchall():
                if row_no not in bad:
                    bad.add(row_no)
                    rejects.append(
                        Reject(
                            row_no,
                            self.header("month"),
                            str(month)[:10],
                            f"the unit already has a bill for this month (PSID {psid})",
                            code="unit_month_taken",
                            params={"psid": str(psid)},
                        )
                    )
            if bad:
                numbers = ", ".join(str(int(n)) for n in sorted(bad))
                cur.execute(f"DELETE FROM {s} WHERE row_no IN ({numbers})")
            cols = "psid, unit_id, month, arrears, paid_amount, paid_on, monthly_fee, channel"
            sets = ", ".join(f"{f} = excluded.{f}" for f in self.money)
            where = " OR ".join(f"billing_bill.{f} {ne} excluded.{f}" for f in self.money)
            cur.execute(
                f"INSERT INTO billing_bill ({cols}) SELECT {cols} FROM {s} WHERE 1 = 1"
                f" ON CONFLICT (psid) DO UPDATE SET {sets} WHERE {where}"
            )
        new = staged - len(bad) - existing
        return {"new": new, "changed": changed, "unchanged": existing - changed}, rejects

    def check(self, chunk: list[tuple[int, list[str]]], rejected: set[int]) -> int | None:
        """The bills of the chunk's accepted rows, found by PSID: their count, and per month
        their count and sums of fee, arrears and paid amount (the month check's database side:
        bills that are not this source's are not counted)."""
        index = self.columns["psid"]
        keys = []
        for number, row in chunk:
            if number not in rejected:
                with contextlib.suppress(ValueError):  # a bad PSID is a rejected row
                    keys.append((parsers.psid(_cell(row, index)),))
        if self.keys is None:
            self.keys = Stage("legacy_verify_bills", "SELECT psid FROM billing_bill", ["psid"])
        with transaction.atomic(), connection.cursor() as cur:
            self.keys.load(keys)
            _index_joins(cur)
            cur.execute(
                "SELECT b.month, COUNT(*), SUM(b.monthly_fee), SUM(b.arrears), SUM(b.paid_amount)"
                f" FROM {self.keys.name} k JOIN billing_bill b ON b.psid = k.psid GROUP BY b.month"
            )
            found = 0
            months = self.job.result.months
            for month, *figures in cur.fetchall():
                key = _date_key(month)
                check = months.setdefault(key, MonthCheck(key))
                check.database = [
                    a + int(b or 0) for a, b in zip(check.database, figures, strict=True)
                ]
                found += int(figures[0])
        return found

    def finish(self) -> None:
        self.stage.drop()
        if self.keys is not None:
            self.keys.drop()

    def table_rows(self) -> int | None:
        return Bill.objects.count()


def get_month(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def _date_key(month: Any) -> str:
    """A bill month from the database (a date; text on SQLite) as "2025-11"."""
    if isinstance(month, str):
        month = dt.date.fromisoformat(month[:10])
    return str(month.strftime("%Y-%m"))


HANDLERS: dict[str, type[Handler]] = {
    "unique_locations": LocationsHandler,
    "survey_units": UnitsHandler,
    "staff": StaffHandler,
    "bills": BillsHandler,
    "tickets": TicketsHandler,
    "compliance_visits": VisitsHandler,
}


# --- the run ----------------------------------------------------------------------------------


class LegacyImport:
    def __init__(
        self,
        source: Source,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        verify_only: bool = False,
        progress: bool = True,
        out: Any = None,
        on_chunk: Callable[[str, int], None] | None = None,
        unusable_passwords: bool = False,
        language: str = "en",
        ledger_check: bool = False,
    ) -> None:
        self.source = source
        self.unusable_passwords = unusable_passwords
        # Of the messages and the error report only: the rows are always read in English
        # (the old system's choice labels, e.g. "Small", are matched in English).
        self.language = language
        self.ledger_check = ledger_check
        self.chunk_size = chunk_size
        self.verify_only = verify_only
        self.progress = progress
        self.out = out or sys.stdout
        self.on_chunk = on_chunk  # tests: called inside each chunk's transaction
        self.result = Result()

    def say(self, message: str, **params: Any) -> None:
        """Print a message (a msgid) in the run's language."""
        self.out.write(translate(self.language, message, **params) + "\n")

    def run(self) -> Result:
        for table in REQUIRED_TABLES:
            if not self.source.has(table):
                raise LegacyImportError(
                    translate(
                        self.language,
                        "%(source)s has no %(table)s table",
                        source=self.source.label,
                        table=table,
                    )
                )
        for table in TABLES:
            report = self.result.tables[table] = TableReport(table)
            if not self.source.has(table):
                report.missing = True
                self.say("%(table)s: not in the source; skipped", table=table)
                continue
            self._table(table, report)
        if not self.verify_only:
            self._refresh_stats()
        self._verify()
        if self.ledger_check:
            self._ledger_check()
        if not self.verify_only:
            self._record_batch()
        return self.result

    def _ledger_check(self) -> None:
        """The money issue's ledger check over the whole database (the arrears chain with the
        adjustments, and every summary against a recount), stored as a run the dashboard shows;
        with --verify-only only read. For information: the old system's own corrections break
        the chain too."""
        started = time.monotonic()
        result = verify() if self.verify_only else ledger_check_run()[1]
        with translation.override(self.language):
            labels = {str(k.value): str(k.label) for k in DiscrepancyKind}
        self.result.ledger = {labels.get(k, k): v for k, v in sorted(result.by_kind.items())}
        self.say(
            "ledger check: %(n)s discrepancies (%(seconds)s s)",
            n=f"{result.total:,}",
            seconds=f"{time.monotonic() - started:.1f}",
        )

    def _table(self, table: str, report: TableReport) -> None:
        from tqdm import tqdm

        started = time.monotonic()
        handler = HANDLERS[table](self)
        size = min(self.chunk_size, handler.max_chunk)
        # The chunk size is part of it: chunk n holds other rows with another size.
        fingerprint = f"{self.source.fingerprint(table)}/{size}"
        key = self.source.key
        stale = LegacyChunk.objects.filter(source=key, table=table).exclude(fingerprint=fingerprint)
        if stale.exists() and not self.verify_only:
            # The table changed since it was last read: read it again from the start (the
            # writes are upserts, so what is already in the database is matched, not doubled).
            self.say(
                "%(table)s: the source changed since the last run; reading it again", table=table
            )
            stale.delete()
            LegacyReject.objects.filter(source=key, table=table).delete()
        done = {
            c.chunk: c.counts
            for c in LegacyChunk.objects.filter(source=key, table=table, fingerprint=fingerprint)
        }
        bar = tqdm(
            total=self.source.estimate(table),
            desc=f"{table:>17}",
            unit=" rows",
            unit_scale=True,
            file=sys.stderr,
            disable=not self.progress,
            mininterval=1.0,
        )
        try:
            with self.source.open(table) as (headers, rows):
                handler.start(headers)
                for number in itertools.count():
                    chunk = list(itertools.islice(rows, size))
                    if not chunk:
                        break
                    handler.observe(chunk)
                    counts = done.get(number)
                    if counts is None and self.verify_only:
                        counts = {"read": len(chunk), "not_imported": len(chunk)}
                    if counts is not None:
                        if hasattr(handler, "skip"):
                            handler.skip(chunk)
                        report.chunks_skipped += 1
                        rejected = set(
                            LegacyReject.objects.filter(
                                source=key, table=table, chunk=number, rejected=True
                            ).values_list("row", flat=True)
                        )
                    else:
                        counts, rejected = self._chunk(handler, number, chunk, fingerprint)
                        report.chunks_done += 1
                    self._add(report, counts)
                    found = handler.check(chunk, rejected)
                    if found is not None:
                        report.in_database = (report.in_database or 0) + found
                    bar.update(len(chunk))
        finally:
            bar.close()
            handler.finish()
        total = handler.table_rows()
        if total is not None:
            report.in_database = report.in_database or 0
            report.others = total - report.in_database
        report.seconds = time.monotonic() - started
        rate = report.read / report.seconds if report.seconds else 0
        self.say(
            "%(table)s: %(read)s read, %(new)s new, %(changed)s changed, %(unchanged)s "
            "unchanged, %(rejected)s rejected (%(skipped)s chunks done before; %(seconds)s s, "
            "%(rate)s rows/s)",
            table=table,
            read=f"{report.read:,}",
            new=f"{report.new:,}",
            changed=f"{report.changed:,}",
            unchanged=f"{report.unchanged:,}",
            rejected=f"{report.rejected:,}",
            skipped=report.chunks_skipped,
            seconds=f"{report.seconds:.1f}",
            rate=f"{rate:,.0f}",
        )

    def _chunk(
        self, handler: Handler, number: int, chunk: list[tuple[int, list[str]]], fingerprint: str
    ) -> tuple[dict[str, Any], set[int]]:
        with transaction.atomic():
            counts, rejects = handler.write(chunk)
            rejected_rows = {r.row for r in rejects if r.rejected}
            counts["read"] = len(chunk)
            counts["rejected"] = len(rejected_rows)
            counts["kept_with_warning"] = len({r.row for r in rejects} - rejected_rows)
            LegacyReject.objects.bulk_create(
                [
                    LegacyReject(
                        source=self.source.key,
                        table=handler.table,
                        chunk=number,
                        row=r.row,
                        column=r.column[:60],
                        value=r.value[:500],
                        reason=r.reason,
                        rejected=r.rejected,
                        code=r.code[:40],
                        params=r.params,
                    )
                    for r in rejects
                ],
                batch_size=2000,
            )
            if self.on_chunk is not None:
                self.on_chunk(handler.table, number)
            LegacyChunk.objects.create(
                source=self.source.key,
                table=handler.table,
                fingerprint=fingerprint,
                chunk=number,
                counts=counts,
            )
            if counts.get("new") or counts.get("changed"):
                self.result.wrote = True
                LegacyChunk.objects.filter(table=STATS_TABLE).delete()
        return counts, rejected_rows

    def _add(self, report: TableReport, counts: dict[str, Any]) -> None:
        report.read += counts.get("read", 0)
        for name in ("new", "changed", "unchanged", "rejected", "kept_with_warning"):
            setattr(report, name, getattr(report, name) + counts.get(name, 0))
        for key, sums in counts.get("rejected_months", {}).items():
            check = self.result.months.setdefault(key, MonthCheck(key))
            check.rejected = [a + b for a, b in zip(check.rejected, sums, strict=True)]

    def _refresh_stats(self) -> None:
        if LegacyChunk.objects.filter(table=STATS_TABLE).exists():
            return
        started = time.monotonic()
        with transaction.atomic():
            stats_refresh(keys=None)
            LegacyChunk.objects.create(
                source="", table=STATS_TABLE, fingerprint="", chunk=0, counts={}
            )
        self.say("summaries rebuilt (%(seconds)s s)", seconds=f"{time.monotonic() - started:.1f}")

    def _verify(self) -> None:
        """The month check's database side was gathered chunk by chunk (this source's bills,
        by PSID); here: the other bills of each month (for information) and the arrears chain."""
        months = self.result.months
        with connection.cursor() as cur:
            cur.execute("SELECT month, COUNT(*) FROM billing_bill GROUP BY month")
            for month, rows in cur.fetchall():
                key = _date_key(month)
                check = months.setdefault(key, MonthCheck(key))
                check.others = int(rows) - check.database[0]
            prev = (
                "p.month + interval '1 month' = b.month"
                if _is_pg()
                else "date(p.month, '+1 month') = b.month"
            )
            cur.execute(
                "SELECT COUNT(*) FROM billing_bill b JOIN billing_bill p"
                f" ON p.unit_id = b.unit_id AND {prev}"
                " WHERE b.arrears <> CASE WHEN p.monthly_fee + p.arrears - p.paid_amount < 0"
                " THEN 0 ELSE p.monthly_fee + p.arrears - p.paid_amount END"
            )
            row = cur.fetchone()
            self.result.arrears_breaks = int(row[0]) if row else 0

    def _record_batch(self) -> None:
        r = self.result
        rejects = LegacyReject.objects.filter(source=self.source.key).order_by(
            "table", "chunk", "row", "id"
        )
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.LEGACY,
            status=ImportBatch.Status.DONE if r.verified else ImportBatch.Status.FAILED,
            file_name=self.source.label[:255],
            finished_at=timezone.now(),
            counts=self.summary(),
            message=""
            if r.verified
            else translate(self.language, "verification found differences"),
        )
        if rejects.exists():
            key = f"imports/{batch.pk}/legacy-errors.csv"
            batch.error_report_key = default_storage.save(
                key, ContentFile(errors_csv(rejects, self.language))
            )
            batch.save(update_fields=["error_report_key"])
            r.error_report = batch.error_report_key
        r.batch_id = batch.pk
        audit_record(
            actor=None,
            action="legacy.import",
            object_type="import_batch",
            object_id=batch.pk,
            changes={"source": self.source.label, "verified": r.verified, "wrote": r.wrote},
        )

    def summary(self) -> dict[str, Any]:
        r = self.result
        return {
            "tables": {
                name: {
                    k: getattr(t, k)
                    for k in (
                        "read",
                        "new",
                        "changed",
                        "unchanged",
                        "rejected",
                        "kept_with_warning",
                        "in_database",
                        "others",
                        "missing",
                    )
                }
                for name, t in r.tables.items()
            },
            "months": {
                k: {
                    "source": m.source,
                    "rejected": m.rejected,
                    "database": m.database,
                    "others": m.others,
                    "ok": m.ok,
                }
                for k, m in sorted(r.months.items())
            },
            "arrears_breaks": r.arrears_breaks,
            "ledger": r.ledger,
            "verified": r.verified,
            "new": sum(t.new for t in r.tables.values()),
            "changed": sum(t.changed for t in r.tables.values()),
            "unchanged": sum(t.unchanged for t in r.tables.values()),
            "rejected": r.rejected,
        }


def translate(language: str, message: str, **params: Any) -> str:
    """A msgid in ``language``, filled in with ``params``."""
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


def errors_csv(
    rejects: Iterable[LegacyReject], language: str = "en", *, max_rows: int | None = None
) -> bytes:
    """The error report: table, row, column, value, code, reason and whether the row was left
    out — the first ``IMPORT_ERROR_REPORT_MAX_ROWS`` problems, then the counts per reason of the
    rest. The header and the codes stay as they are in every language (a spreadsheet or a
    script can rely on them); the reason and yes/no are in ``language``."""
    if max_rows is None:
        max_rows = int(
            getattr(settings, "IMPORT_ERROR_REPORT_MAX_ROWS", parsers.ERROR_REPORT_MAX_ROWS)
        )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(["table", "row", "column", "value", "code", "reason", "rejected"])
    yes = translate(language, "yes")
    kept = translate(language, "no (kept)")
    left_out: Counter[str] = Counter()
    for listed, e in enumerate(rejects.iterator() if hasattr(rejects, "iterator") else rejects):
        if listed >= max_rows:
            left_out[e.reason] += 1
            continue
        reason = localised_reason(language, e.code, e.column, e.value, e.params, e.reason)
        writer.writerow(
            [
                e.table,
                e.row,
                parsers.neutralise(e.column),
                parsers.neutralise(e.value),
                e.code,
                parsers.neutralise(reason),
                yes if e.rejected else kept,
            ]
        )
    if left_out:
        line = parsers.neutralise(parsers.left_out_line(left_out))
        writer.writerow(["", "", "", "", "", line, ""])
    return buffer.getvalue().encode("utf-8")


__all__ = ["LegacyImport", "LegacyImportError", "Result", "errors_csv", "RowError"]
