"""Generate realistic demo and benchmark data: units, bills with payment behaviour and arrears.

Small runs use the ORM's bulk_create; on PostgreSQL everything is written with COPY, so
300 k units × 12 months (3.6 M bills) takes a few minutes on a 2-core machine.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from suthra.billing.models import Bill, BillStatus, PaymentChannel
from suthra.demo import data
from suthra.imports.models import ImportBatch
from suthra.locations.models import City, UnionCouncil
from suthra.stats.services import stats_refresh
from suthra.units.models import (
    BusinessType,
    HouseType,
    SizeCategory,
    SurveyUnit,
    Tariff,
    WaterConnection,
)

PKT = ZoneInfo("Asia/Karachi")
PSID_BASE = 10_000_000_000_000_000  # 17 digits
# Payment behaviour classes: probability of paying a given month in full / in part.
BEHAVIOUR = [  # (share of units, p_full, p_partial)
    (0.55, 0.92, 0.03),  # reliable payers
    (0.30, 0.45, 0.15),  # sometimes
    (0.15, 0.03, 0.02),  # almost never
]
PAID_CHANNELS = [
    PaymentChannel.BANK_COUNTER,
    PaymentChannel.BANK_COUNTER,
    PaymentChannel.ATM,
    PaymentChannel.INTERNET_BANKING,
    PaymentChannel.MOBILE_BANKING,
    PaymentChannel.JAZZCASH,
    PaymentChannel.EASYPAISA,
    PaymentChannel.CASH_FIELD,
]


@dataclass
class Result:
    units: int = 0
    bills: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def current_month() -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year, today.month, 1)


def psid_for(month: dt.date, unit_id: int) -> int:
    # Unique per (month, unit): 17 digits, month-ordinal in the middle like e-Pay's batches.
    return PSID_BASE + ((month.year * 12 + month.month) % 100_000) * 10_000_000 + unit_id


def ensure_reference_data() -> tuple[list[UnionCouncil], dict[str, BusinessType], dict]:
    for name, (lat, lon, name_ur, uc_names) in data.CITIES.items():
        city, _ = City.objects.get_or_create(
            name=name, defaults={"lat": lat, "lon": lon, "name_ur": name_ur}
        )
        for i, uc_name in enumerate(uc_names):
            UnionCouncil.objects.get_or_create(
                city=city,
                name=uc_name,
                defaults={"type": UnionCouncil.Type.URBAN if i % 3 else UnionCouncil.Type.RURAL},
            )
    types: dict[str, BusinessType] = {}
    fees: dict[tuple[int, int], int] = {}
    for name, (name_ur, small, medium, large) in data.BUSINESSES.items():
        bt, _ = BusinessType.objects.get_or_create(name=name, defaults={"name_ur": name_ur})
        types[name] = bt
        for category, fee in (
            (SizeCategory.SMALL, small),
            (SizeCategory.MEDIUM, medium),
            (SizeCategory.LARGE, large),
        ):
            tariff, _ = Tariff.objects.get_or_create(
                business_type=bt, category=category, defaults={"monthly_fee": fee}
            )
            fees[(bt.id, int(category))] = tariff.monthly_fee
    ucs: list[UnionCouncil] = list(UnionCouncil.objects.select_related("city").order_by("id"))
    return ucs, types, fees


def _name(rng: random.Random) -> str:
    if rng.random() < 0.1:  # some names are written in Urdu script
        return f"{rng.choice(data.URDU_FIRST)} {rng.choice(data.URDU_LAST)}"
    return f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"


def _units(
    n: int,
    start_id: int,
    rng: random.Random,
    ucs: list[UnionCouncil],
    types: dict[str, BusinessType],
) -> Iterator[SurveyUnit]:
    type_list = list(types.values())
    now = timezone.now()
    for i in range(n):
        uid = start_id + i
        uc = ucs[rng.randrange(len(ucs))]
        city = uc.city
        category = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        name = _name(rng)
        changed = rng.random() < 0.08  # billing details differ from the survey for a few units
        mobile = f"03{rng.randint(0, 4)}{rng.randint(0, 9)}{rng.randint(0, 9_999_999):07d}"
        address = (
            f"Shop {rng.randint(1, 400)}, Street {rng.randint(1, 60)}, {uc.name[3:]}, {city.name}"
        )
        yield SurveyUnit(
            id=uid,
            survey_id=f"SP-{city.name[:3].upper()}-{uid:07d}",
            uc_id=uc.id,
            surveyor_name=rng.choice(data.SURVEYORS),
            surveyed_at=now
            - dt.timedelta(days=rng.randint(400, 900), minutes=rng.randint(0, 1440)),
            business_type_id=rng.choice(type_list).id,
            category=category,
            consumer_name=name,
            billing_name=_name(rng) if changed else "",
            mobile=mobile,
            billing_mobile="",
            address=address,
            billing_address="",
            house_type=rng.choice(
                [HouseType.SHOP, HouseType.PLAZA, HouseType.SHED, HouseType.HOUSE, HouseType.KIOSK]
            ),
            water_connection=rng.choice(
                [
                    WaterConnection.YES,
                    WaterConnection.NO,
                    WaterConnection.WASA,
                    WaterConnection.PRIVATE_BORE,
                ]
            ),
            size_marla=Decimal(rng.choice([2, 3, 5, 7, 10, 20]) * category),
            lat=round((city.lat or 31.5) + rng.uniform(-0.08, 0.08), 6),
            lon=round((city.lon or 74.3) + rng.uniform(-0.08, 0.08), 6),
            photo_ref=f"legacy/{uid:07d}.jpg",
            is_active=rng.random() > 0.05,
        )


def _bills_for_unit(
    unit_id: int,
    fee: int,
    active: bool,
    months: list[dt.date],
    batch_id: int,
    rng: random.Random,
    last_month: dt.date,
) -> Iterator[tuple]:
    r = rng.random()
    acc = 0.0
    p_full, p_partial = BEHAVIOUR[-1][1:]
    for share, full, partial in BEHAVIOUR:
        acc += share
        if r < acc:
            p_full, p_partial = full, partial
            break
    # Inactive units stopped being billed at some point.
    stop = len(months) if active else rng.randint(1, len(months))
    arrears = 0
    for month in months[:stop]:
        due = fee + arrears
        x = rng.random()
        if month == last_month:  # this month's bills are only partly paid so far
            x = x / 0.6 if x < 0.6 else 1.0
        if x < p_full:
            paid = due
        elif x < p_full + p_partial:
            paid = max(1, due // rng.choice([2, 3, 4]))
        else:
            paid = 0
        if paid:
            status = BillStatus.PAID if paid >= due else BillStatus.PARTIAL
            paid_on = month + dt.timedelta(days=rng.randint(2, 25))
            channel = rng.choice(PAID_CHANNELS)
        else:
            status, paid_on, channel = BillStatus.UNPAID, None, PaymentChannel.NONE
        yield (
            psid_for(month, unit_id),
            unit_id,
            month,
            fee,
            arrears,
            paid,
            paid_on,
            status,
            channel,
            batch_id,
        )
        arrears = due - paid


BILL_COLUMNS = [
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
UNIT_COLUMNS = [
    "id",
    "survey_id",
    "uc_id",
    "surveyor_name",
    "surveyed_at",
    "business_type_id",
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


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy(table: str, columns: list[str], rows: Iterator[tuple], chunk: int = 50_000) -> int:
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            buf = io.StringIO()
            for row in rows:
                buf.write("\t".join(_copy_text(v) for v in row))
                buf.write("\n")
                count += 1
                if count % chunk == 0:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
    return count


def generate(
    *,
    units: int,
    months: int,
    seed: int = 42,
    end_month: dt.date | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> Result:
    """Add ``units`` units with ``months`` monthly bills each, ending at ``end_month``."""
    started = time.monotonic()
    result = Result()
    rng = random.Random(seed)
    end = end_month or current_month()
    month_list = [month_add(end, -i) for i in range(months - 1, -1, -1)]
    postgres = connection.vendor == "postgresql"

    with transaction.atomic():
        ucs, types, fees = ensure_reference_data()
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.GENERATED,
            status=ImportBatch.Status.DONE,
            file_name=f"generate_data --units {units} --months {months} --seed {seed}",
            rows_total=units * months,
            rows_done=units * months,
            finished_at=timezone.now(),
        )
        last = SurveyUnit.objects.order_by("-id").values_list("id", flat=True).first() or 0
        start_id = last + 1
        unit_rows = list(_units(units, start_id, rng, ucs, types))
        t = time.monotonic()
        if postgres:
            _copy(
                "units_surveyunit",
                UNIT_COLUMNS,
                (tuple(getattr(u, c) for c in UNIT_COLUMNS) for u in unit_rows),
            )
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [SurveyUnit]):
                    cursor.execute(sql)
        else:
            SurveyUnit.objects.bulk_create(unit_rows, batch_size=2000)
        result.units = len(unit_rows)
        result.timings["units"] = time.monotonic() - t
        progress(f"{result.units} units written in {result.timings['units']:.1f} s")

        def bill_rows() -> Iterator[tuple]:
            for u in unit_rows:
                yield from _bills_for_unit(
                    u.id,
                    fees[(u.business_type_id, u.category)],
                    u.is_active,
                    month_list,
                    batch.id,
                    rng,
                    end,
                )

        t = time.monotonic()
        if postgres:
            result.bills = _copy("billing_bill", BILL_COLUMNS, bill_rows())
        else:
            buffer: list[Bill] = []
            for row in bill_rows():
                buffer.append(Bill(**dict(zip(BILL_COLUMNS, row, strict=True))))
                if len(buffer) >= 5000:
                    Bill.objects.bulk_create(buffer)
                    result.bills += len(buffer)
                    buffer = []
            Bill.objects.bulk_create(buffer)
            result.bills += len(buffer)
        result.timings["bills"] = time.monotonic() - t
        progress(f"{result.bills} bills written in {result.timings['bills']:.1f} s")
        batch.rows_total = batch.rows_done = result.bills
        batch.counts = {"units": result.units, "bills": result.bills}
        batch.save(update_fields=["rows_total", "rows_done", "counts"])

    if postgres:
        t = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE units_surveyunit")
            cursor.execute("ANALYZE billing_bill")
        result.timings["analyze"] = time.monotonic() - t
    # The dashboard reads summaries, not bills: bring them up to date (suthra/stats).
    t = time.monotonic()
    stats_refresh()
    result.timings["stats"] = time.monotonic() - t
    result.seconds = time.monotonic() - started
    return result
