"""Archiving old bills to gzipped CSV files in the default storage, and bringing a month back.

``archive_month`` (1) writes every bill of the month to ``archive/bills-YYYY-MM.csv.gz``, then
(2) in ONE transaction checks the count is unchanged, writes the per-unit and per-UC summary
rows, deletes the month's bills and records an ``ArchivedMonth``. Interrupted before (2)
commits, the bills are all still there (the file is simply written again next time); after,
the month is fully archived. ``restore_month`` reads the file back (checking its SHA-256) and
inserts the bills in one transaction. Both are idempotent. Called by the management commands
``archive_bills`` and ``restore_bills`` (operators only; there is no web page).

The dashboard's summaries (suthra.stats) are left alone when a month is archived — the
figures did not change, only where the detail lives; ``ArchivedUCMonth`` carries the same
per-UC × status totals for reports. Restoring calls ``stats_refresh`` for the restored keys.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from suthra.billing.importing import month_add
from suthra.billing.models import (
    ArchivedMonth,
    ArchivedUCMonth,
    ArchivedUnitMonth,
    Bill,
)
from suthra.imports.models import ImportBatch
from suthra.imports.services import ADVISORY_LOCK_KEY
from suthra.stats.services import stats_refresh

COLUMNS = [
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
CHUNK = 20_000


class ArchiveError(Exception):
    """The archive is not in the expected state; the message says what to do."""


@dataclass
class MonthResult:
    month: dt.date
    bills: int
    file_key: str
    skipped: str = ""


def file_key(month: dt.date) -> str:
    return f"archive/bills-{month:%Y-%m}.csv.gz"


def months_older_than(months: int, *, today: dt.date | None = None) -> list[dt.date]:
    """Bill months that ended more than ``months`` months before the current one."""
    today = today or timezone.localdate()
    cutoff = month_add(today.replace(day=1), -months)
    return sorted(
        Bill.objects.filter(month__lt=cutoff).order_by().values_list("month", flat=True).distinct()
    )


def _rows(month: dt.date) -> Iterator[tuple]:
    qs = Bill.objects.filter(month=month).order_by("psid").values_list(*COLUMNS)
    last = None
    while True:
        page = list((qs.filter(psid__gt=last) if last is not None else qs)[:CHUNK])
        yield from page
        if len(page) < CHUNK:
            return
        last = page[-1][0]


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def archive_month(month: dt.date) -> MonthResult:
    """Move one month's bills into a compressed file; keep summary rows. Idempotent."""
    key = file_key(month)
    digest = hashlib.sha256()
    count = 0
    with tempfile.TemporaryFile() as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(COLUMNS)
            for row in _rows(month):
                writer.writerow(["" if v is None else v for v in row])
                count += 1
            text.flush()
            text.detach()
        if count == 0:
            return MonthResult(month, 0, "", skipped="no bills in this month")
        raw.seek(0)
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
        raw.seek(0)
        if default_storage.exists(key):
            default_storage.delete(key)
        stored = default_storage.save(key, File(raw, name=key))
    with transaction.atomic():
        _lock()
        now = Bill.objects.filter(month=month).count()
        if now != count:
            raise ArchiveError(
                f"{month:%b-%Y}: bills changed while archiving ({count} written, {now} now); "
                "run the command again."
            )
        ArchivedUnitMonth.objects.filter(month=month).delete()
        ArchivedUCMonth.objects.filter(month=month).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO billing_archivedunitmonth"
                " (unit_id, month, psid, amount_due, paid_amount, status)"
                " SELECT unit_id, month, psid, monthly_fee + arrears, paid_amount, status"
                " FROM billing_bill WHERE month = %s",
                [month],
            )
            cursor.execute(
                "INSERT INTO billing_archiveducmonth"
                " (uc_id, month, status, bills, total_fee, total_due, total_paid)"
                " SELECT u.uc_id, b.month, b.status, COUNT(*), SUM(b.monthly_fee),"
                " SUM(b.monthly_fee + b.arrears), SUM(b.paid_amount)"
                " FROM billing_bill b JOIN units_surveyunit u ON u.id = b.unit_id"
                " WHERE b.month = %s GROUP BY u.uc_id, b.month, b.status",
                [month],
            )
            cursor.execute(
                "SELECT COALESCE(SUM(monthly_fee + arrears), 0), COALESCE(SUM(paid_amount), 0)"
                " FROM billing_bill WHERE month = %s",
                [month],
            )
            total_due, total_paid = cursor.fetchone()
            # Raw DELETE: the ORM collector would load every bill to look for relations.
            cursor.execute("DELETE FROM billing_bill WHERE month = %s", [month])
        ArchivedMonth.objects.update_or_create(
            month=month,
            defaults={
                "state": ArchivedMonth.State.ARCHIVED,
                "file_key": stored,
                "sha256": digest.hexdigest(),
                "bills": count,
                "total_due": total_due,
                "total_paid": total_paid,
                "archived_at": timezone.now(),
                "restored_at": None,
            },
        )
    return MonthResult(month, count, stored)


def _parse(value: str, column: str) -> object:
    if value == "":
        return None
    if column in ("month", "paid_on"):
        return dt.date.fromisoformat(value)
    return int(value)


def restore_month(month: dt.date) -> MonthResult:
    """Bring an archived month's bills back from its file. Idempotent."""
    archived = ArchivedMonth.objects.filter(month=month).first()
    if archived is None:
        raise ArchiveError(f"{month:%b-%Y} was never archived.")
    if archived.state == ArchivedMonth.State.RESTORED:
        return MonthResult(month, 0, archived.file_key, skipped="already restored")
    if not default_storage.exists(archived.file_key):
        raise ArchiveError(f"The archive file {archived.file_key} is missing from storage.")
    with default_storage.open(archived.file_key, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != archived.sha256:
        raise ArchiveError(f"The archive file {archived.file_key} does not match its SHA-256.")
    reader = csv.reader(io.StringIO(gzip.decompress(data).decode("utf-8"), newline=""))
    header = next(reader)
    if header != COLUMNS:
        raise ArchiveError("The archive file has unexpected columns.")
    batches = set(ImportBatch.objects.values_list("id", flat=True))
    bills = []
    for values in reader:
        fields = {c: _parse(v, c) for c, v in zip(COLUMNS, values, strict=True)}
        if fields["batch_id"] not in batches:
            fields["batch_id"] = None
        bills.append(Bill(**fields))
    with transaction.atomic():
        _lock()
        Bill.objects.bulk_create(bills, batch_size=5000, ignore_conflicts=True)
        restored = Bill.objects.filter(month=month).count()
        if restored != archived.bills:
            raise ArchiveError(
                f"{month:%b-%Y}: {restored} bills after restoring, expected {archived.bills}."
            )
        ArchivedUnitMonth.objects.filter(month=month).delete()
        ArchivedUCMonth.objects.filter(month=month).delete()
        archived.state = ArchivedMonth.State.RESTORED
        archived.restored_at = timezone.now()
        archived.save(update_fields=["state", "restored_at"])
        keys = set(Bill.objects.filter(month=month).values_list("unit__uc_id", "month").distinct())
        stats_refresh(keys=sorted(keys))
    return MonthResult(month, restored, archived.file_key)
