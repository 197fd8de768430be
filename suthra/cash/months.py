"""The months a cash receipt pays: the months of the bill's arrears (found as the printed bill
finds them, ``consumers.selectors.arrears_months``), the bill's own month, and months paid in
advance, in that order (oldest first), after what the bill already had paid.

Stored on the receipt when it is made (``CashReceipt.months``), so a receipt printed again later
names the same months whatever was paid on the bill since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import get_language

from suthra.billing.models import Bill
from suthra.cash.models import CashReceipt
from suthra.consumers.printing import month_en, month_ur, months_text
from suthra.consumers.selectors import ARREARS_LOOKBACK, arrears_months, month_add


def _shares(
    bill_month: dt.date, fee: int, arrears: int, history: Sequence[tuple[dt.date, int, int, int]]
) -> list[tuple[dt.date | None, int]]:
    """What each month of the arrears still owes, oldest first (``None``: from before the
    months found). A payment goes to the oldest first, so what is left unpaid of the arrears
    sits in the newest months: each takes up to its own fee, the oldest the rest."""
    months, more = arrears_months(bill_month, arrears, history)
    fees = {m: f for m, f, _a, _p in history}
    left = arrears
    out: list[tuple[dt.date | None, int]] = []
    for m in months:  # newest first
        share = min(fees.get(m, fee), left)
        out.append((m, share))
        left -= share
    if left > 0:
        if more or not out:
            out.append((None, left))
        else:
            oldest, share = out[-1]
            out[-1] = (oldest, share + left)
    return list(reversed(out))


def months_paid(
    *,
    bill_month: dt.date,
    fee: int,
    arrears: int,
    paid_before: int,
    amount: int,
    history: Sequence[tuple[dt.date, int, int, int]],
) -> tuple[list[dt.date], bool]:
    """(months, earlier) that ``amount`` pays on a bill that had ``paid_before`` paid already:
    the arrears' months, the bill's month, and the months after it for an advance; ``earlier``
    when it reaches arrears from before the months found. ``history`` is (month, fee, arrears,
    paid) of the unit's earlier bills, newest first (as ``arrears_months`` takes it)."""
    segments = _shares(bill_month, fee, arrears, history)
    segments.append((bill_month, fee))
    start = paid_before
    end = paid_before + amount
    months: list[dt.date] = []
    earlier = False
    at = 0
    for month, share in segments:
        if share > 0 and at < end and at + share > start:
            if month is None:
                earlier = True
            else:
                months.append(month)
        at += share
    # Beyond the bill: an advance, one month per fee.
    ahead = 1
    while at < end and fee > 0:
        months.append(month_add(bill_month, ahead))
        at += fee
        ahead += 1
    if not months and not earlier:
        months = [bill_month]
    return months, earlier


def bill_history(bill: Bill) -> list[tuple[dt.date, int, int, int]]:
    """(month, fee, arrears, paid) of the unit's bills before ``bill``, newest first, as far
    back as the printed bill looks."""
    rows = (
        Bill.objects.filter(
            unit_id=bill.unit_id,
            month__lt=bill.month,
            month__gte=month_add(bill.month, -ARREARS_LOOKBACK),
        )
        .order_by("-month")
        .values_list("month", "monthly_fee", "arrears", "paid_amount")
    )
    return list(rows)


def bill_months_paid(bill: Bill, amount: int) -> tuple[list[dt.date], bool]:
    """The months ``amount`` pays on ``bill`` as it stands (before the payment is added)."""
    return months_paid(
        bill_month=bill.month,
        fee=bill.monthly_fee,
        arrears=bill.arrears,
        paid_before=bill.paid_amount,
        amount=amount,
        history=bill_history(bill),
    )


def receipt_months(receipt: CashReceipt) -> tuple[list[dt.date], bool]:
    """The months a receipt paid, as stored when it was made (the bill's month for a receipt
    made before the months were kept)."""
    months = [dt.date.fromisoformat(f"{m}-01") for m in receipt.months]
    if not months and not receipt.months_earlier:
        months = [receipt.month]
    return months, receipt.months_earlier


def receipt_months_label(receipt: CashReceipt) -> tuple[str, str]:
    months, earlier = receipt_months(receipt)
    return months_label(months, earlier, bill_month=receipt.month)


def months_label(
    months: Sequence[dt.date], earlier: bool, *, bill_month: dt.date
) -> tuple[str, str]:
    """(English, Urdu) text of the months paid: ``"Sep 2026 – Nov 2026 (3)"``; arrears from
    before the months found add "and earlier"."""
    if months:
        return months_text(months, earlier)
    # Only arrears older than any bill on record.
    return f"Arrears before {month_en(bill_month)}", f"{month_ur(bill_month)} سے پہلے کے بقایا"


def receipt_months_active(receipt: CashReceipt) -> str:
    """The months a receipt paid, in the interface's language."""
    en, ur = receipt_months_label(receipt)
    return ur if (get_language() or "en").startswith("ur") else en
