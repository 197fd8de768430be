"""Writes to bills by people: a manual payment or correction, a bulk status update, resolving a
payment exception. Each runs in one transaction with its audit events and ``stats_refresh``.
(File imports are in ``billing.importing``.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from suthra.accounts.scope import get_or_404
from suthra.billing.models import (
    Bill,
    BillStatus,
    PaymentChannel,
    PaymentException,
    bill_status,
)
from suthra.core.audit import audit_bulk, audit_record, diff
from suthra.stats.services import stats_refresh

BULK_MAX = 5000


class BillingError(Exception):
    """A rule was broken; the message is safe to show."""


class StaleBill(BillingError):
    """Someone else changed the bill (or the selection) since the user looked at it."""


# The columns a payment writes. The status is not stored: it follows from the paid amount.
PAYMENT_FIELDS = ("paid_amount", "paid_on", "channel")


def payment_state(bill: Bill) -> dict[str, Any]:
    """The payment of a bill as plain values, with the status it implies (for the audit)."""
    return {
        "status": int(bill.status),
        "paid_amount": bill.paid_amount,
        "paid_on": bill.paid_on.isoformat() if bill.paid_on else None,
        "channel": int(bill.channel),
        "monthly_fee": bill.monthly_fee,
        "arrears": bill.arrears,
    }


def seen_token(bill: Bill) -> str:
    """What the form remembers as "seen": the stored columns the payment depends on (the status
    follows from them, so a changed status is a changed paid amount, fee or arrears)."""
    state = {k: v for k, v in payment_state(bill).items() if k != "status"}
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def _describe(state: dict[str, Any]) -> str:
    status = BillStatus(state["status"]).label
    if not state["paid_amount"]:
        return str(status)
    return f"{status}, Rs {state['paid_amount']} on {state['paid_on']}"


def bill_payment_record(
    *,
    actor: Any,
    psid: int,
    paid_amount: int,
    paid_on: dt.date | None,
    channel: int,
    reason: str,
    seen: str,
    ip: str | None = None,
) -> Bill:
    """Record or correct one bill's payment (SUPERVISOR and up, in scope). 0 clears it.

    ``seen`` is the state the user saw (``seen_token``); if the bill changed since, nothing is
    written and ``StaleBill`` says what it is now — no lost update.
    """
    if not actor.at_least("SUPERVISOR"):
        raise BillingError("Only supervisors and above may record payments.")
    if not reason.strip():
        raise BillingError("A reason is required.")
    with transaction.atomic():
        bill = get_or_404(
            actor, Bill.objects.select_for_update(of=("self",)), "unit__uc", psid=psid
        )
        before = payment_state(bill)
        if seen != seen_token(bill):
            raise StaleBill(
                "Someone else changed this bill while you were editing it. It is now: "
                f"{_describe(before)}. Check and submit again."
            )
        if paid_amount:
            if paid_on is None:
                raise BillingError("Give the paid date.")
            if paid_on > timezone.localdate():
                raise BillingError("The paid date is in the future.")
            if paid_on < bill.month:
                raise BillingError("The paid date is before the bill month.")
            bill.paid_amount = paid_amount
            bill.paid_on = paid_on
            bill.channel = channel or PaymentChannel.OTHER
        else:
            bill.paid_amount, bill.paid_on, bill.channel = 0, None, PaymentChannel.NONE
        after = payment_state(bill)
        changes = diff(before, after)
        if not changes:
            return bill
        bill.save(update_fields=list(PAYMENT_FIELDS))
        audit_record(
            actor=actor,
            action="bill.payment_manual",
            object_type="bill",
            object_id=bill.psid,
            changes={**changes, "reason": reason.strip()},
            ip=ip,
        )
        stats_refresh(keys=[(_uc_of(bill), bill.month)])
    return bill


def bill_payment_collect(
    *,
    actor: Any,
    bill: Bill,
    amount: int,
    paid_on: dt.date,
    reference: str,
    ip: str | None = None,
) -> Bill:
    """Add a payment collected in the field (channel "Cash to field staff") to ``bill``, which
    the caller has locked (``select_for_update``) inside its transaction and checked for scope.
    A bill with no payment, or one partly paid in cash before, takes it; the paid date is the
    latest collection. Anything else is a double payment, which the caller queues instead.
    Audited as ``bill.payment_cash`` with the receipt number (``reference``)."""
    if amount <= 0:
        raise BillingError("The amount must be more than zero.")
    if bill.paid_amount and bill.channel != PaymentChannel.CASH_FIELD:
        raise BillingError("This bill already has a payment through another channel.")
    before = payment_state(bill)
    bill.paid_amount = bill.paid_amount + amount
    bill.paid_on = max(paid_on, bill.paid_on) if bill.paid_on else paid_on
    bill.channel = PaymentChannel.CASH_FIELD
    bill.save(update_fields=list(PAYMENT_FIELDS))
    audit_record(
        actor=actor,
        action="bill.payment_cash",
        object_type="bill",
        object_id=bill.psid,
        changes={**diff(before, payment_state(bill)), "receipt": reference},
        ip=ip,
    )
    stats_refresh(keys=[(_uc_of(bill), bill.month)])
    return bill


def bill_payment_uncollect(
    *,
    actor: Any,
    bill: Bill,
    amount: int,
    reference: str,
    reason: str,
    ip: str | None = None,
) -> Bill:
    """Take back a field-cash payment from ``bill`` (locked by the caller): the receipt was
    cancelled. What other cash receipts paid stays. Audited as ``bill.payment_cash_cancel``."""
    if bill.channel != PaymentChannel.CASH_FIELD or bill.paid_amount < amount:
        raise BillingError("This bill's payment is not the cash of this receipt.")
    before = payment_state(bill)
    bill.paid_amount -= amount
    if not bill.paid_amount:
        bill.paid_on, bill.channel = None, PaymentChannel.NONE
    bill.save(update_fields=list(PAYMENT_FIELDS))
    audit_record(
        actor=actor,
        action="bill.payment_cash_cancel",
        object_type="bill",
        object_id=bill.psid,
        changes={**diff(before, payment_state(bill)), "receipt": reference, "reason": reason},
        ip=ip,
    )
    stats_refresh(keys=[(_uc_of(bill), bill.month)])
    return bill


def _uc_of(bill: Bill) -> int:
    return int(bill.unit.uc_id)


def bills_bulk_status(
    *,
    actor: Any,
    selection: QuerySet[Bill],
    action: str,
    expected: int,
    reason: str,
    paid_on: dt.date | None = None,
    channel: int = PaymentChannel.BANK_COUNTER,
    ip: str | None = None,
) -> dict[str, int]:
    """Mark a filtered selection PAID (in full) or UNPAID, in one transaction, one audit event
    per changed bill. ``selection`` must already be scoped (selectors.bill_query). SUPERVISOR+.

    ``expected`` is the count the user confirmed; if the selection changed, nothing happens.
    """
    if not actor.at_least("SUPERVISOR"):
        raise BillingError("Only supervisors and above may update bills in bulk.")
    if not reason.strip():
        raise BillingError("A reason is required.")
    if action not in ("paid", "unpaid"):
        raise BillingError("Unknown action.")
    if action == "paid" and (paid_on is None or paid_on > timezone.localdate()):
        raise BillingError("Give a paid date that is not in the future.")
    with transaction.atomic():
        rows = list(
            selection.select_for_update(of=("self",))
            .order_by("psid")
            .values_list(
                "psid",
                "unit__uc_id",
                "month",
                "monthly_fee",
                "arrears",
                "paid_amount",
                "paid_on",
                "channel",
            )[: BULK_MAX + 1]
        )
        if len(rows) > BULK_MAX:
            raise BillingError(
                gettext("At most %(count)s bills at once; narrow the filter.") % {"count": BULK_MAX}
            )
        if len(rows) != expected:
            raise StaleBill(
                f"The selection changed: it now has {len(rows)} bills, you confirmed {expected}. "
                "Review it again."
            )
        # (psid, uc, month, fee, arrears, paid amount, paid on, channel): the status follows
        # from the paid amount and the amount due (fee + arrears).
        status = {r[0]: bill_status(r[5], r[3] + r[4]) for r in rows}
        if action == "paid":
            # Bills paid in full stay as they are; a bill paid before its month is left alone,
            # and so is one with nothing due (paying it nothing cannot make it PAID).
            assert paid_on is not None  # checked above
            targets = [
                r
                for r in rows
                if status[r[0]] != BillStatus.PAID and paid_on >= r[2] and r[3] + r[4] > 0
            ]
        else:
            targets = [r for r in rows if status[r[0]] != BillStatus.UNPAID]
        psids = [r[0] for r in targets]
        for start in range(0, len(psids), 1000):
            chunk: Sequence[int] = psids[start : start + 1000]
            qs = Bill.objects.filter(psid__in=chunk)
            if action == "paid":
                qs.update(
                    paid_amount=F("monthly_fee") + F("arrears"),
                    paid_on=paid_on,
                    channel=channel,
                )
            else:
                qs.update(
                    paid_amount=0,
                    paid_on=None,
                    channel=PaymentChannel.NONE,
                )

        def change(r: tuple) -> dict[str, Any]:
            before = {
                "status": int(status[r[0]]),
                "paid_amount": r[5],
                "paid_on": r[6].isoformat() if r[6] else None,
                "channel": r[7],
            }
            if action == "paid":
                after = {
                    "status": int(BillStatus.PAID),
                    "paid_amount": r[3] + r[4],
                    "paid_on": paid_on.isoformat() if paid_on else None,
                    "channel": channel,
                }
            else:
                after = {
                    "status": int(BillStatus.UNPAID),
                    "paid_amount": 0,
                    "paid_on": None,
                    "channel": int(PaymentChannel.NONE),
                }
            return {**diff(before, after), "reason": reason.strip(), "bulk": True}

        audit_bulk(
            actor=actor,
            action="bill.bulk_status",
            object_type="bill",
            items=((r[0], change(r)) for r in targets),
            ip=ip,
        )
        stats_refresh(keys=sorted({(r[1], r[2]) for r in targets}))
    return {"selected": len(rows), "changed": len(targets), "skipped": len(rows) - len(targets)}


# What became of the second payment of a double payment (cash and e-Pay).
DOUBLE_PAYMENT_OUTCOMES = {
    "refund": "Refund noted",
    "credit": "Carried forward as credit on the next bill",
}


def payment_exception_resolve(
    *,
    actor: Any,
    exception: PaymentException,
    resolution: str,
    outcome: str = "",
    ip: str | None = None,
) -> PaymentException:
    """Close an exception with what was done (SUPERVISOR and up; the view checks scope). A
    double payment also says what became of the second payment (``outcome``: refund or credit),
    recorded at the start of the resolution."""
    if not resolution.strip():
        raise BillingError("Say what was done.")
    if exception.kind == PaymentException.Kind.DOUBLE_PAYMENT:
        if outcome not in DOUBLE_PAYMENT_OUTCOMES:
            raise BillingError("Say whether the second payment was refunded or carried forward.")
        resolution = f"{DOUBLE_PAYMENT_OUTCOMES[outcome]}: {resolution.strip()}"
    with transaction.atomic():
        locked = PaymentException.objects.select_for_update().get(pk=exception.pk)
        if locked.resolved_at is not None:
            raise StaleBill("This exception was already resolved by someone else.")
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = resolution.strip()[:255]
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            actor=actor,
            action="payment_exception.resolve",
            object_type="payexc",
            object_id=locked.pk,
            changes={
                "resolution": locked.resolution,
                "psid": str(locked.psid),
                **({"outcome": outcome} if outcome else {}),
            },
            ip=ip,
        )
    return locked
