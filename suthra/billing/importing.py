"""Bill and payment imports: the database half (plan what changes, apply it set-based).

Registered with the shared import machinery in ``BillingConfig.ready()``. ``plan`` only reads;
``apply`` runs inside the commit's single transaction (see suthra/imports/services.py), right
after ``plan`` ran again in that transaction. On PostgreSQL the rows go through COPY into a
TEMP staging table (dropped at commit, as Supabase's transaction pooler requires) and are
written with one INSERT … ON CONFLICT and one UPDATE … FROM; on SQLite through the ORM in chunks.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from suthra.accounts.scope import uc_ids
from suthra.billing import rows as billrows
from suthra.billing.models import Bill, BillStatus, PaymentChannel, PaymentException
from suthra.core.audit import audit_bulk
from suthra.imports.models import ImportBatch
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
            sql = f"SELECT {', '.join(fields)} FROM billing_bill WHERE {where}"  # noqa: S608
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    rows: list[tuple] = []
    for chunk in _chunks(list(psids)):
        qs = Bill.objects.filter(psid__in=chunk)
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


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _stage(table: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: a TEMP table dropped at commit, filled with COPY."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} ({', '.join(f'{n} {t}' for n, t in columns)}) "
            "ON COMMIT DROP"
        )
        names = ", ".join(n for n, _ in columns)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for i, row in enumerate(rows, start=1):
                buffer.write("\t".join(_copy_value(v) for v in row))
                buffer.write("\n")
                if i % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())


def _audit_many(*, actor: Any, action: str, items: Iterable[tuple[Any, dict[str, Any]]]) -> None:
    """One audit event per bill. On PostgreSQL through COPY: 300,000 ORM inserts would take
    longer than the whole import; elsewhere through ``core.audit.audit_bulk``."""
    if connection.vendor != "postgresql":
        audit_bulk(actor=actor, action=action, object_type="bill", items=items)
        return
    from suthra.core.models import AuditEvent

    table = AuditEvent._meta.db_table
    now = timezone.now().isoformat()
    actor_id = getattr(actor, "pk", None)

    def rows() -> Iterator[tuple]:
        for object_id, changes in items:
            yield (now, actor_id, action, "bill", str(object_id), json.dumps(changes))

    columns = "at, actor_id, action, object_type, object_id, changes"
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows():
            copy.write_row(row)


# --- bills ----------------------------------------------------------------------------------


class BillImport:
    kind: str = ImportBatch.Kind.BILLS
    label: str = gettext_noop("Monthly bill file")
    spec: Sequence[Column] = billrows.BILL_COLUMNS

    def parse(self, table: Table, progress: Progress) -> tuple[list[Any], list[RowError]]:
        return billrows.parse_bills(table, progress, today=timezone.localdate())

    def plan(
        self,
        batch: ImportBatch,
        records: list[Any],
        errors: list[RowError],
        *,
        preview: bool = True,
    ) -> Plan:
        """Who may call: the import machinery (MANAGER and up, or a management command)."""
        errors = list(errors)
        allowed = _allowed(batch)
        units = _units({r.survey_id for r in records})
        months = {r.month for r in records}
        prev_months = {month_add(m, -1) for m in months} - months if preview else set()
        # Existing bills of the file's months (and the month before, for the checks).
        by_psid: dict[int, tuple] = {}
        by_unit_month: dict[tuple[int, dt.date], tuple] = {}
        for row in Bill.objects.filter(month__in=months | prev_months).values_list(*BILL_FIELDS):
            by_unit_month[(row[1], row[2])] = row
            if row[2] in months:
                by_psid[row[0]] = row
        # PSIDs used in other months.
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
        for rec in records:
            unit = units.get(rec.survey_id)
            if unit is None:
                errors.append(RowError(rec.row, "survey_id", rec.survey_id, "unknown survey id"))
                continue
            unit_id, uc_id = unit
            survey_of_unit[unit_id] = rec.survey_id
            if allowed is not None and uc_id not in allowed:
                errors.append(
                    RowError(rec.row, "survey_id", rec.survey_id, "unit is outside your area")
                )
                continue
            same_psid = by_psid.get(rec.psid) or elsewhere.get(rec.psid)
            if same_psid is not None and (same_psid[1], same_psid[2]) != (unit_id, rec.month):
                errors.append(
                    RowError(
                        rec.row,
                        "psid",
                        str(rec.psid),
                        f"PSID already belongs to another bill (unit #{same_psid[1]}, "
                        f"{same_psid[2]:%b-%Y})",
                    )
                )
                continue
            current = by_unit_month.get((unit_id, rec.month))
            if current is not None and current[0] != rec.psid:
                errors.append(
                    RowError(
                        rec.row,
                        "psid",
                        str(rec.psid),
                        f"this unit already has bill {current[0]} for {rec.month:%b-%Y}",
                    )
                )
                continue
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

        if not preview:  # the commit needs no month-on-month report (the preview has it)
            return Plan(
                counts={
                    "new": len(new),
                    "changed": len(changed),
                    "unchanged": unchanged,
                    "payment_kept": kept_payment,
                },
                errors=errors,
                work={"new": new, "changed": changed},
            )
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
            "checks": _month_checks(accepted, by_unit_month, months, survey_of_unit),
        }
        return Plan(
            counts={
                "new": len(new),
                "changed": len(changed),
                "unchanged": unchanged,
                "payment_kept": kept_payment,
            },
            details=details,
            errors=errors,
            work={"new": new, "changed": changed},
        )

    def apply(self, batch: ImportBatch, plan: Plan) -> dict[str, int]:
        """Inside the commit transaction: insert new bills, update changed ones."""
        new: list[tuple] = plan.work["new"]
        changed: list[tuple] = plan.work["changed"]
        if connection.vendor == "postgresql":
            _apply_bills_pg(batch, new, changed)
        else:
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


def _apply_bills_pg(batch: ImportBatch, new: list[tuple], changed: list[tuple]) -> None:
    columns = [
        ("psid", "bigint"),
        ("unit_id", "integer"),
        ("month", "date"),
        ("monthly_fee", "integer"),
        ("arrears", "integer"),
        ("paid_amount", "integer"),
        ("paid_on", "date"),
        ("status", "smallint"),
        ("channel", "smallint"),
        ("is_new", "boolean"),
        ("o_fee", "integer"),
        ("o_arrears", "integer"),
        ("o_paid", "integer"),
        ("o_status", "smallint"),
    ]

    def staged() -> Iterator[tuple]:
        for rec, unit_id, _uc in new:
            yield (
                rec.psid,
                unit_id,
                rec.month,
                rec.monthly_fee,
                rec.arrears,
                *_final(rec, None),
                True,
                None,
                None,
                None,
                None,
            )
        for rec, unit_id, _uc, cur, _diff in changed:
            yield (
                rec.psid,
                unit_id,
                rec.month,
                rec.monthly_fee,
                rec.arrears,
                *_final(rec, cur),
                False,
                cur[3],
                cur[4],
                cur[5],
                cur[7],
            )

    _stage("bill_stage", columns, staged())
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_bill (psid, unit_id, month, monthly_fee, arrears, paid_amount,"
            " paid_on, status, channel, batch_id)"
            " SELECT psid, unit_id, month, monthly_fee, arrears, paid_amount, paid_on, status,"
            " channel, %s FROM bill_stage WHERE is_new ON CONFLICT DO NOTHING",
            [batch.pk],
        )
        if cursor.rowcount != len(new):
            raise ConcurrentChange("Bills were added meanwhile; start the import again.")
        cursor.execute(
            "UPDATE billing_bill b SET monthly_fee = s.monthly_fee, arrears = s.arrears,"
            " paid_amount = s.paid_amount, paid_on = s.paid_on, status = s.status,"
            " channel = s.channel, batch_id = %s"
            " FROM bill_stage s WHERE b.psid = s.psid AND NOT s.is_new"
            " AND b.monthly_fee = s.o_fee AND b.arrears = s.o_arrears"
            " AND b.paid_amount = s.o_paid AND b.status = s.o_status",
            [batch.pk],
        )
        if cursor.rowcount != len(changed):
            raise ConcurrentChange("Bills were changed meanwhile; start the import again.")


def _apply_bills_orm(batch: ImportBatch, new: list[tuple], changed: list[tuple]) -> None:
    objects = []
    for rec, unit_id, _uc in new:
        paid_amount, paid_on, status, channel = _final(rec, None)
        objects.append(
            Bill(
                psid=rec.psid,
                unit_id=unit_id,
                month=rec.month,
                monthly_fee=rec.monthly_fee,
                arrears=rec.arrears,
                paid_amount=paid_amount,
                paid_on=paid_on,
                status=status,
                channel=channel,
                batch_id=batch.pk,
            )
        )
    Bill.objects.bulk_create(objects, batch_size=2000)
    for rec, _unit, _uc, cur, _diff in changed:
        paid_amount, paid_on, status, channel = _final(rec, cur)
        done = Bill.objects.filter(
            psid=rec.psid,
            monthly_fee=cur[3],
            arrears=cur[4],
            paid_amount=cur[5],
            status=cur[7],
        ).update(
            monthly_fee=rec.monthly_fee,
            arrears=rec.arrears,
            paid_amount=paid_amount,
            paid_on=paid_on,
            status=status,
            channel=channel,
            batch_id=batch.pk,
        )
        if done != 1:
            raise ConcurrentChange("Bills were changed meanwhile; start the import again.")


def _month_checks(
    accepted: list[tuple],
    db: dict[tuple[int, dt.date], tuple],
    months: set[dt.date],
    survey_of_unit: dict[int, str],
) -> list[dict[str, Any]]:
    """Month-on-month: missing units, new units, fee changes, arrears that do not follow."""
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

    def plan(
        self,
        batch: ImportBatch,
        records: list[Any],
        errors: list[RowError],
        *,
        preview: bool = True,
    ) -> Plan:
        """Match payments to bills on PSID. Who may call: the import machinery."""
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
                errors.append(RowError(rec.row, "psid", str(rec.psid), "bill is outside your area"))
                continue
            if bill[5]:  # already has a payment
                if (bill[5], bill[6]) == (rec.amount, rec.paid_on):
                    unchanged += 1
                else:
                    exception(rec, Kind.ALREADY_PAID, bill)
                continue
            if rec.paid_on < bill[2]:
                exception(rec, Kind.BEFORE_BILL_MONTH, bill)
                continue
            due = bill[3] + bill[4]
            status = BillStatus.PAID if rec.amount >= due else BillStatus.PARTIAL
            if rec.amount > due:
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
        apply: list[tuple] = plan.work["apply"]
        if connection.vendor == "postgresql":
            _stage(
                "payment_stage",
                [
                    ("psid", "bigint"),
                    ("paid_amount", "integer"),
                    ("paid_on", "date"),
                    ("status", "smallint"),
                    ("channel", "smallint"),
                ],
                ((r.psid, r.amount, r.paid_on, s, r.channel) for r, _b, s in apply),
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE billing_bill b SET paid_amount = s.paid_amount, paid_on = s.paid_on,"
                    " status = s.status, channel = s.channel FROM payment_stage s"
                    " WHERE b.psid = s.psid AND b.status = 0 AND b.paid_amount = 0"
                )
                if cursor.rowcount != len(apply):
                    raise ConcurrentChange("Bills were paid meanwhile; start the import again.")
        else:
            for rec, _bill, status in apply:
                done = Bill.objects.filter(
                    psid=rec.psid, status=BillStatus.UNPAID, paid_amount=0
                ).update(
                    paid_amount=rec.amount, paid_on=rec.paid_on, status=status, channel=rec.channel
                )
                if done != 1:
                    raise ConcurrentChange("Bills were paid meanwhile; start the import again.")
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
