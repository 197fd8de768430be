"""Pure row parsing for bill and payment files: raw table rows → typed records + row errors.

No database access here (see suthra/imports/parsers.py for the shared readers). Checks that
need the database (known survey id, PSID already used, scope) happen in ``billing.importing``.
The accepted headers are documented in docs/IMPORTS.md — keep the two in step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from suthra.billing.models import MAX_FEE, BillStatus, PaymentChannel
from suthra.imports import parsers
from suthra.imports.parsers import Column, RowError, Table

PSID = Column(
    "psid",
    ["psid", "payment slip id", "psid no", "psid number", "slip id", "challan no", "challan"],
    label="psid",
)
BILL_COLUMNS = [
    PSID,
    Column("month", ["bill_month", "month", "billing month", "bill period", "period"]),
    Column(
        "survey_id",
        ["survey_id_fk", "survey_id", "survey id", "unit id", "consumer id", "consumer no"],
    ),
    Column("monthly_fee", ["monthly_fee", "fee", "monthly fee", "current fee", "current amount"]),
    Column("arrears", ["arrears", "arrear", "previous balance", "arrears amount"]),
    Column(
        "amount_due",
        ["amount_due", "amount due", "total due", "total payable", "payable", "amount payable"],
        required=False,
    ),
    Column("status", ["payment_status", "status", "bill status"], required=False),
    Column("paid_on", ["paid_date", "paid on", "payment date", "date paid"], required=False),
    Column("paid_amount", ["paid_amount", "amount paid", "paid amt", "paid"], required=False),
    Column("channel", ["channel", "payment channel", "bank", "paid via"], required=False),
]
PAYMENT_COLUMNS = [
    PSID,
    Column(
        "paid_on",
        [
            "paid_date",
            "paid on",
            "payment date",
            "date paid",
            "transaction date",
            "txn date",
            "date",
        ],
    ),
    Column(
        "amount",
        ["paid_amount", "amount paid", "amount", "paid", "transaction amount", "txn amount"],
    ),
    Column(
        "channel",
        ["channel", "payment channel", "bank", "paid via", "mode", "source"],
        required=False,
    ),
]

# The digits of a PSID (``parsers.psid``'s defaults).
PSID_DIGITS = (12, 18)
PAID_WORDS = {"PAID": True, "PARTIAL": True, "PARTIALLY PAID": True, "PARTLY PAID": True}
UNPAID_WORDS = {"UNPAID", "ARREARS", "DUE", "PENDING", "NOT PAID"}

# Words in a channel/bank column → channel. Anything else non-empty is OTHER.
_CHANNEL_WORDS: list[tuple[str, PaymentChannel]] = [
    ("jazz", PaymentChannel.JAZZCASH),
    ("easypaisa", PaymentChannel.EASYPAISA),
    ("easy paisa", PaymentChannel.EASYPAISA),
    ("wallet", PaymentChannel.OTHER_WALLET),
    ("atm", PaymentChannel.ATM),
    ("internet", PaymentChannel.INTERNET_BANKING),
    ("ibft", PaymentChannel.INTERNET_BANKING),
    ("online", PaymentChannel.INTERNET_BANKING),
    ("mobile", PaymentChannel.MOBILE_BANKING),
    ("app", PaymentChannel.MOBILE_BANKING),
    ("cash", PaymentChannel.CASH_FIELD),
    ("field", PaymentChannel.CASH_FIELD),
    ("counter", PaymentChannel.BANK_COUNTER),
    ("otc", PaymentChannel.BANK_COUNTER),
    ("branch", PaymentChannel.BANK_COUNTER),
    ("1link", PaymentChannel.BANK_COUNTER),
    ("bank", PaymentChannel.BANK_COUNTER),
]
_BANKS = re.compile(r"\b(hbl|ubl|mcb|abl|nbp|bop|bahl|meezan|alfalah|askari|faysal|js)\b")


def channel(value: Any) -> int:
    raw = parsers.text(value).lower()
    if not raw:
        return PaymentChannel.OTHER
    if raw.isdigit() and int(raw) in PaymentChannel.values:
        return int(raw)
    for label in PaymentChannel:
        if raw == str(label.label).lower():
            return int(label)
    for word, result in _CHANNEL_WORDS:
        if word in raw:
            return int(result)
    if _BANKS.search(raw):
        return int(PaymentChannel.BANK_COUNTER)
    return int(PaymentChannel.OTHER)


@dataclass(slots=True)
class BillRow:
    row: int
    psid: int
    month: dt.date
    survey_id: str
    monthly_fee: int
    arrears: int
    # The payment the file reports (only when it says the bill is paid).
    paid: bool = False
    paid_amount: int = 0
    paid_on: dt.date | None = None
    channel: int = PaymentChannel.NONE

    @property
    def amount_due(self) -> int:
        return self.monthly_fee + self.arrears

    @property
    def status(self) -> int:
        if not self.paid:
            return BillStatus.UNPAID
        return BillStatus.PAID if self.paid_amount >= self.amount_due else BillStatus.PARTIAL


@dataclass(slots=True)
class PaymentRow:
    row: int
    psid: int
    paid_on: dt.date
    amount: int
    channel: int


class _Row:
    """Reads one row's cells and collects its errors."""

    def __init__(self, table: Table, number: int, values: list[Any]) -> None:
        self.table, self.number, self.values = table, number, values
        self.errors: list[RowError] = []

    def raw(self, key: str) -> Any:
        return self.table.get(self.values, key)

    def has(self, key: str) -> bool:
        return key in self.table.columns

    def read(self, key: str, reader: Callable[[Any], Any], *, optional: bool = False) -> Any:
        value = self.raw(key)
        if optional and parsers.text(value) == "":
            return None
        try:
            return reader(value)
        except ValueError as exc:
            self.error(key, value, str(exc))
            return None

    def error(self, key: str, value: Any, reason: str) -> None:
        header = self.table.headers[self.table.columns[key]] if key in self.table.columns else key
        self.errors.append(RowError(self.number, header, parsers.text(value), reason))


def _amount(name: str, maximum: int = parsers.MAX_INTEGER) -> Callable[[Any], int]:
    return lambda v: parsers.integer(v, name=name, maximum=maximum)


def _reject_duplicates(
    records: list[Any],
    errors: list[RowError],
    key: Callable[[Any], Any],
    column: str,
    describe: Callable[[Any], str],
) -> list[Any]:
    seen = Counter(key(record) for record in records)
    if len(seen) == len(records):  # no duplicates: the common case
        return records
    rows_by_key: dict[Any, list[int]] = defaultdict(list)
    for record in records:
        rows_by_key[key(record)].append(record.row)
    dupes = {k: rows for k, rows in rows_by_key.items() if len(rows) > 1}
    if not dupes:
        return records
    kept = []
    for record in records:
        rows = dupes.get(key(record))
        if rows is None:
            kept.append(record)
            continue
        others = ", ".join(str(r) for r in rows if r != record.row)
        errors.append(
            RowError(
                record.row,
                column,
                describe(record),
                gettext("appears again on row(s) %(rows)s") % {"rows": others},
            )
        )
    return kept


def parse_bills(
    table: Table, progress: Callable[[int], None], *, today: dt.date | None = None
) -> tuple[list[BillRow], list[RowError]]:
    """Bill file rows → ``BillRow``s; rows with any error are left out and reported."""
    today = today or timezone.localdate()
    records: list[BillRow] = []
    errors: list[RowError] = []
    fast = _fast_bill_reader(table, today)
    for i, (number, values) in enumerate(table.rows, start=1):
        if i % 5000 == 0:
            progress(i)
        # A clean row takes the fast path; any doubt takes the careful one below, which
        # reports every problem of the row.
        try:
            records.append(fast(number, values))
            continue
        except Exception:  # noqa: S110 - the careful path below says what is wrong
            pass
        r = _Row(table, number, values)
        psid = r.read("psid", parsers.psid)
        month = r.read("month", parsers.month)
        survey_id = parsers.text(r.raw("survey_id"))
        if not survey_id:
            r.error("survey_id", "", gettext("survey id is missing"))
        elif survey_id.startswith(parsers.FORMULA_PREFIXES):
            r.error(
                "survey_id", survey_id, gettext("looks like a formula; formulas are not evaluated")
            )
        fee = r.read("monthly_fee", _amount("monthly fee", MAX_FEE))
        arrears = r.read("arrears", _amount("arrears"))
        due = r.read("amount_due", _amount("amount due"), optional=True)
        if due is not None and fee is not None and arrears is not None and due != fee + arrears:
            r.error(
                "amount_due",
                due,
                gettext("amount due is not fee + arrears (%(n)s)") % {"n": fee + arrears},
            )
        record = None
        if not r.errors:
            record = BillRow(number, psid, month, survey_id, fee, arrears)
            _bill_payment(r, record, today)
        if month is not None and month > today.replace(day=1) + dt.timedelta(days=62):
            r.error("month", r.raw("month"), gettext("bill month is too far in the future"))
        if r.errors:
            errors.extend(r.errors)
        elif record is not None:
            records.append(record)
    progress(len(table.rows))
    records.sort(key=lambda b: b.row)
    records = _reject_duplicates(records, errors, lambda b: b.psid, "psid", lambda b: str(b.psid))
    records = _reject_duplicates(
        records,
        errors,
        lambda b: (b.survey_id, b.month),
        "survey_id",
        lambda b: f"{b.survey_id} {b.month:%b-%Y}",
    )
    return records, errors


def _fast_bill_reader(table: Table, today: dt.date) -> Callable[[int, list[Any]], BillRow]:
    """A reader for clean rows without payment data; raises on anything unusual."""
    c = table.columns
    i_psid, i_month, i_sid = c["psid"], c["month"], c["survey_id"]
    i_fee, i_arrears, i_due = c["monthly_fee"], c["arrears"], c.get("amount_due")
    payment = [c[k] for k in ("status", "paid_on", "paid_amount") if k in c]
    latest = today.replace(day=1) + dt.timedelta(days=62)
    integer, text, psid = parsers.integer, parsers.text, parsers.psid
    months: dict[str, dt.date] = {}  # a file has few spellings of its months

    def read(number: int, values: list[Any]) -> BillRow:
        # Plain strings of ASCII digits (a CSV's cells) are read inline, the rest by
        # ``parsers``: the same results, a third faster on 300,000 rows.
        for index in payment:
            cell = values[index] if index < len(values) else None
            if cell not in (None, "") and text(cell).upper() not in UNPAID_WORDS:
                raise ValueError("payment data: careful path")
        cell = values[i_sid]
        survey_id = cell.strip() if cell.__class__ is str else text(cell)
        if not survey_id or survey_id.startswith(parsers.FORMULA_PREFIXES):
            raise ValueError("survey id")
        cell = values[i_fee]
        fee = (
            int(cell)
            if cell.__class__ is str and cell.isdigit() and cell.isascii()
            else integer(cell)
        )
        if fee > MAX_FEE:
            raise ValueError("fee: careful path")
        cell = values[i_arrears]
        arrears = (
            int(cell)
            if cell.__class__ is str and cell.isdigit() and cell.isascii()
            else integer(cell)
        )
        if arrears > parsers.MAX_INTEGER:
            raise ValueError("arrears: careful path")
        due = values[i_due] if i_due is not None else None
        if due not in (None, "") and integer(due) != fee + arrears:
            raise ValueError("amount due")
        cell = values[i_month]
        month = months.get(cell) if cell.__class__ is str else None
        if month is None:
            month = parsers.month(cell)
            if cell.__class__ is str:
                months[cell] = month
        if month > latest:
            raise ValueError("month")
        cell = values[i_psid]
        if (
            cell.__class__ is str
            and cell.isdigit()
            and cell.isascii()
            and PSID_DIGITS[0] <= len(cell) <= PSID_DIGITS[1]
        ):
            number_psid = int(cell)
        else:
            number_psid = psid(cell)
        return BillRow(number, number_psid, month, survey_id, fee, arrears)

    return read


def _bill_payment(r: _Row, record: BillRow, today: dt.date) -> None:
    """Read the optional payment columns of a bill row into ``record``."""
    status_raw = parsers.text(r.raw("status")).upper().replace("_", " ")
    amount = r.read("paid_amount", _amount("paid amount"), optional=True)
    paid_on = r.read("paid_on", parsers.date, optional=True)
    if r.errors:
        return
    if status_raw and status_raw not in PAID_WORDS and status_raw not in UNPAID_WORDS:
        r.error(
            "status", status_raw, gettext("unknown status (use PAID, PARTIAL, UNPAID or ARREARS)")
        )
        return
    says_paid = status_raw in PAID_WORDS or (not status_raw and bool(amount))
    if not says_paid:
        if amount or paid_on:
            r.error(
                "status", status_raw, gettext("an unpaid bill must not have a paid amount or date")
            )
        return
    if not amount:
        r.error("paid_amount", amount, gettext("a paid bill needs a paid amount"))
        return
    if paid_on is None:
        r.error("paid_on", "", gettext("a paid bill needs a paid date"))
        return
    if paid_on > today:
        r.error("paid_on", paid_on, gettext("paid date is in the future"))
        return
    if paid_on < record.month:
        r.error("paid_on", paid_on, gettext("paid before the bill month"))
        return
    record.paid = True
    record.paid_amount = amount
    record.paid_on = paid_on
    record.channel = channel(r.raw("channel")) if r.has("channel") else PaymentChannel.OTHER


def parse_payments(
    table: Table, progress: Callable[[int], None], *, today: dt.date | None = None
) -> tuple[list[PaymentRow], list[RowError]]:
    """Payment file rows → ``PaymentRow``s; rows with any error are left out and reported."""
    today = today or timezone.localdate()
    records: list[PaymentRow] = []
    errors: list[RowError] = []
    c = table.columns
    i_psid, i_date, i_amount, i_channel = c["psid"], c["paid_on"], c["amount"], c.get("channel")
    channels: dict[Any, int] = {}
    dates: dict[Any, dt.date] = {}  # a file has few distinct dates
    integer, date, psid_of = parsers.integer, parsers.date, parsers.psid
    for i, (number, values) in enumerate(table.rows, start=1):
        if i % 5000 == 0:
            progress(i)
        with contextlib.suppress(Exception):  # the fast path for clean rows, as for bills
            amount = integer(values[i_amount])
            cell = values[i_date]
            paid_on = dates.get(cell) if cell.__class__ is str else None
            if paid_on is None:
                paid_on = date(cell)
                if cell.__class__ is str:
                    dates[cell] = paid_on
            if amount > 0 and paid_on <= today:
                cell = values[i_channel] if i_channel is not None else ""
                if cell not in channels:
                    channels[cell] = channel(cell)
                psid = psid_of(values[i_psid])
                records.append(PaymentRow(number, psid, paid_on, amount, channels[cell]))
                continue
        r = _Row(table, number, values)
        psid = r.read("psid", parsers.psid)
        paid_on = r.read("paid_on", parsers.date)
        amount = r.read("amount", _amount("paid amount"))
        if amount == 0:
            r.error("amount", 0, gettext("paid amount must be more than 0"))
        if paid_on is not None and paid_on > today:
            r.error("paid_on", paid_on, gettext("paid date is in the future"))
        if r.errors:
            errors.extend(r.errors)
        else:
            records.append(PaymentRow(number, psid, paid_on, amount, channel(r.raw("channel"))))
    progress(len(table.rows))
    records = _reject_duplicates(records, errors, lambda p: p.psid, "psid", lambda p: str(p.psid))
    return records, errors
