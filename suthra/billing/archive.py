"""Archiving old bills to gzipped CSV files in the default storage, and bringing a month back.

What an archived month keeps in the database is tiny: its ``ArchivedMonth`` row (file, SHA-256,
totals and a block index of the file) and its per-UC × status totals (``ArchivedUCMonth``, a few
hundred rows). The bills themselves — about 110 bytes each with their index entries, 33 MB for a
month of 300 k units — live only in the file, so archiving a month frees almost all of its size
(docs/PERFORMANCE.md). There is no per-unit row: a unit's ledger reads its archived months from
the files (``archived_bills``).

The file ``archive/bills-YYYY-MM.csv.gz`` holds the bills ordered by unit, written as a series
of gzip members (one for the header, then one per ``BLOCK`` bills). Concatenated gzip members
are one valid gzip file (``gzip.decompress``, ``zcat`` read it whole); ``ArchivedMonth.blocks``
records, for each member, its first unit id, byte offset and length, so one unit's bill is
found by reading and decompressing one member of ~30 kB instead of the whole file.

``archive_month`` (1) writes the file, then (2) in ONE transaction checks the count is
unchanged, writes the per-UC totals, deletes the month's bills and records the
``ArchivedMonth``. Interrupted before (2) commits, the bills are all still there (the file is
simply written again next time); after, the month is fully archived. ``restore_month`` reads
the file back (checking its SHA-256) and inserts the bills in one transaction. Both are
idempotent. Called by the management commands ``archive_bills`` and ``restore_bills``
(operators only; there is no web page).

The file's first line names its columns: ``BILL_COLUMNS`` now; files written before bills lost
their ``status`` and ``batch_id`` columns have those too, in the old order. Files are read by
column name, so both restore and show in the ledger (the two old columns are ignored: the
status follows from the paid amount).

The dashboard's summaries (suthra.stats) are left alone when a month is archived — the
figures did not change, only where the detail lives; ``ArchivedUCMonth`` carries the same
per-UC × status totals for reports. Restoring recounts the month's summaries
(``stats_refresh_month``).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import gzip
import hashlib
import io
import logging
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from suthra.billing.importing import month_add
from suthra.billing.models import (
    BILL_COLUMNS,
    MAX_FEE,
    ArchivedMonth,
    ArchivedUCMonth,
    Bill,
    status_sql,
)
from suthra.imports.services import ADVISORY_LOCK_KEY
from suthra.stats.services import stats_refresh_month

log = logging.getLogger(__name__)

COLUMNS = BILL_COLUMNS
UNIT = COLUMNS.index("unit_id")
# Columns of files written before bills lost them (their header names them): ignored on reading.
LEGACY_COLUMNS = frozenset({"status", "batch_id"})
CHUNK = 20_000  # bills read from the database per query
BLOCK = 2_000  # bills per gzip member of the file (one member is read to show one unit)


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
    """The month's bills ordered by unit (keyset pages: (unit, month) is unique)."""
    qs = Bill.objects.filter(month=month).order_by("unit_id").values_list(*COLUMNS)
    last = None
    while True:
        page = list((qs.filter(unit_id__gt=last) if last is not None else qs)[:CHUNK])
        yield from page
        if len(page) < CHUNK:
            return
        last = page[-1][UNIT]


def _member(rows: Iterable[Iterable[object]]) -> bytes:
    """One gzip member holding these rows as CSV (empty values for NULL)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return gzip.compress(text.getvalue().encode("utf-8"), mtime=0)


def _blocks(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    block: list[tuple] = []
    for row in rows:
        block.append(row)
        if len(block) == BLOCK:
            yield block
            block = []
    if block:
        yield block


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def archive_month(month: dt.date) -> MonthResult:
    """Move one month's bills into a compressed file; keep per-UC totals. Idempotent."""
    key = file_key(month)
    digest = hashlib.sha256()
    count = 0
    index: list[list[int]] = []  # [first unit id, offset, length] per gzip member of bills
    with tempfile.TemporaryFile() as raw:
        header = _member([COLUMNS])
        raw.write(header)
        digest.update(header)
        offset = len(header)
        for block in _blocks(_rows(month)):
            data = _member(block)
            raw.write(data)
            digest.update(data)
            index.append([block[0][UNIT], offset, len(data)])
            offset += len(data)
            count += len(block)
        if count == 0:
            return MonthResult(month, 0, "", skipped="no bills in this month")
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
        ArchivedUCMonth.objects.filter(month=month).delete()
        status = status_sql("b")  # not stored: it follows from the paid amount
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO billing_archiveducmonth"  # noqa: S608 (no input in the SQL text)
                " (uc_id, month, status, bills, total_fee, total_due, total_paid)"
                f" SELECT u.uc_id, b.month, {status}, COUNT(*), SUM(b.monthly_fee),"
                " SUM(b.monthly_fee + b.arrears), SUM(b.paid_amount)"
                " FROM billing_bill b JOIN units_surveyunit u ON u.id = b.unit_id"
                f" WHERE b.month = %s GROUP BY u.uc_id, b.month, {status}",
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
                "blocks": index,
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


def _layout(header: list[str]) -> list[str]:
    """The column names of a file's header line, checked: every bill column, and besides
    them only the columns older files had (``LEGACY_COLUMNS``)."""
    names = [name.strip() for name in header]
    if (
        len(set(names)) != len(names)
        or not set(COLUMNS) <= set(names)
        or not set(names) - set(COLUMNS) <= LEGACY_COLUMNS
    ):
        raise ValueError(f"unexpected archive columns: {','.join(names)}")
    return names


def _bill(values: list[str], header: list[str]) -> Bill:
    """An unsaved Bill from one line of an archive file whose columns are ``header``."""
    row = dict(zip(header, values, strict=True))
    return Bill(**{c: _parse(row[c], c) for c in COLUMNS})


def _first_line(text: bytes) -> list[str]:
    return next(csv.reader([text.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")]))


def _read_unit(archived: ArchivedMonth, unit_id: int) -> Bill | None:
    """The unit's bill in one archived month: one gzip member of the file read and scanned."""
    blocks = archived.blocks
    try:
        with default_storage.open(archived.file_key, "rb") as handle:
            if blocks:  # files written since the block index exists
                i = bisect.bisect_right([b[0] for b in blocks], unit_id) - 1
                if i < 0:
                    return None
                # The header is the file's first gzip member, before the first block's.
                head = gzip.decompress(handle.read(blocks[0][1]))
                handle.seek(blocks[i][1])
                text = gzip.decompress(handle.read(blocks[i][2]))
            else:  # an older file: ordered by PSID, read whole
                text = head = gzip.decompress(handle.read())
        header = _layout(_first_line(head))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, StopIteration) as exc:
        # Missing, or not the file that was written.
        log.error(
            "archive file %s unreadable (%s): %s not shown", archived.file_key, exc, archived.month
        )
        return None
    # Find the unit's line by its unit id column without parsing the other lines.
    before = header.index("unit_id")
    pattern = rb"^(?:[^,\r\n]*,){%d}%d(?![^,\r\n])[^\r\n]*" % (before, unit_id)
    line = re.search(pattern, text, re.MULTILINE)
    if line is None:
        return None
    try:
        return _bill(next(csv.reader([line.group().decode("utf-8")])), header)
    except ValueError:  # a line of another layout
        log.error("archive file %s: unexpected line for unit %s", archived.file_key, unit_id)
        return None


def archived_bills(unit_id: int) -> list[Bill]:
    """One unit's bills of the archived months, read from the files (unsaved, by month)."""
    months = ArchivedMonth.objects.filter(state=ArchivedMonth.State.ARCHIVED).only(
        "month", "file_key", "blocks"
    )
    found = (_read_unit(archived, unit_id) for archived in months.order_by("month"))
    return [bill for bill in found if bill is not None]


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
    try:
        # By column name: files written before bills lost status and batch_id have those too.
        header = _layout(next(reader))
        bills = [_bill(values, header) for values in reader]
    except (StopIteration, ValueError) as exc:
        raise ArchiveError(f"The archive file has unexpected columns or lines ({exc}).") from exc
    too_big = [b.psid for b in bills if (b.monthly_fee or 0) > MAX_FEE][:5]
    if too_big:
        raise ArchiveError(
            f"{month:%b-%Y}: bills with a monthly fee over Rs. {MAX_FEE:,} cannot be restored"
            f" (PSIDs {', '.join(map(str, too_big))})."
        )
    bills.sort(key=lambda b: b.psid)  # the primary-key index is appended to, as at import
    with transaction.atomic():
        _lock()
        Bill.objects.bulk_create(bills, batch_size=5000, ignore_conflicts=True)
        restored = Bill.objects.filter(month=month).count()
        if restored != archived.bills:
            raise ArchiveError(
                f"{month:%b-%Y}: {restored} bills after restoring, expected {archived.bills}."
            )
        ArchivedUCMonth.objects.filter(month=month).delete()
        archived.state = ArchivedMonth.State.RESTORED
        archived.restored_at = timezone.now()
        archived.blocks = []
        archived.save(update_fields=["state", "restored_at", "blocks"])
        stats_refresh_month(month)
    return MonthResult(month, restored, archived.file_key)
