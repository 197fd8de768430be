"""Moving the old Supabase data over: the ``survey_units`` CSV export.

``parse_legacy_units`` is pure (rows → ``UnitRow`` + ``RowError``); ``legacy_units_import``
writes them, creating cities, union councils and business types on the way. It is keyed on
``survey_id`` and idempotent: running it again changes only what differs. It lives in units
(it was ``suthra.billing.legacy``) because units sit below billing: the survey-file import
(``units.importer``) uses it too. Bills use the bill import (kind LEGACY) with the seed's column
names; see ``suthra.billing.importing.LegacyBillImport``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import get_language

from suthra.core.phone import try_normalise_mobile
from suthra.core.photos import photo_ref_acceptable
from suthra.imports import parsers
from suthra.imports.parsers import Column, RowError, Table
from suthra.locations.models import City, UnionCouncil
from suthra.units.models import (
    BusinessType,
    HouseType,
    SizeCategory,
    SurveyUnit,
    WaterConnection,
)

PKT = ZoneInfo("Asia/Karachi")

UNIT_COLUMNS = [
    Column("survey_id", ["survey_id"]),
    Column("surveyor_name", ["surveyor_name", "surveyor"], required=False),
    Column("survey_timestamp", ["survey_timestamp", "surveyed_at"], required=False),
    Column("city", ["city_district", "city", "district", "tehsil"]),
    Column("uc_name", ["uc_name", "uc", "union council"]),
    Column("uc_type", ["uc_type"], required=False),
    Column("photo", ["image_portal_url", "photo", "image"], required=False),
    Column("business_type", ["unit_specific_type", "business type", "business_type"]),
    Column("category", ["survey_category", "category", "size category"]),
    Column("consumer_name", ["survey_consumer_name", "consumer_name", "consumer name"]),
    Column("billing_name", ["billing_consumer_name", "billing_name"], required=False),
    Column("mobile", ["survey_mobile", "mobile"], required=False),
    Column("billing_mobile", ["billing_mobile"], required=False),
    Column("address", ["survey_address", "address"], required=False),
    Column("billing_address", ["billing_address"], required=False),
    Column("house_type", ["house_type"], required=False),
    Column("water_connection", ["water_connection"], required=False),
    Column("size_marla", ["size_marla", "marla"], required=False),
    Column("lat", ["gps_lat", "lat", "latitude"], required=False),
    Column("lon", ["gps_long", "gps_lon", "lon", "lng", "longitude"], required=False),
    Column("gps", ["gps_full_string", "gps"], required=False),
    Column("active", ["is_active_portal", "is_active", "active"], required=False),
]


def normalise_mobile(raw: Any) -> str | None:
    """ "0300-1234567", "+92 300 1234567", "923001234567", "3001234567" → "03001234567".

    Returns "" for blank and None for something that is not a Pakistani mobile number.
    """
    if not parsers.text(raw):
        return ""
    return try_normalise_mobile(parsers.text(raw))


def _labels(enum: Any) -> dict[str, int]:
    """label (lower case, in the active language) → value; rebuilt when the language changes.
    A lazy label costs a translation lookup each time: 300,000 rows × 4 choices add up."""
    key = (enum, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {str(m.label).lower(): int(m) for m in reversed(list(enum))}
    return labels


_LABELS: dict[tuple[Any, str | None], dict[str, int]] = {}


def _choice(enum: Any, raw: Any, default: Any) -> int:
    text = parsers.text(raw).lower()
    if not text:
        return int(default)
    value = _labels(enum).get(text)
    if value is not None:
        return value
    raise ValueError(f"unknown {enum.__name__} '{parsers.text(raw)}'")


@dataclass
class UnitRow:
    row: int
    survey_id: str
    city: str
    uc_name: str
    uc_type: int
    business_type: str
    category: int
    consumer_name: str
    surveyor_name: str = ""
    surveyed_at: dt.datetime | None = None
    billing_name: str = ""
    mobile: str = ""
    billing_mobile: str = ""
    address: str = ""
    billing_address: str = ""
    house_type: int = HouseType.UNKNOWN
    water_connection: int = WaterConnection.UNKNOWN
    size_marla: Decimal | None = None
    lat: float | None = None
    lon: float | None = None
    photo_ref: str = ""
    is_active: bool = True


UNIT_FIELDS = [
    "surveyor_name",
    "surveyed_at",
    "category",
    "consumer_name",
    "billing_name",
    "mobile",
    "billing_mobile",
    "address",
    "billing_address",
    "house_type",
    "water_connection",
    "size_marla",
    "lat",
    "lon",
    "photo_ref",
    "is_active",
]


def _timestamp(raw: Any) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        text = parsers.text(raw)
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("not a date and time (use 2024-04-13 06:02:00)") from exc
    return value if value.tzinfo else value.replace(tzinfo=PKT)


def _float(raw: Any, low: float, high: float, name: str) -> float | None:
    text = parsers.text(raw)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number") from exc
    if not low <= value <= high:
        raise ValueError(f"{name} out of range")
    return value


def parse_legacy_units(table: Table) -> tuple[list[UnitRow], list[RowError]]:
    """Pure: the seed's survey_units rows → ``UnitRow``s and row errors (warnings included)."""
    records: list[UnitRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in table.rows:
        row_errors: list[RowError] = []

        def get(key: str, _values: list[Any] = values) -> Any:
            return table.get(_values, key)

        def err(
            key: str,
            value: Any,
            reason: str,
            _errs: list[RowError] = row_errors,
            _row: int = number,
        ) -> None:
            _errs.append(RowError(_row, key, parsers.text(value), reason))

        survey_id = parsers.text(get("survey_id"))
        if not survey_id or len(survey_id) > 20 or survey_id.startswith(parsers.FORMULA_PREFIXES):
            err("survey_id", survey_id, "survey id is missing, too long or a formula")
        elif survey_id in seen:
            err("survey_id", survey_id, f"appears again (first on row {seen[survey_id]})")
        required = {k: parsers.text(get(k)) for k in ("city", "uc_name", "business_type")}
        for key, value in required.items():
            if not value:
                err(key, value, f"{key.replace('_', ' ')} is missing")
        consumer = parsers.text(get("consumer_name"))
        if not consumer:
            err("consumer_name", consumer, "consumer name is missing")
        unit = UnitRow(
            row=number,
            survey_id=survey_id,
            city=required["city"][:60],
            uc_name=required["uc_name"][:80],
            uc_type=UnionCouncil.Type.URBAN,
            business_type=required["business_type"][:60],
            category=SizeCategory.SMALL,
            consumer_name=consumer[:120],
        )
        for key, attr, reader in (
            ("uc_type", "uc_type", lambda v: _choice(UnionCouncil.Type, v, 1)),
            ("category", "category", lambda v: _choice(SizeCategory, v, 0)),
            ("house_type", "house_type", lambda v: _choice(HouseType, v, 0)),
            ("water_connection", "water_connection", lambda v: _choice(WaterConnection, v, 0)),
            ("survey_timestamp", "surveyed_at", _timestamp),
            ("lat", "lat", lambda v: _float(v, -90, 90, "latitude")),
            ("lon", "lon", lambda v: _float(v, -180, 180, "longitude")),
        ):
            try:
                setattr(unit, attr, reader(get(key)))
            except ValueError as exc:
                err(key, get(key), str(exc))
        if unit.category == 0:
            err("category", get("category"), "size category is missing")
        marla = parsers.text(get("size_marla"))
        if marla:
            try:
                unit.size_marla = Decimal(marla).quantize(Decimal("0.01"))
                if unit.size_marla < 0 or unit.size_marla >= 100_000:
                    raise InvalidOperation
            except InvalidOperation:
                err("size_marla", marla, "size must be a number of marla")
        # gps_full_string is only used when the separate columns are empty.
        if unit.lat is None and unit.lon is None and parsers.text(get("gps")):
            parts = parsers.text(get("gps")).split(",")
            try:
                unit.lat = _float(parts[0], -90, 90, "latitude")
                unit.lon = _float(parts[1], -180, 180, "longitude")
            except (ValueError, IndexError):
                err("gps", get("gps"), "GPS must be 'latitude,longitude'")
        active = parsers.text(get("active")).upper()
        if active and active not in ("TRUE", "FALSE", "1", "0", "YES", "NO", "T", "F"):
            err("active", active, "must be TRUE or FALSE")
        unit.is_active = active not in ("FALSE", "0", "NO", "F")
        unit.surveyor_name = parsers.text(get("surveyor_name"))[:80]
        unit.address = parsers.text(get("address"))[:255]
        unit.photo_ref = parsers.text(get("photo"))[:255]
        # Billing details are stored only where they differ from the survey.
        billing_name = parsers.text(get("billing_name"))[:120]
        unit.billing_name = "" if billing_name == unit.consumer_name else billing_name
        billing_address = parsers.text(get("billing_address"))[:255]
        unit.billing_address = "" if billing_address == unit.address else billing_address
        warnings: list[RowError] = []
        for key in ("mobile", "billing_mobile"):
            mobile = normalise_mobile(get(key))
            if mobile is None:
                warnings.append(
                    RowError(number, key, parsers.text(get(key)), "not a mobile number; left blank")
                )
                mobile = ""
            setattr(unit, key, mobile)
        if unit.billing_mobile == unit.mobile:
            unit.billing_mobile = ""
        if unit.photo_ref and not photo_ref_acceptable(unit.photo_ref):
            # Only a photo's key or a portal link: never another stored file (imports, exports).
            warnings.append(RowError(number, "photo", unit.photo_ref, "not a photo; left blank"))
            unit.photo_ref = ""
        if row_errors:
            errors.extend(row_errors)
            continue
        errors.extend(warnings)
        seen[survey_id] = number
        records.append(unit)
    return records, errors


@transaction.atomic
def legacy_units_import(records: list[UnitRow]) -> dict[str, int]:
    """Create or update units keyed on survey_id (one transaction). Called by the command."""
    cities = {c.name: c for c in City.objects.all()}
    for name in {r.city for r in records} - set(cities):
        cities[name] = City.objects.create(name=name)
    ucs = {(u.city_id, u.name): u for u in UnionCouncil.objects.all()}
    for r in records:
        key = (cities[r.city].pk, r.uc_name)
        if key not in ucs:
            ucs[key] = UnionCouncil.objects.create(
                city=cities[r.city], name=r.uc_name, type=r.uc_type
            )
    types = {b.name: b for b in BusinessType.objects.all()}
    for name in {r.business_type for r in records} - set(types):
        types[name] = BusinessType.objects.create(name=name)
    existing = {
        u.survey_id: u
        for u in SurveyUnit.objects.filter(survey_id__in=[r.survey_id for r in records])
    }
    create: list[SurveyUnit] = []
    update: list[SurveyUnit] = []
    unchanged = 0
    for r in records:
        values: dict[str, Any] = {f: getattr(r, f) for f in UNIT_FIELDS}
        values["uc_id"] = ucs[(cities[r.city].pk, r.uc_name)].pk
        values["business_type_id"] = types[r.business_type].pk
        unit = existing.get(r.survey_id)
        if unit is None:
            create.append(SurveyUnit(survey_id=r.survey_id, **values))
            continue
        if all(getattr(unit, k) == v for k, v in values.items()):
            unchanged += 1
            continue
        for k, v in values.items():
            setattr(unit, k, v)
        update.append(unit)
    SurveyUnit.objects.bulk_create(create, batch_size=2000)
    SurveyUnit.objects.bulk_update(
        update, [*UNIT_FIELDS, "uc_id", "business_type_id"], batch_size=500
    )
    return {"new": len(create), "changed": len(update), "unchanged": unchanged}
