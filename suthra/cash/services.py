"""Writes for field cash: collect (idempotent by ``client_key``), reserve a block of receipt
numbers, cancel a receipt, hand over and confirm. Each runs in one transaction with its audit
events; the bill's payment goes through ``billing.services.bill_payment_collect``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.billing.models import Bill, PaymentChannel, PaymentException
from suthra.billing.services import bill_payment_collect, bill_payment_uncollect
from suthra.cash.models import (
    CashReceipt,
    HandOver,
    HandOverMethod,
    HandOverReminder,
    HandOverStatus,
    ReceiptBlock,
    ReceiptBook,
    ReceiptStatus,
)
from suthra.cash.months import bill_months_paid, receipt_months_label
from suthra.core.audit import audit_record
from suthra.core.months import current_month
from suthra.locations.models import UnionCouncil
from suthra.notifications.services import notify
from suthra.units.models import SurveyUnit

logger = logging.getLogger("suthra.cash")

COLLECTOR_ROLES = (Role.AGENT, Role.SUPERVISOR)
# A receipt sent later from the phone's queue may be this old (as visits).
MAX_AGE_DAYS = 7


def cash_limit() -> int:
    return int(getattr(settings, "CASH_IN_HAND_LIMIT", 50_000))


def advance_months() -> int:
    return int(getattr(settings, "CASH_MAX_ADVANCE_MONTHS", 1))


def block_size() -> int:
    return int(getattr(settings, "CASH_RECEIPT_BLOCK_SIZE", 20))


def may_collect(actor: Any) -> bool:
    return getattr(actor, "role", None) in COLLECTOR_ROLES


def _city_code(actor: Staff) -> str:
    city = actor.cities.order_by("id").first()
    if city is None:
        uc = actor.ucs.select_related("city").order_by("id").first()
        city = uc.city if uc else None
    letters = re.sub(r"[^A-Za-z]", "", city.name if city else "")[:3].upper()
    return letters or "SP"


def receipt_book(actor: Staff, *, lock: bool = False) -> ReceiptBook:
    """The collector's receipt book (made on first use), locked for the transaction if asked."""
    book = ReceiptBook.objects.filter(collector=actor).first()
    if book is None:
        try:
            with transaction.atomic():
                book = ReceiptBook.objects.create(
                    collector=actor, prefix=f"{_city_code(actor)}-{actor.pk:04d}"
                )
        except IntegrityError:
            book = ReceiptBook.objects.get(collector=actor)
    if lock:
        book = ReceiptBook.objects.select_for_update().get(pk=book.pk)
    return book


def cash_in_hand(actor: Any) -> int:
    """Cash of the collector's issued receipts that no confirmed hand-over has taken yet."""
    total = (
        CashReceipt.objects.filter(collector=actor, status=ReceiptStatus.ISSUED)
        .exclude(handover__status=HandOverStatus.CONFIRMED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return int(total or 0)


def _check_limit(actor: Any, amount: int = 0) -> None:
    in_hand = cash_in_hand(actor)
    # A block (amount 0) is refused once the cash in hand has reached the limit.
    if in_hand + max(amount, 1) > cash_limit():
        raise ValidationError(
            _(
                "Your cash in hand (Rs %(in_hand)s) would go over the limit of Rs %(limit)s. "
                "Hand over your cash to your supervisor first."
            )
            % {"in_hand": f"{in_hand:,}", "limit": f"{cash_limit():,}"}
        )


def receipt_block_reserve(*, actor: Staff, device: str = "", ip: str | None = None) -> ReceiptBlock:
    """Reserve the next ``CASH_RECEIPT_BLOCK_SIZE`` receipt numbers of the actor's book for a
    phone's offline receipts. Refused above the cash-in-hand limit."""
    if not may_collect(actor):
        raise PermissionDenied("Only agents and supervisors collect cash.")
    _check_limit(actor)
    with transaction.atomic():
        book = receipt_book(actor, lock=True)
        first = book.next_number
        book.next_number = first + block_size()
        book.save(update_fields=["next_number"])
        block = ReceiptBlock.objects.create(
            book=book, first=first, last=book.next_number - 1, device=device[:80]
        )
        audit_record(
            actor=actor,
            action="cash.block_reserve",
            object_type="receiptblock",
            object_id=block.pk,
            changes={"first": book.number(first), "last": book.number(block.last)},
            ip=ip,
        )
    return block


def receipt_by_key(client_key: uuid.UUID | None) -> CashReceipt | None:
    if client_key is None:
        return None
    return CashReceipt.objects.filter(client_key=client_key).first()


def current_bill(unit: SurveyUnit, on: dt.date | None = None) -> Bill | None:
    """The unit's bill of the current month (or of the month of ``on``: a receipt written
    offline pays the bill that was current when the cash was taken), or else its latest bill
    before it."""
    month = on.replace(day=1) if on else current_month()
    return Bill.objects.filter(unit=unit, month__lte=month).order_by("-month").first()


def amount_allowed(bill: Bill) -> int:
    """The most one receipt may take: what is owed on the bill (fee and arrears) plus
    ``CASH_MAX_ADVANCE_MONTHS`` months' fee."""
    return bill.balance + bill.monthly_fee * advance_months()


def _offline_number(book: ReceiptBook, number: str, collected_at: dt.datetime) -> int:
    """The running number of an offline receipt number, which must be from one of the book's
    reserved blocks, and written after the block reached the phone."""
    match = re.fullmatch(re.escape(book.prefix) + r"-(\d{6})", number)
    n = int(match.group(1)) if match else 0
    block = book.blocks.filter(first__lte=n, last__gte=n).first() if n else None
    if block is None:
        raise ValidationError(
            _("Receipt number %(number)s is not from a block reserved for you.")
            % {"number": number}
        )
    if collected_at < block.issued_at - dt.timedelta(minutes=5):
        raise ValidationError(_("The collection time is before this phone had the number."))
    return n


def cash_collect(
    *,
    actor: Staff,
    unit_id: int,
    amount: int,
    payer_name: str = "",
    payer_mobile: str = "",
    client_key: uuid.UUID | None = None,
    receipt_number: str = "",
    collected_at: dt.datetime | None = None,
    ip: str | None = None,
) -> tuple[CashReceipt, bool]:
    """An agent (in their UCs) or a supervisor (in their city) takes cash for a unit's current
    bill and issues a receipt. Returns (receipt, created).

    Idempotent: a repeated ``client_key`` returns the receipt already made with it (a retried
    form, or the offline queue sending again). ``receipt_number`` is given for a receipt written
    offline (from a reserved block); otherwise the book's next number is taken. A bill that
    already has a payment through another channel (or is paid in full) is not paid twice: the
    receipt stands (the cash was taken) and a double payment goes to the exceptions queue.
    Raises ``ValidationError`` (nothing written) for a bad amount, an inactive unit, a used
    receipt number or the cash-in-hand limit; ``Http404`` for a unit out of scope.
    """
    existing = receipt_by_key(client_key)
    if existing is not None:
        if existing.collector_id != actor.pk:
            raise ValidationError(_("This form was already used by someone else."))
        return existing, False
    if not may_collect(actor):
        raise PermissionDenied("Only agents and supervisors collect cash.")
    unit = scope.get_or_404(actor, SurveyUnit.objects.select_related("uc"), "uc", pk=unit_id)
    if not unit.is_active:
        raise ValidationError(_("This unit is inactive: no cash can be collected for it."))
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    receipt_number = receipt_number.strip().upper()
    offline = bool(receipt_number)
    if offline and CashReceipt.objects.filter(number=receipt_number).exists():
        raise ValidationError(
            _("Receipt %(number)s was already submitted.") % {"number": receipt_number}
        )
    collected_at = collected_at or timezone.now()
    if collected_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError(_("The collection time is in the future."))
    if collected_at < timezone.now() - dt.timedelta(days=MAX_AGE_DAYS):
        raise ValidationError(
            _("The collection time is more than %(days)s days ago.") % {"days": MAX_AGE_DAYS}
        )
    try:
        with transaction.atomic():
            found = current_bill(unit, timezone.localdate(collected_at))
            if found is None:
                raise ValidationError(_("This unit has no bill to pay yet."))
            bill = (
                Bill.objects.select_for_update(of=("self",)).select_related("unit").get(pk=found.pk)
            )
            allowed = amount_allowed(bill)
            if amount > allowed:
                raise ValidationError(
                    _(
                        "Rs %(amount)s is more than this unit owes plus one month's fee "
                        "(at most Rs %(allowed)s)."
                    )
                    % {"amount": f"{amount:,}", "allowed": f"{allowed:,}"}
                )
            book = receipt_book(actor, lock=True)
            if not offline:
                # An offline receipt was already handed to the payer: it is taken whatever the
                # limit (the phone only gets a new block below the limit).
                _check_limit(actor, amount)
            if offline:
                _offline_number(book, receipt_number, collected_at)
                number = receipt_number
            else:
                number = book.number(book.next_number)
                book.next_number += 1
                book.save(update_fields=["next_number"])
            double = bool(bill.paid_amount) and (
                bill.channel != PaymentChannel.CASH_FIELD or bill.balance == 0
            )
            # A double payment pays nothing on the bill yet: its receipt names the bill month.
            months, earlier = ([bill.month], False) if double else bill_months_paid(bill, amount)
            receipt = CashReceipt.objects.create(
                number=number,
                client_key=client_key,
                collector=actor,
                unit=unit,
                uc_id=unit.uc_id,
                bill=bill,
                month=bill.month,
                months=[f"{m:%Y-%m}" for m in months],
                months_earlier=earlier,
                amount=amount,
                payer_name=payer_name.strip()[:120],
                payer_mobile=payer_mobile.strip()[:11],
                collected_at=collected_at,
                offline=offline,
                double_payment=double,
            )
            paid_on = timezone.localdate(collected_at)
            if double:
                exc = PaymentException.objects.create(
                    batch=None,
                    row=0,
                    kind=PaymentException.Kind.DOUBLE_PAYMENT,
                    psid=bill.psid,
                    bill=bill,
                    paid_on=paid_on,
                    amount=amount,
                    channel=PaymentChannel.CASH_FIELD,
                    receipt_number=number,
                )
                audit_record(
                    actor=actor,
                    action="payment_exception.double_payment",
                    object_type="payexc",
                    object_id=exc.pk,
                    changes={"psid": str(bill.psid), "receipt": number, "amount": amount},
                    ip=ip,
                )
            else:
                bill_payment_collect(
                    actor=actor, bill=bill, amount=amount, paid_on=paid_on, reference=number, ip=ip
                )
            audit_record(
                actor=actor,
                action="cash.collect",
                object_type="receipt",
                object_id=receipt.pk,
                changes={
                    "number": number,
                    "unit": unit.survey_id,
                    "psid": str(bill.psid),
                    "amount": amount,
                    "months": receipt.months,
                    "offline": offline,
                    "double_payment": double,
                },
                ip=ip,
            )
    except IntegrityError:
        # Two submissions with the same key (or the same offline number) raced.
        again = receipt_by_key(client_key)
        if again is not None and again.collector_id == actor.pk:
            return again, False
        raise ValidationError(
            _("Receipt %(number)s was already submitted.") % {"number": receipt_number or "?"}
        ) from None
    if receipt.payer_mobile:
        transaction.on_commit(lambda: receipt_sms(receipt))
    return receipt, True


def receipt_sms_text(receipt: CashReceipt, language: str) -> str:
    from django.utils import translation

    months_en, months_ur = receipt_months_label(receipt)
    with translation.override(language):
        return _(
            "Suthra Punjab: Rs %(amount)s received for %(unit)s (PSID %(psid)s) for "
            "%(months)s, receipt %(number)s, %(when)s."
        ) % {
            "amount": f"{receipt.amount:,}",
            "months": months_ur if language == "ur" else months_en,
            "unit": receipt.unit.survey_id,
            "psid": receipt.bill_id,
            "number": receipt.number,
            "when": f"{timezone.localtime(receipt.collected_at):%d-%m-%Y %H:%M}",
        }


def receipt_sms(receipt: CashReceipt) -> bool:
    """Text the receipt to the payer's mobile through the SMS backend (Urdu and English in one
    message). A failing gateway never undoes the payment; it is logged."""
    from suthra.notifications.sms import get_sms_backend

    text = receipt_sms_text(receipt, "ur") + "\n" + receipt_sms_text(receipt, "en")
    try:
        get_sms_backend().send(receipt.payer_mobile, text)
    except Exception:  # the gateway's own errors: the receipt stands
        logger.exception("receipt SMS failed for %s", receipt.number)
        return False
    CashReceipt.objects.filter(pk=receipt.pk).update(sms_sent=True)
    return True


def receipt_cancel(
    *, actor: Staff, receipt: CashReceipt, reason: str, ip: str | None = None
) -> CashReceipt:
    """A supervisor (not the collector), with the receipt in scope, cancels a receipt that is
    not yet in a hand-over, with a reason; the bill's payment is taken back."""
    reason = reason.strip()
    if not actor.at_least(Role.SUPERVISOR):
        raise PermissionDenied("Only supervisors and above cancel receipts.")
    if not scope.scoped(actor, CashReceipt.objects.filter(pk=receipt.pk), "uc").exists():
        raise Http404
    if receipt.collector_id == actor.pk:
        raise ValidationError(_("You collected this cash: another supervisor cancels it."))
    if not reason:
        raise ValidationError(_("Give a reason for cancelling the receipt."))
    with transaction.atomic():
        locked = CashReceipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.status == ReceiptStatus.CANCELLED:
            raise ValidationError(_("This receipt is already cancelled."))
        if locked.handover_id is not None:
            raise ValidationError(
                _(
                    "This receipt was handed over: it can only be corrected through an "
                    "adjustment request on the bill."
                )
            )
        bill = (
            Bill.objects.select_for_update(of=("self",))
            .select_related("unit")
            .get(pk=locked.bill_id)
        )
        if not locked.double_payment:
            bill_payment_uncollect(
                actor=actor,
                bill=bill,
                amount=locked.amount,
                reference=locked.number,
                reason=reason,
                ip=ip,
            )
        locked.status = ReceiptStatus.CANCELLED
        locked.cancelled_by = actor
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason[:255]
        locked.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason"])
        audit_record(
            actor=actor,
            action="cash.cancel",
            object_type="receipt",
            object_id=locked.pk,
            changes={"number": locked.number, "amount": locked.amount, "reason": reason},
            ip=ip,
        )
    return locked


def handover_create(
    *,
    actor: Staff,
    method: int,
    slip_number: str = "",
    slip_photo_key: str = "",
    ip: str | None = None,
) -> HandOver:
    """The collector hands over the cash of every receipt not yet handed over (to the
    supervisor, or deposited at a bank with the slip's number and photo). The receipts are
    closed from now on; a supervisor confirms the amount received."""
    if not may_collect(actor):
        raise PermissionDenied("Only agents and supervisors collect cash.")
    if method not in HandOverMethod.values:
        raise ValidationError(_("Choose how the cash is handed over."))
    slip_number = slip_number.strip()
    if method == HandOverMethod.BANK and not (slip_number and slip_photo_key):
        raise ValidationError(_("A bank deposit needs the slip number and a photo of the slip."))
    with transaction.atomic():
        receipt_book(actor, lock=True)  # one hand-over at a time per collector
        open_receipts = CashReceipt.objects.select_for_update().filter(
            collector=actor, status=ReceiptStatus.ISSUED, handover__isnull=True
        )
        rows = list(open_receipts.values_list("pk", "amount"))
        if not rows:
            raise ValidationError(_("You have no cash to hand over."))
        handover = HandOver.objects.create(
            collector=actor,
            method=method,
            amount=sum(a for _pk, a in rows),
            receipts_count=len(rows),
            slip_number=slip_number[:40],
            slip_photo_key=slip_photo_key,
        )
        CashReceipt.objects.filter(pk__in=[pk for pk, _a in rows]).update(handover=handover)
        audit_record(
            actor=actor,
            action="cash.handover",
            object_type="handover",
            object_id=handover.pk,
            changes={
                "amount": handover.amount,
                "receipts": len(rows),
                "method": str(HandOverMethod(method).label),
                "slip": slip_number,
            },
            ip=ip,
        )
    return handover


def handover_scope_q(actor: Any) -> Any:
    """Hand-overs whose collector works in the actor's area (their receipts' UCs)."""
    from django.db.models import Exists, OuterRef

    receipts = scope.scoped(actor, CashReceipt.objects.filter(handover=OuterRef("pk")), "uc")
    return Exists(receipts)


def handover_confirm(
    *,
    actor: Staff,
    handover: HandOver,
    received_amount: int,
    note: str = "",
    ip: str | None = None,
) -> HandOver:
    """A supervisor (not the collector), with the hand-over in scope, confirms the amount
    received; a difference from the receipts' sum is kept and flagged."""
    if not actor.at_least(Role.SUPERVISOR):
        raise PermissionDenied("Only supervisors and above confirm hand-overs.")
    if not HandOver.objects.filter(pk=handover.pk).filter(handover_scope_q(actor)).exists():
        raise Http404
    if handover.collector_id == actor.pk:
        raise ValidationError(_("You handed over this cash: another supervisor confirms it."))
    if received_amount < 0:
        raise ValidationError(_("The amount received cannot be negative."))
    note = note.strip()
    with transaction.atomic():
        locked = HandOver.objects.select_for_update().get(pk=handover.pk)
        if locked.status != HandOverStatus.PENDING:
            raise ValidationError(_("This hand-over was already confirmed."))
        difference = received_amount - locked.amount
        if difference and not note:
            raise ValidationError(
                _("The amount received differs from the receipts: say why in the note.")
            )
        locked.received_amount = received_amount
        locked.difference = difference
        locked.status = HandOverStatus.CONFIRMED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.note = note[:255]
        locked.save(
            update_fields=[
                "received_amount",
                "difference",
                "status",
                "confirmed_by",
                "confirmed_at",
                "note",
            ]
        )
        audit_record(
            actor=actor,
            action="cash.handover_confirm",
            object_type="handover",
            object_id=locked.pk,
            changes={
                "amount": locked.amount,
                "received": received_amount,
                "difference": difference,
                "note": note,
            },
            ip=ip,
        )
    return locked


def remind_hours() -> int:
    return int(getattr(settings, "CASH_HANDOVER_REMIND_HOURS", 24))


def supervisors_for(*, uc_ids: Any, exclude: Any = None) -> list[Staff]:
    """The active supervisors of the cities of these union councils (who confirm the
    hand-overs of cash collected there), without ``exclude``."""
    cities = UnionCouncil.objects.filter(pk__in=uc_ids).values("city_id")
    people = Staff.objects.filter(role=Role.SUPERVISOR, is_active=True, cities__in=cities)
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.distinct().order_by("id"))


def _remind_one(*, collector: Staff, day: dt.date, hours: int) -> bool:
    from django.urls import reverse

    with transaction.atomic():
        open_receipts = CashReceipt.objects.filter(
            collector=collector, status=ReceiptStatus.ISSUED, handover__isnull=True
        )
        totals = open_receipts.aggregate(amount=Sum("amount"), oldest=Min("collected_at"))
        uc_ids = set(open_receipts.values_list("uc_id", flat=True))
        count = open_receipts.count()
        if not count:
            return False
        try:
            with transaction.atomic():
                HandOverReminder.objects.create(
                    collector=collector,
                    day=day,
                    amount=totals["amount"],
                    receipts_count=count,
                    oldest_at=totals["oldest"],
                )
        except IntegrityError:
            return False  # another run reminded this collector today
        params = {
            "amount": f"{totals['amount']:,}",
            "count": count,
            "since": f"{timezone.localtime(totals['oldest']):%d-%m-%Y %H:%M}",
            "hours": hours,
        }
        notify(
            recipients=[collector],
            kind="cash.handover_reminder",
            title=format_lazy(
                gettext_lazy("Hand over your cash: Rs {amount} not handed over"), **params
            ),
            body=format_lazy(
                gettext_lazy(
                    "{count} receipt(s), the oldest from {since}, not handed over for more "
                    "than {hours} hours. Hand the cash to your supervisor or deposit it at "
                    "the bank."
                ),
                **params,
            ),
            url=reverse("cash:book"),
        )
        notify(
            recipients=supervisors_for(uc_ids=uc_ids, exclude=collector),
            kind="cash.handover_overdue",
            title=format_lazy(
                gettext_lazy("{name} has not handed over Rs {amount}"),
                name=collector.full_name or collector.username,
                **params,
            ),
            body=format_lazy(
                gettext_lazy(
                    "{count} receipt(s), the oldest from {since}, not handed over for more "
                    "than {hours} hours."
                ),
                **params,
            ),
            url=reverse("cash:book") + f"?collector={collector.pk}",
        )
    return True


def cash_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each collector holding cash not handed over for more than
    ``CASH_HANDOVER_REMIND_HOURS`` (default 24) — and the supervisors of the cities where they
    collected it — by an in-app notification, at most once per collector and local day.
    Called by the scheduler (``manage.py cash_reminders``, ``bin/serve``), not by a user; safe
    to run as often as wanted. Returns how many collectors were reminded."""
    now = now or timezone.now()
    hours = remind_hours()
    day = timezone.localdate(now)
    due = (
        CashReceipt.objects.filter(
            status=ReceiptStatus.ISSUED,
            handover__isnull=True,
            collected_at__lt=now - dt.timedelta(hours=hours),
        )
        .exclude(collector__in=HandOverReminder.objects.filter(day=day).values("collector_id"))
        .values_list("collector_id", flat=True)
        .distinct()
    )
    reminded = 0
    for collector in Staff.objects.filter(pk__in=list(due)).order_by("id"):
        reminded += _remind_one(collector=collector, day=day, hours=hours)
    return reminded
