"""Bill and payment imports: the database half (plan what changes, apply it set-based).

Registered with the shared import machinery in ``BillingConfig.ready()``. ``plan`` only reads;
``apply`` runs inside the commit's single transaction (see suthra/imports/services.py), right
after ``plan`` ran again in that transaction.

PostgreSQL (``set_based()``): the parsed rows go through COPY into a TEMP staging table (ON
COMMIT DROP, which Supabase's transaction pooler allows), ``plan`` classifies every row with one
``CREATE TEMP TABLE … AS SELECT`` joining units and bills (new / changed / unchanged / rejected),
runs the month-on-month checks as SQL, and ``apply`` writes from that same table: one
INSERT … SELECT … ON CONFLICT, one UPDATE … FROM, the audit events and payment exceptions as
INSERT … SELECT. Only rejected rows and samples come back to Python. SQLite (and tests that
compare the two) use the row-by-row path below, which implements the same rules in Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from suthra.accounts.scope import uc_ids
from suthra.billing import rows as billrows
from suthra.billing.maintenance import reindex_after_load
from suthra.billing.models import (
    Adjustment,
    AdjustmentStatus,
    ArchivedMonth,
    Bill,
    BillStatus,
    PaymentChannel,
    PaymentException,
    status_sql,
)
from suthra.core.audit import audit_bulk
from suthra.imports import services
from suthra.imports.models import ImportBatch, psid_runs
from suthra.imports.parsers import Column, RowError, Table
from suthra.imports.registry import Plan, Progress
from suthra.stats.services import stats_refresh
from suthra.units.models import SurveyUnit

CHUNK = 10_000
SAMPLE = 10


class ConcurrentChange(Exception):
    """Bills changed between the plan and the write: the transaction is rolled back."""


def month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _allowed(batch: ImportBatch) -> frozenset[int] | None:
    # Commands run without a person: everything. Otherwise the uploader's geography.
    return None if batch.created_by is None else uc_ids(batch.created_by)


def _units(survey_ids: set[str]) -> dict[str, tuple[int, int]]:
    """survey_id → (unit id, uc id)."""
    qs = SurveyUnit.objects.values_list("survey_id", "id", "uc_id")
    if len(survey_ids) > 20_000:  # one pass over the table beats many IN lists
        return {s: (i, uc) for s, i, uc in qs.iterator(chunk_size=50_000) if s in survey_ids}
    result: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(sorted(survey_ids)):
        result.update({s: (i, uc) for s, i, uc in qs.filter(survey_id__in=chunk)})
    return result


def _bills_by_psid(psids: Sequence[int], fields: Sequence[str], exclude_months=()) -> list[tuple]:
    """Bills with these PSIDs. PostgreSQL: one ``= ANY(array)`` query (an array parameter is
    far cheaper than tens of thousands of IN placeholders); elsewhere IN lists in chunks."""
    if not psids:
        return []
    if connection.vendor == "postgresql":
        where = "psid = ANY(%s)"
        params: list[Any] = [list(psids)]
        if exclude_months:
            where += " AND NOT (month = ANY(%s))"
            params.append(list(exclude_months))
        with connection.cursor() as cursor:
            # Field names come from this module's constants, never from input.
            columns = ", ".join(status_sql() if f == "status" else f for f in fields)
            sql = f"SELECT {columns} FROM billing_bill WHERE {where}"  # noqa: S608
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    rows: list[tuple] = []
    for chunk in _chunks(list(psids)):
        qs = Bill.objects.with_status().filter(psid__in=chunk)
        if exclude_months:
            qs = qs.exclude(month__in=exclude_months)
        rows.extend(qs.values_list(*fields))
    return rows


BILL_FIELDS = (
    "psid",
    "unit_id",
    "month",
    "monthly_fee",
    "arrears",
    "paid_amount",
    "paid_on",
    "status",
    "channel",
)


def set_based() -> bool:
    """Plan and apply with staging tables and set-based SQL (PostgreSQL); tests may switch it
    off to compare with the row-by-row path, which SQLite always uses."""
    return connection.vendor == "postgresql"


def _copy_in(
    table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]] | bytes
) -> None:
    """PostgreSQL: a TEMP table dropped at commit, filled with COPY (rows, or COPY text as
    stashed by a preview), then analysed (a temporary table has no statistics otherwise, and
    the joins of the plan need them)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)}) "
            "ON COMMIT DROP"
        )
        names = ", ".join(n for n, _ in columns)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            if isinstance(rows, bytes):
                copy.write(rows)
            else:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(f"ANALYZE {table}")


def _sql(sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def _sql_rows(sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[tuple]:
    """The rows one at a time (converted to Python as they are read, not all at once)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor


def _sql_count(sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _work_mem() -> None:
    """Enough memory for the plan's hash joins of ~300,000 rows (each takes ~20 MB; with the
    default 4 MB they spill to disk), and no JIT compilation (it costs more than it saves
    here); for this transaction only."""
    _sql("SET LOCAL work_mem = '32MB'")
    _sql("SET LOCAL jit = off")


def _audit_select(*, actor: Any, action: str, changes: str, source: str, params=()) -> None:
    """One audit event per bill, built by the database: ``changes`` is a jsonb expression over
    ``source`` (a FROM … WHERE … over a plan table that has ``psid`` and ``row``)."""
    from suthra.core.models import AuditEvent

    # Table and expressions come from this module, never from input.
    _sql(
        f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, action, object_type,"  # noqa: S608
        f" object_id, changes) SELECT %s, %s, %s, 'bill', psid::text, {changes} {source}"
        " ORDER BY row",
        [timezone.now(), getattr(actor, "pk", None), action, *params],
    )


def _audit_many(*, actor: Any, action: str, items: Iterable[tuple[Any, dict[str, Any]]]) -> None:
    """The row-by-row path: one audit event per bill through ``core.audit.audit_bulk``."""
    audit_bulk(actor=actor, action=action, object_type="bill", items=items)


# A preview's checked rows, kept for its commit (see ``imports.services.stash_save``): the
# staging table as COPY text, and the file's row errors. Bump the version when a staging
# table's columns or the row checks change.
STASH_VERSION = 1


@dataclass
class Staged:
    """The records of a file as the preview staged them: the commit COPYs them back."""

    data: bytes
    low: int
    high: int
    months: list[dt.date]


def _stash(batch: ImportBatch, table: str, records: list[Any], errors: list[RowError]) -> None:
    """After the preview staged the records: keep them, and the file's row errors, for the
    commit, with what makes them valid (the same file, the same day: the row checks compare
    dates with today)."""
    _outside, params = _plan_params(batch, records, "")
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as buffer:
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
            for chunk in copy:
                digest.update(chunk)
                buffer.write(chunk)
        buffer.seek(0)
        services.stash_save(batch, f"{table}.tsv", File(buffer))
    meta = {
        "version": STASH_VERSION,
        "table": table,
        "file": batch.sha256,
        "day": timezone.localdate().isoformat(),
        "sha256": digest.hexdigest(),
        "low": params["low"],
        "high": params["high"],
        "months": [m.isoformat() for m in params["months"]],
        "errors": [[e.row, e.column, e.value, e.reason] for e in errors],
    }
    services.stash_save(batch, f"{table}.json", json.dumps(meta).encode())


def _resume(batch: ImportBatch, table: str) -> tuple[Staged, list[RowError]] | None:
    """The preview's stash, if it is there and still valid; otherwise the file is read again."""
    if not set_based():
        return None
    raw = services.stash_read(batch, f"{table}.json")
    meta = json.loads(raw) if raw else {}
    valid = (
        meta.get("version") == STASH_VERSION
        and meta.get("table") == table
        and meta.get("file") == batch.sha256
        and meta.get("day") == timezone.localdate().isoformat()
    )
    data = services.stash_read(batch, f"{table}.tsv") if valid else None
    if data is None or hashlib.sha256(data).hexdigest() != meta["sha256"]:
        return None
    staged = Staged(
        data, meta["low"], meta["high"], [dt.date.fromisoformat(m) for m in meta["months"]]
    )
    return staged, [RowError(*e) for e in meta["errors"]]


def _plan_params(batch: ImportBatch, records: list[Any], column: str) -> tuple[str, dict]:
    """The scope test for a plan (SQL true when ``column``, a UC id, is outside the uploader's
    area) and the parameters of the plan's query: the file's PSID range (a bill whose PSID is
    in the file is in that range, and the range lets the PSID join read only that part of the
    primary key) and its months."""
    if isinstance(records, Staged):
        params: dict[str, Any] = {
            "low": records.low,
            "high": records.high,
            "months": records.months,
        }
    else:
        psids = [r.psid for r in records] or [0]
        params = {
            "low": min(psids),
            "high": max(psids),
            "months": sorted({getattr(r, "month", None) for r in records} - {None}),
        }
    allowed = _allowed(batch)
    if allowed is None:
        return "FALSE", params
    params["allowed"] = sorted(allowed)
    return f"NOT ({column} = ANY(%(allowed)s::integer[]))", params


# --- bills ----------------------------------------------------------------------------------


class BillImport:
    kind: str = ImportBatch.Kind.BILLS
    label: str = gettext_noop("Monthly bill file")
    spec: Sequence[Column] = billrows.BILL_COLUMNS

    def parse(self, table: Table, progress: Progress) -> tuple[list[Any], list[RowError]]:
        return billrows.parse_bills(table, progress, today=timezone.localdate())

    def resume(self, batch: ImportBatch) -> tuple[Staged, list[RowError]] | None:
        """The commit: the rows its preview checked and staged, when still valid."""
        return _resume(batch, "bill_stage")

    def after_commit(self, batch: ImportBatch) -> None:
        """A month's load: keep the bill indexes tight (``billing.maintenance``)."""
        reindex_after_load(batch.counts.get("written", 0))

    def plan(
        self,
        batch: ImportBatch,
        records: list[Any],
        errors: list[RowError],
        *,
        preview: bool = True,
    ) -> Plan:
        """Who may call: the import machinery (MANAGER and up, or a management command)."""
        records, errors = _without_archived_months(records, errors)
        if set_based():
            return _plan_bills_sql(batch, records, errors, preview=preview)
        errors = list(errors)
        allowed = _allowed(batch)
        units = _units({r.survey_id for r in records})
        months = {r.month for r in records}
        prev_months = {month_add(m, -1) for m in months} - months if preview else set()
        # Existing bills of the file's months (and the month before, for the checks).
        by_psid: dict[int, tuple] = {}
        by_unit_month: dict[tuple[int, dt.date], tuple] = {}
        bills = Bill.objects.with_status()  # not stored: follows the payment
        for row in bills.filter(month__in=months | prev_months).values_list(*BILL_FIELDS):
            by_unit_month[(row[1], row[2])] = row
            if row[2] in months:
                by_psid[row[0]] = row
        # PSIDs used in other months.
        adjusted = _adjusted_psids(months)
        unknown = [r.psid for r in records if r.psid not in by_psid]
        elsewhere = {
            row[0]: row
            for row in _bills_by_psid(
                unknown, ("psid", "unit_id", "month"), exclude_months=sorted(months)
            )
        }

        new: list[tuple] = []  # (record, unit_id, uc_id)
        changed: list[tuple] = []  # (record, unit_id, uc_id, before row, diff)
        unchanged = kept_payment = 0
        accepted: list[tuple] = []
        survey_of_unit: dict[int, str] = {}
        kept_adjusted: list[dict[str, Any]] = []  # adjusted bills the file disagrees with
        adjusted_units: set[tuple[int, dt.date]] = set()
        for rec in records:
            unit = units.get(rec.survey_id)
            if unit is None:
                errors.append(_bill_rejection(UNKNOWN_UNIT, rec.row, rec.survey_id, rec.psid))
                continue
            unit_id, uc_id = unit
            survey_of_unit[unit_id] = rec.survey_id
            if allowed is not None and uc_id not in allowed:
                errors.append(_bill_rejection(OUTSIDE, rec.row, rec.survey_id, rec.psid))
                continue
            same_psid = by_psid.get(rec.psid) or elsewhere.get(rec.psid)
            if same_psid is not None and (same_psid[1], same_psid[2]) != (unit_id, rec.month):
                errors.append(
                    _bill_rejection(
                        PSID_TAKEN, rec.row, rec.survey_id, rec.psid, same_psid[1], same_psid[2]
                    )
                )
                continue
            current = by_unit_month.get((unit_id, rec.month))
            if current is not None and current[0] != rec.psid:
                errors.append(
                    _bill_rejection(
                        UNIT_HAS_BILL,
                        rec.row,
                        rec.survey_id,
                        rec.psid,
                        unit_id,
                        rec.month,
                        current[0],
                    )
                )
                continue
            if current is not None and current[0] in adjusted:
                # An approved adjustment decided this bill's fee and arrears: a file never
                # undoes it (only its payment is taken), and the preview says so.
                adjusted_units.add((unit_id, rec.month))
                if (rec.monthly_fee, rec.arrears) != (current[3], current[4]):
                    kept_adjusted.append(
                        _kept_adjusted(rec, rec.monthly_fee, rec.arrears, current[3], current[4])
                    )
                    rec = dataclasses.replace(rec, monthly_fee=current[3], arrears=current[4])
            accepted.append((rec, unit_id, uc_id))
            if current is None:
                new.append((rec, unit_id, uc_id))
                continue
            if not rec.paid and current[5]:
                kept_payment += 1
            if (
                current[3] == rec.monthly_fee
                and current[4] == rec.arrears
                and (not rec.paid or current[5:7] == (rec.paid_amount, rec.paid_on))
                and (not rec.paid or current[8] == rec.channel)
            ):
                unchanged += 1  # the common case, without building a diff
                continue
            diff = _bill_diff(current, rec)
            if diff:
                changed.append((rec, unit_id, uc_id, current, diff))
            else:
                unchanged += 1

        counts = {
            "new": len(new),
            "changed": len(changed),
            "unchanged": unchanged,
            "payment_kept": kept_payment,
            "adjusted_kept": len(kept_adjusted),
        }
        if not preview:  # the commit needs no month-on-month report (the preview has it)
            return Plan(counts=counts, errors=errors, work={"new": new, "changed": changed})
        details = {
            "months": sorted(m.isoformat()[:7] for m in months),
            "changes_sample": [
                {
                    "psid": str(rec.psid),
                    "survey_id": rec.survey_id,
                    "month": f"{rec.month:%b-%Y}",
                    "changes": diff,
                }
                for rec, _u, _uc, _cur, diff in changed[:SAMPLE]
            ],
            "adjusted_sample": kept_adjusted[:SAMPLE],
            "checks": _month_checks(
                accepted, by_unit_month, months, survey_of_unit, adjusted_units
            ),
        }
        return Plan(
            counts=counts,
            details=details,
            errors=errors,
            work={"new": new, "changed": changed},
        )

    def apply(self, batch: ImportBatch, plan: Plan) -> dict[str, int]:
        """Inside the commit transaction: insert new bills, update changed ones."""
        if plan.work.get("sql"):
            return _apply_bills_sql(batch, plan)
        new: list[tuple] = plan.work["new"]
        changed: list[tuple] = plan.work["changed"]
        _apply_bills_orm(batch, new, changed)
        _audit_many(
            actor=batch.created_by,
            action="bill.import_change",
            items=((rec.psid, {**diff, "batch": batch.pk}) for rec, _u, _uc, _cur, diff in changed),
        )
        keys = {(uc, rec.month) for rec, _u, uc in new} | {
            (uc, rec.month) for rec, _u, uc, _c, _d in changed
        }
        stats_refresh(keys=sorted(keys))
        return {"written": len(new) + len(changed)}


def _without_archived_months(records: Any, errors: list[RowError]) -> tuple[Any, list[RowError]]:
    """Bills of an archived month are refused: the month lives in its file and its summaries
    are frozen, so it must be restored (``restore_bills --month``) before it can change."""
    months = records.months if isinstance(records, Staged) else {r.month for r in records}
    archived = set(
        ArchivedMonth.objects.filter(
            month__in=months, state=ArchivedMonth.State.ARCHIVED
        ).values_list("month", flat=True)
    )
    if not archived:
        return records, errors
    if isinstance(records, Staged):  # archived between the preview and the commit
        raise ValueError(
            gettext("Month %(month)s was archived after the preview; restore it and start again.")
            % {"month": min(archived).strftime("%b-%Y")}
        )
    reason = gettext("month %(month)s is archived; restore it before importing its bills")
    kept: list[Any] = []
    errors = list(errors)
    for rec in records:
        if rec.month in archived:
            month = rec.month.strftime("%b-%Y")
            errors.append(RowError(rec.row, "month", month, reason % {"month": month}))
        else:
            kept.append(rec)
    errors.sort(key=lambda e: e.row)
    return kept, errors


def _adjusted_psids(months: Iterable[dt.date]) -> set[int]:
    """The bills of these months with an approved adjustment (``billing.adjustments``)."""
    return set(
        Adjustment.objects.filter(
            month__in=list(months), status=AdjustmentStatus.APPROVED
        ).values_list("bill_id", flat=True)
    )


def _kept_adjusted(
    rec: billrows.BillRow, fee: int, arrears: int, kept_fee: int, kept_arrears: int
) -> dict[str, Any]:
    """One example of an adjusted bill whose file figures differ (both paths)."""
    return {
        "psid": str(rec.psid),
        "survey_id": rec.survey_id,
        "month": f"{rec.month:%b-%Y}",
        "file": [fee, arrears],
        "kept": [kept_fee, kept_arrears],
    }


def _final(rec: billrows.BillRow, current: tuple | None) -> tuple:
    """The bill's values after the import (a payment is kept unless the file reports one)."""
    if rec.paid or current is None or not current[5]:
        return (rec.paid_amount, rec.paid_on, rec.status, rec.channel if rec.paid else 0)
    paid = current[5]
    status = BillStatus.PAID if paid >= rec.amount_due else BillStatus.PARTIAL
    return (paid, current[6], int(status), current[8])


def _bill_diff(current: tuple, rec: billrows.BillRow) -> dict[str, list[Any]]:
    before = dict(zip(BILL_FIELDS, current, strict=False))
    paid_amount, paid_on, status, channel = _final(rec, current)
    after = {
        "monthly_fee": rec.monthly_fee,
        "arrears": rec.arrears,
        "paid_amount": paid_amount,
        "paid_on": paid_on,
        "status": status,
        "channel": channel,
    }
    return {k: [_plain(before[k]), _plain(v)] for k, v in after.items() if before[k] != v}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _apply_bills_orm(batch: ImportBatch, new: list[tuple], changed: list[tuple]) -> None:
    objects = []
    for rec, unit_id, _uc in new:
        paid_amount, paid_on, _status, channel = _final(rec, None)
        objects.append(
            Bill(
                psid=rec.psid,
                unit_id=unit_id,
                month=rec.month,
                monthly_fee=rec.monthly_fee,
                arrears=rec.arrears,
                paid_amount=paid_amount,
                paid_on=paid_on,
                channel=channel,
            )
        )
    Bill.objects.bulk_create(objects, batch_size=2000)
    for rec, _unit, _uc, cur, _diff in changed:
        paid_amount, paid_on, _status, channel = _final(rec, cur)
        done = Bill.objects.filter(
            psid=rec.psid,
            monthly_fee=cur[3],
            arrears=cur[4],
            paid_amount=cur[5],
        ).update(
            monthly_fee=rec.monthly_fee,
            arrears=rec.arrears,
            paid_amount=paid_amount,
            paid_on=paid_on,
            channel=channel,
        )
        if done != 1:
            raise ConcurrentChange(gettext("Bills were changed meanwhile; start the import again."))
    # Saved with the batch by the commit (the bill itself does not name its import).
    written = [n[0] for n in new] + [c[0] for c in changed]
    months = (min(r.month for r in written), max(r.month for r in written)) if written else None
    batch.set_psid_runs(psid_runs(r.psid for r in written), months)


def _month_checks(
    accepted: list[tuple],
    db: dict[tuple[int, dt.date], tuple],
    months: set[dt.date],
    survey_of_unit: dict[int, str],
    adjusted: set[tuple[int, dt.date]],
) -> list[dict[str, Any]]:
    """Month-on-month: missing units, new units, fee changes, arrears that do not follow.

    ``accepted`` carries the figures the import keeps, so a bill with an approved adjustment
    counts with its corrected figures as the month before of the next month (whose arrears must
    carry the correction); its own fee and arrears (``adjusted``: (unit, month)) come from the
    adjustment, not the file, and are not compared with the month before."""
    # (unit, month) → (fee, arrears, paid): the database overlaid with the file.
    combined: dict[tuple[int, dt.date], tuple[int, int, int]] = {
        k: (v[3], v[4], v[5]) for k, v in db.items()
    }
    file_units: dict[dt.date, set[int]] = defaultdict(set)
    for rec, unit_id, _uc in accepted:
        paid = rec.paid_amount if rec.paid else combined.get((unit_id, rec.month), (0, 0, 0))[2]
        combined[(unit_id, rec.month)] = (rec.monthly_fee, rec.arrears, paid)
        file_units[rec.month].add(unit_id)
    by_month: dict[dt.date, set[int]] = defaultdict(set)
    for unit_id, month in combined:
        by_month[month].add(unit_id)
    checks = []
    for month in sorted(months):
        prev = month_add(month, -1)
        before = by_month.get(prev, set())
        if not before:
            checks.append({"month": f"{month:%b-%Y}", "previous": f"{prev:%b-%Y}", "skipped": True})
            continue
        now = by_month.get(month, set())
        missing = sorted(before - now)
        new_units = sorted(file_units[month] - before)
        fee_changes: list[str] = []
        arrears_off: list[str] = []
        for unit_id in sorted(file_units[month] & before):
            if (unit_id, month) in adjusted:
                continue
            fee, arrears, _paid = combined[(unit_id, month)]
            p_fee, p_arrears, p_paid = combined[(unit_id, prev)]
            if fee != p_fee:
                fee_changes.append(f"{survey_of_unit.get(unit_id, unit_id)}: {p_fee} → {fee}")
            expected = max(0, p_fee + p_arrears - p_paid)
            if arrears != expected:
                arrears_off.append(
                    f"{survey_of_unit.get(unit_id, unit_id)}: {arrears} (expected {expected})"
                )
        missing_names = dict(
            SurveyUnit.objects.filter(id__in=missing[:SAMPLE]).values_list("id", "survey_id")
        )
        checks.append(
            {
                "month": f"{month:%b-%Y}",
                "previous": f"{prev:%b-%Y}",
                "missing": len(missing),
                "missing_sample": [missing_names.get(u, str(u)) for u in missing[:SAMPLE]],
                "new_units": len(new_units),
                "new_units_sample": [survey_of_unit.get(u, str(u)) for u in new_units[:SAMPLE]],
                "fee_changes": len(fee_changes),
                "fee_changes_sample": fee_changes[:SAMPLE],
                "arrears_mismatch": len(arrears_off),
                "arrears_mismatch_sample": arrears_off[:SAMPLE],
            }
        )
    return checks


# --- bills, set-based (PostgreSQL) ------------------------------------------------------------

# What the plan decided for each staged row (``bill_plan.verdict``).
NEW, SAME, CHANGED = 1, 2, 3
UNKNOWN_UNIT, OUTSIDE, PSID_TAKEN, UNIT_HAS_BILL = 10, 11, 12, 13
ACCEPTED = (NEW, SAME, CHANGED)

BILL_STAGE = (
    ("row", "integer"),
    ("psid", "bigint"),
    ("month", "date"),
    ("survey_id", "text"),
    ("monthly_fee", "integer"),
    ("arrears", "integer"),
    ("paid", "boolean"),
    ("paid_amount", "integer"),
    ("paid_on", "date"),
    ("status", "smallint"),
    ("channel", "smallint"),
)

# Every staged row joined to its unit, to the bill with its PSID (p_) and to the unit's bill of
# that month (c_), with the bill's values after the import (f_, as ``_final``) and the verdict
# (the same rules, in the same order, as the row-by-row ``BillImport.plan``). A bill with an
# approved adjustment (``adjusted``) keeps its fee and arrears: ``monthly_fee``/``arrears`` are
# then the bill's, the file's figures stay in ``file_fee``/``file_arrears``.
BILL_PLAN = """
CREATE TEMP TABLE bill_plan ON COMMIT DROP AS
SELECT k.*, (CASE
    WHEN k.unit_id IS NULL THEN {UNKNOWN_UNIT}
    WHEN {outside} THEN {OUTSIDE}
    WHEN k.p_unit IS NOT NULL AND (k.p_unit <> k.unit_id OR k.p_month <> k.month)
        THEN {PSID_TAKEN}
    WHEN k.c_psid IS NOT NULL AND k.c_psid <> k.psid THEN {UNIT_HAS_BILL}
    WHEN k.c_psid IS NULL THEN {NEW}
    WHEN k.c_fee = k.monthly_fee AND k.c_arrears = k.arrears AND (
        NOT k.paid
        OR (k.c_paid = k.paid_amount AND k.c_paid_on IS NOT DISTINCT FROM k.paid_on
            AND k.c_channel = k.channel)
        OR (k.c_paid = k.f_paid AND k.c_paid_on IS NOT DISTINCT FROM k.f_paid_on
            AND k.c_status = k.f_status AND k.c_channel = k.f_channel)
    ) THEN {SAME}
    ELSE {CHANGED} END)::smallint AS verdict,
    k.adjusted AND (k.file_fee <> k.monthly_fee OR k.file_arrears <> k.arrears) AS kept_adjusted
FROM (
    SELECT j.*,
        CASE WHEN j.keep_paid THEN j.c_paid ELSE j.paid_amount END AS f_paid,
        CASE WHEN j.keep_paid THEN j.c_paid_on ELSE j.paid_on END AS f_paid_on,
        (CASE WHEN NOT j.keep_paid THEN j.status
            WHEN j.c_paid >= j.monthly_fee + j.arrears THEN {PAID}
            ELSE {PARTIAL} END)::smallint AS f_status,
        (CASE WHEN j.keep_paid THEN j.c_channel WHEN j.paid THEN j.channel
            ELSE 0 END)::smallint AS f_channel
    FROM (
        SELECT s.row, s.psid, s.month, s.survey_id,
            CASE WHEN a.bill_id IS NULL THEN s.monthly_fee ELSE c.monthly_fee END AS monthly_fee,
            CASE WHEN a.bill_id IS NULL THEN s.arrears ELSE c.arrears END AS arrears,
            s.paid, s.paid_amount, s.paid_on,
            (CASE WHEN a.bill_id IS NULL OR NOT s.paid THEN s.status
                WHEN s.paid_amount >= c.monthly_fee + c.arrears THEN {PAID}
                ELSE {PARTIAL} END)::smallint AS status,
            s.channel, s.monthly_fee AS file_fee, s.arrears AS file_arrears,
            a.bill_id IS NOT NULL AS adjusted,
            u.id AS unit_id, u.uc_id, p.unit_id AS p_unit, p.month AS p_month,
            c.psid AS c_psid, c.monthly_fee AS c_fee, c.arrears AS c_arrears,
            c.paid_amount AS c_paid, c.paid_on AS c_paid_on, {c_status} AS c_status,
            c.channel AS c_channel,
            COALESCE(NOT s.paid AND c.paid_amount > 0, FALSE) AS keep_paid
        FROM bill_stage s
        LEFT JOIN units_surveyunit u ON u.survey_id = s.survey_id
        LEFT JOIN billing_bill p ON p.psid = s.psid AND p.psid BETWEEN %(low)s AND %(high)s
        LEFT JOIN billing_bill c ON c.unit_id = u.id AND c.month = s.month
            AND c.month = ANY(%(months)s::date[])
        LEFT JOIN (SELECT DISTINCT bill_id FROM billing_adjustment
            WHERE status = {APPROVED} AND month = ANY(%(months)s::date[])) a
            ON a.bill_id = c.psid AND c.psid = s.psid
    ) j
) k
"""

# The audit event of a changed bill: the fields that differ, [before, after], and the batch.
BILL_CHANGES = """jsonb_strip_nulls(jsonb_build_object(
    'monthly_fee', CASE WHEN c_fee <> monthly_fee THEN jsonb_build_array(c_fee, monthly_fee) END,
    'arrears', CASE WHEN c_arrears <> arrears THEN jsonb_build_array(c_arrears, arrears) END,
    'paid_amount', CASE WHEN c_paid <> f_paid THEN jsonb_build_array(c_paid, f_paid) END,
    'paid_on', CASE WHEN c_paid_on IS DISTINCT FROM f_paid_on
        THEN jsonb_build_array(c_paid_on, f_paid_on) END,
    'status', CASE WHEN c_status <> f_status THEN jsonb_build_array(c_status, f_status) END,
    'channel', CASE WHEN c_channel <> f_channel THEN jsonb_build_array(c_channel, f_channel) END,
    'batch', %s::integer))"""


def _stage(
    batch: ImportBatch,
    table: str,
    columns: Sequence[tuple[str, str]],
    records: list[Any] | Staged,
    row_of: Callable[[Any], tuple],
    errors: list[RowError],
    *,
    preview: bool,
) -> None:
    """COPY the records into ``table``: the commit of a stashed preview copies its stash; a
    preview keeps what it staged (with the file's row errors) for its commit."""
    if isinstance(records, Staged):
        _copy_in(table, columns, records.data)
        return
    _copy_in(table, columns, (row_of(r) for r in records))
    if preview:
        _stash(batch, table, records, errors)


def _bill_stage_row(r: billrows.BillRow) -> tuple:
    return (
        r.row,
        r.psid,
        r.month,
        r.survey_id,
        r.monthly_fee,
        r.arrears,
        r.paid,
        r.paid_amount,
        r.paid_on,
        r.status,
        r.channel,
    )


def _plan_bills_sql(
    batch: ImportBatch, records: list[Any], errors: list[RowError], *, preview: bool
) -> Plan:
    """``BillImport.plan`` on PostgreSQL: COPY into ``bill_stage``, classify in ``bill_plan``.

    Runs in its own (nested) transaction: in the preview the tables are dropped at its end;
    in the commit they live on until the commit's end, and ``apply`` writes from them.
    """
    errors = list(errors)
    with transaction.atomic():
        _work_mem()
        _stage(batch, "bill_stage", BILL_STAGE, records, _bill_stage_row, errors, preview=preview)
        outside, params = _plan_params(batch, records, "k.uc_id")
        months = params["months"]
        _sql("DROP TABLE IF EXISTS bill_plan")
        _sql(
            BILL_PLAN.format(
                outside=outside,
                PAID=int(BillStatus.PAID),
                PARTIAL=int(BillStatus.PARTIAL),
                c_status=status_sql("c"),
                APPROVED=int(AdjustmentStatus.APPROVED),
                **_VERDICTS,
            ),
            params,
        )
        if preview:  # the month-on-month checks join it; the commit's writes only scan it
            _sql("ANALYZE bill_plan")
        errors.extend(_bill_plan_errors())
        counts = {"new": 0, "changed": 0, "unchanged": 0, "payment_kept": 0, "adjusted_kept": 0}
        for verdict, n, kept, adjusted in _sql(
            "SELECT verdict, count(*), count(*) FILTER (WHERE keep_paid),"
            " count(*) FILTER (WHERE kept_adjusted) FROM bill_plan"
            " WHERE verdict IN (%s, %s, %s) GROUP BY verdict",
            ACCEPTED,
        ):
            counts[{NEW: "new", SAME: "unchanged", CHANGED: "changed"}[verdict]] = n
            if verdict != NEW:
                counts["payment_kept"] += kept
                counts["adjusted_kept"] += adjusted
        details: dict[str, Any] = {}
        if preview:  # the commit needs no month-on-month report (the preview has it)
            details = {
                "months": [m.isoformat()[:7] for m in months],
                "changes_sample": _bill_changes_sample(),
                "adjusted_sample": _adjusted_sample_sql(),
                "checks": _month_checks_sql(months),
            }
    work = {"sql": True, "psids": (params["low"], params["high"]), **counts}
    return Plan(counts=counts, details=details, errors=errors, work=work)


_VERDICTS = {
    "NEW": NEW,
    "SAME": SAME,
    "CHANGED": CHANGED,
    "UNKNOWN_UNIT": UNKNOWN_UNIT,
    "OUTSIDE": OUTSIDE,
    "PSID_TAKEN": PSID_TAKEN,
    "UNIT_HAS_BILL": UNIT_HAS_BILL,
}


def _adjusted_sample_sql() -> list[dict[str, Any]]:
    """The first adjusted bills whose file figures differ (kept as they are)."""
    sample = []
    for row, psid, month, survey, fee, arrears, kept_fee, kept_arrears in _sql(
        "SELECT row, psid, month, survey_id, file_fee, file_arrears, monthly_fee, arrears"
        " FROM bill_plan WHERE verdict IN (%s, %s) AND kept_adjusted ORDER BY row LIMIT %s",
        [SAME, CHANGED, SAMPLE],
    ):
        rec = billrows.BillRow(row, psid, month, survey, fee, arrears)
        sample.append(_kept_adjusted(rec, fee, arrears, kept_fee, kept_arrears))
    return sample


def _bill_plan_errors() -> list[RowError]:
    """The rows the database refused."""
    return [
        _bill_rejection(*values)
        for values in _sql_rows(
            "SELECT verdict, row, survey_id, psid, p_unit,"
            " CASE WHEN verdict = %s THEN p_month ELSE month END, c_psid FROM bill_plan"
            " WHERE verdict >= %s ORDER BY row",
            [PSID_TAKEN, UNKNOWN_UNIT],
        )
    ]


def _bill_rejection(
    verdict: int,
    row: int,
    survey_id: str,
    psid: int,
    unit: int | None = None,
    month: dt.date | None = None,
    other_psid: int | None = None,
) -> RowError:
    """Why a bill row is rejected (both paths): ``unit`` and ``month`` are those of the bill
    that has the PSID (PSID_TAKEN) or the row's own (UNIT_HAS_BILL, with ``other_psid``)."""
    if verdict == UNKNOWN_UNIT:
        return RowError(row, "survey_id", survey_id, gettext("unknown survey id"))
    if verdict == OUTSIDE:
        return RowError(row, "survey_id", survey_id, gettext("unit is outside your area"))
    if verdict == PSID_TAKEN:
        reason = gettext("PSID already belongs to another bill (unit #%(unit)s, %(month)s)") % {
            "unit": unit,
            "month": f"{month:%b-%Y}",
        }
    else:
        reason = gettext("this unit already has bill %(psid)s for %(month)s") % {
            "psid": other_psid,
            "month": f"{month:%b-%Y}",
        }
    return RowError(row, "psid", str(psid), reason)


def _bill_changes_sample() -> list[dict[str, Any]]:
    """The first changed rows with what changed, computed as the row-by-row path does."""
    sample = []
    for values in _sql(
        "SELECT row, psid, month, survey_id, monthly_fee, arrears, paid, paid_amount, paid_on,"
        " channel, c_psid, unit_id, c_fee, c_arrears, c_paid, c_paid_on, c_status, c_channel"
        " FROM bill_plan WHERE verdict = %s ORDER BY row LIMIT %s",
        [CHANGED, SAMPLE],
    ):
        rec = billrows.BillRow(*values[:4], *values[4:6], *values[6:10])
        current = (*values[10:12], rec.month, *values[12:])
        sample.append(
            {
                "psid": str(rec.psid),
                "survey_id": rec.survey_id,
                "month": f"{rec.month:%b-%Y}",
                "changes": _bill_diff(current, rec),
            }
        )
    return sample


def _month_checks_sql(months: list[dt.date]) -> list[dict[str, Any]]:
    """``_month_checks`` as SQL: the database's bills of the file's months and the months
    before, overlaid with the accepted rows (``bill_months``), compared month by month."""
    every = sorted(set(months) | {month_add(m, -1) for m in months})
    _sql("DROP TABLE IF EXISTS bill_months")
    _sql(
        "CREATE TEMP TABLE bill_months ON COMMIT DROP AS"
        " SELECT COALESCE(f.unit_id, b.unit_id) AS unit_id, COALESCE(f.month, b.month) AS month,"
        " COALESCE(f.fee, b.monthly_fee) AS fee, COALESCE(f.arrears, b.arrears) AS arrears,"
        " COALESCE(f.paid, b.paid_amount) AS paid, f.unit_id IS NOT NULL AS in_file,"
        " COALESCE(f.adjusted, FALSE) AS adjusted"
        " FROM (SELECT unit_id, month, monthly_fee AS fee, arrears,"
        "   CASE WHEN paid THEN paid_amount ELSE COALESCE(c_paid, 0) END AS paid, adjusted"
        "   FROM bill_plan WHERE verdict IN (%s, %s, %s)) f"
        " FULL JOIN (SELECT unit_id, month, monthly_fee, arrears, paid_amount FROM billing_bill"
        "   WHERE month = ANY(%s::date[])) b ON b.unit_id = f.unit_id AND b.month = f.month",
        [*ACCEPTED, every],
    )
    checks = []
    for month in months:
        prev = month_add(month, -1)
        before = _sql("SELECT count(*) FROM bill_months WHERE month = %s", [prev])[0][0]
        if not before:
            checks.append({"month": f"{month:%b-%Y}", "previous": f"{prev:%b-%Y}", "skipped": True})
            continue
        checks.append(_month_check_sql(month, prev))
    return checks


def _month_check_sql(month: dt.date, prev: dt.date) -> dict[str, Any]:
    _sql("DROP TABLE IF EXISTS bill_check")
    _sql(
        "CREATE TEMP TABLE bill_check ON COMMIT DROP AS SELECT * FROM ("
        " SELECT COALESCE(m.unit_id, p.unit_id) AS unit_id, m.unit_id IS NULL AS missing,"
        " COALESCE(m.in_file AND p.unit_id IS NULL, FALSE) AS new_unit,"
        # An adjusted bill's own figures come from its adjustment (see ``_month_checks``).
        " COALESCE(m.in_file AND NOT m.adjusted AND m.fee <> p.fee, FALSE) AS fee_change,"
        " COALESCE(m.in_file AND NOT m.adjusted"
        "   AND m.arrears <> GREATEST(0, p.fee + p.arrears - p.paid), FALSE) AS arrears_off,"
        " m.fee, m.arrears, p.fee AS p_fee, GREATEST(0, p.fee + p.arrears - p.paid) AS expected"
        " FROM (SELECT * FROM bill_months WHERE month = %s) p"
        " FULL JOIN (SELECT * FROM bill_months WHERE month = %s) m ON m.unit_id = p.unit_id"
        ") x WHERE missing OR new_unit OR fee_change OR arrears_off",
        [prev, month],
    )
    ((missing, new_units, fees, arrears),) = _sql(
        "SELECT count(*) FILTER (WHERE missing), count(*) FILTER (WHERE new_unit),"
        " count(*) FILTER (WHERE fee_change), count(*) FILTER (WHERE arrears_off)"
        " FROM bill_check"
    )

    def sample(flag: str) -> list[tuple]:
        # ``flag`` is one of this function's column names.
        return _sql(
            "SELECT u.survey_id, c.fee, c.arrears, c.p_fee, c.expected FROM bill_check c"  # noqa: S608
            f" JOIN units_surveyunit u ON u.id = c.unit_id WHERE c.{flag}"
            " ORDER BY c.unit_id LIMIT %s",
            [SAMPLE],
        )

    return {
        "month": f"{month:%b-%Y}",
        "previous": f"{prev:%b-%Y}",
        "missing": missing,
        "missing_sample": [r[0] for r in sample("missing")],
        "new_units": new_units,
        "new_units_sample": [r[0] for r in sample("new_unit")],
        "fee_changes": fees,
        "fee_changes_sample": [
            f"{s}: {p_fee} → {fee}" for s, fee, _a, p_fee, _e in sample("fee_change")
        ],
        "arrears_mismatch": arrears,
        "arrears_mismatch_sample": [
            f"{s}: {a} (expected {e})" for s, _f, a, _p, e in sample("arrears_off")
        ],
    }


def _apply_bills_sql(batch: ImportBatch, plan: Plan) -> dict[str, int]:
    """Write from ``bill_plan`` (made by ``plan`` in this same transaction)."""
    new, changed = plan.work["new"], plan.work["changed"]
    inserted = _sql_count(
        "INSERT INTO billing_bill (psid, unit_id, month, monthly_fee, arrears, paid_amount,"
        " paid_on, channel)"
        " SELECT psid, unit_id, month, monthly_fee, arrears, f_paid, f_paid_on, f_channel"
        " FROM bill_plan WHERE verdict = %s ORDER BY unit_id, month"
        " ON CONFLICT DO NOTHING",
        [NEW],
    )
    if inserted != new:
        raise ConcurrentChange(gettext("Bills were added meanwhile; start the import again."))
    # A month of new bills changes none: skip the join. Without statistics on bill_plan (not
    # analysed in the commit) and on the bills just inserted, PostgreSQL picks a nested loop
    # over both — 30 s for 12,000 new bills, found by the worker-killed drill (issue 21).
    updated = (
        _sql_count(
            "UPDATE billing_bill b SET monthly_fee = s.monthly_fee, arrears = s.arrears,"
            " paid_amount = s.f_paid, paid_on = s.f_paid_on, channel = s.f_channel"
            " FROM bill_plan s WHERE b.psid = s.psid AND s.verdict = %s"
            " AND b.monthly_fee = s.c_fee AND b.arrears = s.c_arrears"
            " AND b.paid_amount = s.c_paid"
            " AND b.psid BETWEEN %s AND %s",  # read the file's part of the primary key only
            [CHANGED, *plan.work["psids"]],
        )
        if changed
        else 0
    )
    if updated != changed:
        raise ConcurrentChange(gettext("Bills were changed meanwhile; start the import again."))
    # The PSIDs written, as runs of consecutive numbers (gaps and islands), saved with the
    # batch by the commit: the bill itself does not name its import.
    batch.set_psid_runs(
        [
            [first, last]
            for first, last in _sql(
                "SELECT min(psid), max(psid) FROM (SELECT psid,"
                " psid - row_number() OVER (ORDER BY psid) AS island FROM bill_plan"
                " WHERE verdict IN (%s, %s)) x GROUP BY island ORDER BY 1",
                [NEW, CHANGED],
            )
        ],
        _sql(
            "SELECT min(month), max(month) FROM bill_plan WHERE verdict IN (%s, %s)",
            [NEW, CHANGED],
        )[0],
    )
    _audit_select(
        actor=batch.created_by,
        action="bill.import_change",
        changes=BILL_CHANGES,
        source="FROM bill_plan WHERE verdict = %s",
        params=[batch.pk, CHANGED],
    )
    keys = _sql(
        "SELECT DISTINCT uc_id, month FROM bill_plan WHERE verdict IN (%s, %s)", [NEW, CHANGED]
    )
    stats_refresh(keys=sorted(keys))
    return {"written": new + changed}


class LegacyBillImport(BillImport):
    """The old system's ``bills`` export: the same rules, with its payment columns."""

    kind: str = ImportBatch.Kind.LEGACY
    label: str = gettext_noop("Legacy bills export (old system)")


# --- payments -------------------------------------------------------------------------------


class PaymentImport:
    kind: str = ImportBatch.Kind.PAYMENTS
    label: str = gettext_noop("Payments file (e-Pay / bank)")
    spec: Sequence[Column] = billrows.PAYMENT_COLUMNS

    def parse(self, table: Table, progress: Progress) -> tuple[list[Any], list[RowError]]:
        return billrows.parse_payments(table, progress, today=timezone.localdate())

    def resume(self, batch: ImportBatch) -> tuple[Staged, list[RowError]] | None:
        """The commit: the rows its preview checked and staged, when still valid."""
        return _resume(batch, "payment_stage")

    def after_commit(self, batch: ImportBatch) -> None:
        """A month's payments update most of its bills: keep the indexes tight."""
        reindex_after_load(batch.counts.get("written", 0))

    def plan(
        self,
        batch: ImportBatch,
        records: list[Any],
        errors: list[RowError],
        *,
        preview: bool = True,
    ) -> Plan:
        """Match payments to bills on PSID. Who may call: the import machinery."""
        if set_based():
            return _plan_payments_sql(batch, records, errors, preview=preview)
        errors = list(errors)
        allowed = _allowed(batch)
        bills: dict[int, tuple] = {}
        psids = sorted(r.psid for r in records)
        unit_ids: set[int] = set()
        # Primary-key lookups only (no join): the units' UCs are read once below.
        fields = ("psid", "unit_id", "month", "monthly_fee", "arrears", "paid_amount")
        for row in _bills_by_psid(psids, (*fields, "paid_on", "status", "channel")):
            bills[row[0]] = row
            unit_ids.add(row[1])
        uc_of = _uc_of_units(unit_ids)
        bills = {k: (v[0], uc_of[v[1]], *v[2:]) for k, v in bills.items()}
        forgiven = _forgiven_psids(sorted(bills))
        apply: list[tuple] = []  # (record, bill row, new status)
        exceptions: list[PaymentException] = []
        unchanged = 0
        kinds: Counter[str] = Counter()
        Kind = PaymentException.Kind

        def exception(rec: billrows.PaymentRow, kind: int, bill: tuple | None, applied=False):
            kinds[Kind(kind).name] += 1
            exceptions.append(
                PaymentException(
                    batch_id=batch.pk,
                    row=rec.row,
                    kind=kind,
                    psid=rec.psid,
                    bill_id=bill[0] if bill else None,
                    paid_on=rec.paid_on,
                    amount=rec.amount,
                    channel=rec.channel,
                    applied=applied,
                )
            )

        for rec in records:
            bill = bills.get(rec.psid)
            if bill is None:
                exception(rec, Kind.UNKNOWN_PSID, None)
                continue
            if allowed is not None and bill[1] not in allowed:
                errors.append(
                    RowError(rec.row, "psid", str(rec.psid), gettext("bill is outside your area"))
                )
                continue
            if bill[5]:  # already has a payment
                if bill[8] == PaymentChannel.CASH_FIELD:
                    # Cash was collected in the field for this bill: paid twice (even if the
                    # amount and date are the same, the file's payment is another one).
                    exception(rec, Kind.DOUBLE_PAYMENT, bill)
                elif (bill[5], bill[6]) == (rec.amount, rec.paid_on):
                    unchanged += 1
                else:
                    exception(rec, Kind.ALREADY_PAID, bill)
                continue
            if rec.paid_on < bill[2]:
                exception(rec, Kind.BEFORE_BILL_MONTH, bill)
                continue
            due = bill[3] + bill[4]
            status = BillStatus.PAID if rec.amount >= due else BillStatus.PARTIAL
            if rec.psid in forgiven:
                # Money received is recorded; a waived or written-off bill is checked by hand.
                exception(rec, Kind.ADJUSTED_BILL, bill, applied=True)
            elif rec.amount > due:
                exception(rec, Kind.OVERPAID, bill, applied=True)
            apply.append((rec, bill, int(status)))
        exceptions = _new_exceptions_only(exceptions)
        paid = sum(1 for _r, _b, s in apply if s == BillStatus.PAID)
        return Plan(
            counts={
                "new": 0,
                "changed": len(apply),
                "paid": paid,
                "partial": len(apply) - paid,
                "unchanged": unchanged,
                "exceptions": len(exceptions),
            },
            details={"exceptions": dict(kinds), "amount": sum(r.amount for r, _b, _s in apply)},
            errors=errors,
            work={"apply": apply, "exceptions": exceptions},
        )

    def apply(self, batch: ImportBatch, plan: Plan) -> dict[str, int]:
        """Inside the commit transaction: record the payments on UNPAID bills only."""
        if plan.work.get("sql"):
            return _apply_payments_sql(batch, plan)
        apply: list[tuple] = plan.work["apply"]
        for rec, _bill, _status in apply:
            done = Bill.objects.filter(psid=rec.psid, paid_amount=0).update(
                paid_amount=rec.amount, paid_on=rec.paid_on, channel=rec.channel
            )
            if done != 1:
                raise ConcurrentChange(
                    gettext("Bills were paid meanwhile; start the import again.")
                )
        PaymentException.objects.bulk_create(plan.work["exceptions"], batch_size=2000)
        _audit_many(
            actor=batch.created_by,
            action="bill.payment",
            items=(
                (
                    rec.psid,
                    {
                        "status": [int(BillStatus.UNPAID), status],
                        "paid_amount": [0, rec.amount],
                        "paid_on": [None, rec.paid_on.isoformat()],
                        "channel": [int(PaymentChannel.NONE), rec.channel],
                        "batch": batch.pk,
                    },
                )
                for rec, _bill, status in apply
            ),
        )
        stats_refresh(keys=sorted({(bill[1], bill[2]) for _r, bill, _s in apply}))
        return {"written": len(apply)}


def _forgiven_psids(psids: Sequence[int]) -> set[int]:
    """The bills among ``psids`` with an approved waiver or write-off (billing.adjustments)."""
    from suthra.billing.adjustments import FORGIVING_KINDS

    out: set[int] = set()
    for chunk in _chunks(psids):
        out.update(
            Adjustment.objects.filter(
                bill_id__in=chunk, status=AdjustmentStatus.APPROVED, kind__in=FORGIVING_KINDS
            ).values_list("bill_id", flat=True)
        )
    return out


def _uc_of_units(unit_ids: set[int]) -> dict[int, int]:
    qs = SurveyUnit.objects.values_list("id", "uc_id")
    if len(unit_ids) > 20_000:  # one pass over the table beats many IN lists
        return dict(qs.iterator(chunk_size=50_000))
    result: dict[int, int] = {}
    for chunk in _chunks(sorted(unit_ids)):
        result.update(qs.filter(id__in=chunk))
    return result


def _new_exceptions_only(exceptions: list[PaymentException]) -> list[PaymentException]:
    """The same problem reported by an earlier file is not queued twice."""
    if not exceptions:
        return exceptions
    seen: set[tuple] = set()
    for chunk in _chunks([e.psid for e in exceptions]):
        seen.update(
            PaymentException.objects.filter(psid__in=chunk).values_list(
                "psid", "kind", "paid_on", "amount"
            )
        )
    return [e for e in exceptions if (e.psid, e.kind, e.paid_on, e.amount) not in seen]


# --- payments, set-based (PostgreSQL) ---------------------------------------------------------

# Verdicts of ``payment_plan``: OUTSIDE as for bills; a payment that becomes an exception has
# the exception's kind (PaymentException.Kind, 1–4) as its verdict.
PAY_UNCHANGED, PAY_APPLY = 20, 21

PAYMENT_STAGE = (
    ("row", "integer"),
    ("psid", "bigint"),
    ("paid_on", "date"),
    ("amount", "integer"),
    ("channel", "smallint"),
)

# Every staged payment joined to its bill and the bill's UC; the verdict and the exception to
# queue (``exc_kind``) follow the row-by-row ``PaymentImport.plan`` rule by rule.
PAYMENT_PLAN = """
CREATE TEMP TABLE payment_plan ON COMMIT DROP AS
SELECT k.*,
    (CASE WHEN k.verdict = {APPLY} AND k.amount >= k.due THEN {PAID}
        ELSE {PARTIAL} END)::smallint AS status,
    (CASE WHEN k.verdict IN ({UNKNOWN_PSID}, {ALREADY_PAID}, {BEFORE_BILL_MONTH},
            {DOUBLE_PAYMENT}) THEN k.verdict
        WHEN k.verdict = {APPLY} AND k.forgiven THEN {ADJUSTED_BILL}
        WHEN k.verdict = {APPLY} AND k.amount > k.due THEN {OVERPAID} END)::smallint AS exc_kind,
    FALSE AS queued_before
FROM (
    SELECT j.*, (CASE
        WHEN j.month IS NULL THEN {UNKNOWN_PSID}
        WHEN {outside} THEN {OUTSIDE}
        WHEN j.b_paid > 0 AND j.b_channel = {CASH_FIELD} THEN {DOUBLE_PAYMENT}
        WHEN j.b_paid > 0 AND j.b_paid = j.amount AND j.b_paid_on = j.paid_on THEN {UNCHANGED}
        WHEN j.b_paid > 0 THEN {ALREADY_PAID}
        WHEN j.paid_on < j.month THEN {BEFORE_BILL_MONTH}
        ELSE {APPLY} END)::smallint AS verdict
    FROM (
        SELECT s.*, b.unit_id, u.uc_id, b.month, b.monthly_fee + b.arrears AS due,
            b.paid_amount AS b_paid, b.paid_on AS b_paid_on, b.channel AS b_channel,
            EXISTS (SELECT 1 FROM billing_adjustment a WHERE a.bill_id = s.psid
                AND a.status = {APPROVED} AND a.kind IN ({FORGIVING})) AS forgiven
        FROM payment_stage s
        LEFT JOIN billing_bill b ON b.psid = s.psid AND b.psid BETWEEN %(low)s AND %(high)s
        LEFT JOIN units_surveyunit u ON u.id = b.unit_id
    ) j
) k
"""


def _plan_payments_sql(
    batch: ImportBatch, records: list[Any], errors: list[RowError], *, preview: bool
) -> Plan:
    """``PaymentImport.plan`` on PostgreSQL: COPY into ``payment_stage``, classify in
    ``payment_plan`` (see ``_plan_bills_sql`` for the transaction)."""
    from suthra.billing.adjustments import FORGIVING_KINDS

    errors = list(errors)
    Kind = PaymentException.Kind
    with transaction.atomic():
        _work_mem()
        _stage(
            batch,
            "payment_stage",
            PAYMENT_STAGE,
            records,
            lambda r: (r.row, r.psid, r.paid_on, r.amount, r.channel),
            errors,
            preview=preview,
        )
        outside, params = _plan_params(batch, records, "j.uc_id")
        _sql("DROP TABLE IF EXISTS payment_plan")
        _sql(
            PAYMENT_PLAN.format(
                outside=outside,
                APPLY=PAY_APPLY,
                UNCHANGED=PAY_UNCHANGED,
                OUTSIDE=OUTSIDE,
                PAID=int(BillStatus.PAID),
                PARTIAL=int(BillStatus.PARTIAL),
                APPROVED=int(AdjustmentStatus.APPROVED),
                FORGIVING=", ".join(str(int(k)) for k in FORGIVING_KINDS),
                CASH_FIELD=int(PaymentChannel.CASH_FIELD),
                **{k.name: int(k) for k in Kind},
            ),
            params,
        )
        # The same problem reported by an earlier file is not queued twice.
        _sql(
            "UPDATE payment_plan p SET queued_before = TRUE FROM billing_paymentexception e"
            " WHERE p.exc_kind IS NOT NULL AND e.psid = p.psid AND e.kind = p.exc_kind"
            " AND e.paid_on = p.paid_on AND e.amount = p.amount"
        )
        _sql("ANALYZE payment_plan")
        errors.extend(
            RowError(row, "psid", str(psid), gettext("bill is outside your area"))
            for row, psid in _sql_rows(
                "SELECT row, psid FROM payment_plan WHERE verdict = %s ORDER BY row", [OUTSIDE]
            )
        )
        ((applied, paid, unchanged, queued, amount),) = _sql(
            "SELECT count(*) FILTER (WHERE verdict = %s),"
            " count(*) FILTER (WHERE verdict = %s AND status = %s),"
            " count(*) FILTER (WHERE verdict = %s),"
            " count(*) FILTER (WHERE exc_kind IS NOT NULL AND NOT queued_before),"
            " COALESCE(sum(amount) FILTER (WHERE verdict = %s), 0) FROM payment_plan",
            [PAY_APPLY, PAY_APPLY, int(BillStatus.PAID), PAY_UNCHANGED, PAY_APPLY],
        )
        kinds = {
            Kind(kind).name: n
            for kind, n in _sql(
                "SELECT exc_kind, count(*) FROM payment_plan WHERE exc_kind IS NOT NULL"
                " GROUP BY exc_kind ORDER BY min(row)"
            )
        }
    counts = {
        "new": 0,
        "changed": applied,
        "paid": paid,
        "partial": applied - paid,
        "unchanged": unchanged,
        "exceptions": queued,
    }
    return Plan(
        counts=counts,
        details={"exceptions": kinds, "amount": int(amount)},
        errors=errors,
        work={"sql": True, "psids": (params["low"], params["high"]), "applied": applied},
    )


def _apply_payments_sql(batch: ImportBatch, plan: Plan) -> dict[str, int]:
    """Write from ``payment_plan`` (made by ``plan`` in this same transaction)."""
    applied = plan.work["applied"]
    updated = _sql_count(
        "UPDATE billing_bill b SET paid_amount = s.amount, paid_on = s.paid_on,"
        " channel = s.channel FROM payment_plan s"
        " WHERE s.verdict = %s AND b.psid = s.psid AND b.paid_amount = 0"
        " AND b.psid BETWEEN %s AND %s",  # read the file's part of the primary key only
        [PAY_APPLY, *plan.work["psids"]],
    )
    if updated != applied:
        raise ConcurrentChange(gettext("Bills were paid meanwhile; start the import again."))
    _sql(
        "INSERT INTO billing_paymentexception (batch_id, row, kind, psid, bill_id, paid_on,"
        " amount, channel, applied, resolution, receipt_number)"
        " SELECT %s, row, exc_kind, psid, CASE WHEN month IS NULL THEN NULL ELSE psid END,"
        " paid_on, amount, channel, verdict = %s, '', '' FROM payment_plan"
        " WHERE exc_kind IS NOT NULL AND NOT queued_before ORDER BY row",
        [batch.pk, PAY_APPLY],
    )
    _audit_select(
        actor=batch.created_by,
        action="bill.payment",
        changes=(
            "jsonb_build_object('status', jsonb_build_array(%s::integer, status),"
            " 'paid_amount', jsonb_build_array(0, amount),"
            " 'paid_on', jsonb_build_array(NULL, paid_on),"
            " 'channel', jsonb_build_array(%s::integer, channel), 'batch', %s::integer)"
        ),
        source="FROM payment_plan WHERE verdict = %s",
        params=[int(BillStatus.UNPAID), int(PaymentChannel.NONE), batch.pk, PAY_APPLY],
    )
    keys = _sql("SELECT DISTINCT uc_id, month FROM payment_plan WHERE verdict = %s", [PAY_APPLY])
    stats_refresh(keys=sorted(keys))
    return {"written": applied}
