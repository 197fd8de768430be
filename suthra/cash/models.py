"""Cash collected in the field: receipts, the receipt books and the blocks of receipt numbers a
phone holds for offline use, and hand-overs of the cash to a supervisor or a bank.

A receipt's number is ``<city code>-<collector id>-<running number>`` (e.g. ``LAH-0007-000123``):
every collector has one receipt book whose running number only goes up; a phone reserves a
block of numbers from it (``ReceiptBlock``) for the receipts it writes offline, and a receipt
made online takes the next number. Numbers are unique (a constraint) and never reused: a
cancelled receipt keeps its number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suthra.billing.models import Bill
from suthra.locations.models import UnionCouncil
from suthra.units.models import SurveyUnit


class ReceiptBook(models.Model):
    """One per collector: the prefix of their receipt numbers and the next running number."""

    collector = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receipt_book"
    )
    prefix = models.CharField(max_length=20, unique=True)
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.prefix} next {self.next_number}"

    def number(self, n: int) -> str:
        return f"{self.prefix}-{n:06d}"


class ReceiptBlock(models.Model):
    """Running numbers ``first``..``last`` of a book, handed to one phone for offline receipts."""

    book = models.ForeignKey(ReceiptBook, on_delete=models.PROTECT, related_name="blocks")
    first = models.PositiveIntegerField()
    last = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    device = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last__gte=models.F("first")), name="block_range")
        ]

    def __str__(self) -> str:
        return f"{self.book.prefix} {self.first}–{self.last}"


class ReceiptStatus(models.IntegerChoices):
    ISSUED = 1, _("Issued")
    CANCELLED = 2, _("Cancelled")


class HandOverMethod(models.IntegerChoices):
    SUPERVISOR = 1, _("Cash to the supervisor")
    BANK = 2, _("Bank deposit")


class HandOverStatus(models.IntegerChoices):
    PENDING = 1, _("Waiting for the supervisor")
    CONFIRMED = 2, _("Confirmed")


class HandOver(models.Model):
    """A collector's cash of the receipts not yet handed over, given to a supervisor (or
    deposited at a bank); the supervisor confirms the amount received and a difference is kept."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cash_handovers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    method = models.PositiveSmallIntegerField(_("how"), choices=HandOverMethod.choices)
    # The sum of the receipts it closes.
    amount = models.PositiveIntegerField(_("amount of the receipts"))
    receipts_count = models.PositiveIntegerField(default=0)
    slip_number = models.CharField(_("deposit slip number"), max_length=40, blank=True)
    slip_photo_key = models.CharField(max_length=255, blank=True)
    status = models.PositiveSmallIntegerField(
        choices=HandOverStatus.choices, default=HandOverStatus.PENDING
    )
    received_amount = models.PositiveIntegerField(_("amount received"), null=True, blank=True)
    # received − amount: negative is cash short, positive is cash over.
    difference = models.IntegerField(default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["collector", "status"], name="handover_collector_idx")]

    def __str__(self) -> str:
        return f"Hand-over #{self.pk} Rs {self.amount}"


class CashReceipt(models.Model):
    """Cash an agent or supervisor took for a unit's bill, with its receipt number (unique,
    never reused), the months it paid, the payer, whether it was written offline or was a
    double payment, its hand-over and, if cancelled, by whom and why."""

    number = models.CharField(_("receipt number"), max_length=32, unique=True)
    # Idempotency: the form (and the offline queue) sends a UUID; a repeat returns this receipt.
    client_key = models.UUIDField(null=True, blank=True, unique=True)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cash_receipts"
    )
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="cash_receipts")
    # Copied from the unit so the cash report groups by UC without a join.
    uc = models.ForeignKey(UnionCouncil, on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="cash_receipts", db_constraint=False
    )
    month = models.DateField(_("bill month"))
    amount = models.PositiveIntegerField(_("amount"))
    # The months the cash paid ("YYYY-MM", oldest first): the arrears' months, the bill's month,
    # an advance; fixed when the receipt is made (``suthra.cash.months``). Empty: the bill month.
    months = models.JSONField(_("months paid"), default=list, blank=True)
    # It also paid arrears from before the months found ("and earlier" on the receipt).
    months_earlier = models.BooleanField(default=False)
    payer_name = models.CharField(_("payer's name"), max_length=120, blank=True)
    payer_mobile = models.CharField(_("payer's mobile"), max_length=11, blank=True)
    collected_at = models.DateTimeField(_("collected at"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Made offline with a number from a reserved block.
    offline = models.BooleanField(default=False)
    # The bill already had a payment: the cash went to the payment exceptions queue instead.
    double_payment = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(
        choices=ReceiptStatus.choices, default=ReceiptStatus.ISSUED
    )
    handover = models.ForeignKey(
        HandOver, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=255, blank=True)
    sms_sent = models.BooleanField(default=False)

    class Meta:
        ordering = ["-collected_at"]
        indexes = [
            models.Index(fields=["collector", "collected_at"], name="receipt_collector_idx"),
            models.Index(fields=["uc", "collected_at"], name="receipt_uc_idx"),
            models.Index(fields=["unit", "collected_at"], name="receipt_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.number} Rs {self.amount}"

    @property
    def is_open(self) -> bool:
        """Issued and not yet in a hand-over: may still be cancelled."""
        return self.status == ReceiptStatus.ISSUED and self.handover_id is None


class HandOverReminder(models.Model):
    """A day on which a collector (and the supervisors of their area) were reminded of cash not
    handed over: at most one per collector and local day (the unique constraint)."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    amount = models.PositiveIntegerField()
    receipts_count = models.PositiveIntegerField()
    oldest_at = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "collector_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collector", "day"], name="handover_reminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.collector_id} {self.day}"
