"""Monthly bills keyed by PSID, with their payment.

Kept deliberately narrow (see docs/PERFORMANCE.md): 3.6 M rows a year must fit the 500 MB
Supabase free tier together with everything else. The PSID is the primary key (it is the natural,
unique, numeric key from e-Pay), so the table carries exactly two indexes: the PSID and
(unit, month). ``amount_due`` is ``monthly_fee + arrears`` and is not stored; an import row whose
amount due disagrees is rejected with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from suthra.imports.models import ImportBatch
from suthra.locations.models import UnionCouncil
from suthra.units.models import SurveyUnit


class BillStatus(models.IntegerChoices):
    UNPAID = 0, _("Unpaid")
    PARTIAL = 1, _("Partly paid")
    PAID = 2, _("Paid")


class PaymentChannel(models.IntegerChoices):
    NONE = 0, _("—")
    BANK_COUNTER = 1, _("Bank counter (1Link)")
    ATM = 2, _("ATM")
    INTERNET_BANKING = 3, _("Internet banking")
    MOBILE_BANKING = 4, _("Mobile banking")
    JAZZCASH = 5, _("JazzCash")
    EASYPAISA = 6, _("Easypaisa")
    OTHER_WALLET = 7, _("Other wallet")
    CASH_FIELD = 8, _("Cash to field staff")
    OTHER = 9, _("Other")


class BillQuerySet(models.QuerySet["Bill"]):
    def with_amount_due(self) -> BillQuerySet:
        return self.annotate(amount_due_db=F("monthly_fee") + F("arrears"))


class Bill(models.Model):
    """One bill per unit per billing month (``month`` is the 1st of the month)."""

    # 17-digit e-Pay Payment Slip ID; fits a bigint.
    psid = models.BigIntegerField(_("PSID"), primary_key=True)
    unit = models.ForeignKey(
        SurveyUnit, on_delete=models.PROTECT, related_name="bills", db_index=False
    )
    month = models.DateField(_("bill month"))
    monthly_fee = models.PositiveIntegerField(_("monthly fee"))
    arrears = models.PositiveIntegerField(_("arrears"), default=0)
    paid_amount = models.PositiveIntegerField(_("paid amount"), default=0)
    paid_on = models.DateField(_("paid date"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=BillStatus.choices, default=BillStatus.UNPAID
    )
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=PaymentChannel.choices, default=PaymentChannel.NONE
    )
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bills",
        db_index=False,
    )

    objects = BillQuerySet.as_manager()

    class Meta:
        ordering = ["unit_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="bill_one_per_unit_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="bill_month_is_first"),
            models.CheckConstraint(
                condition=Q(psid__gt=0, psid__lt=10**18), name="bill_psid_range"
            ),
            # Paid fields are present if and only if something was paid.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=BillStatus.UNPAID,
                        paid_amount=0,
                        paid_on__isnull=True,
                        channel=PaymentChannel.NONE,
                    )
                    | (
                        Q(
                            status__in=[BillStatus.PARTIAL, BillStatus.PAID],
                            paid_amount__gt=0,
                            paid_on__isnull=False,
                        )
                    )
                ),
                name="bill_paid_fields_iff_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.psid} {self.month:%b-%Y}"

    @property
    def amount_due(self) -> int:
        return self.monthly_fee + self.arrears

    @property
    def balance(self) -> int:
        """What is still owed on this bill after its payment."""
        return max(0, self.amount_due - self.paid_amount)


# A bill's database columns in table order: the archive files' header and the generator's COPY.
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


class PaymentException(models.Model):
    """A payment-file row that was not applied as is: the queue supervisors work through."""

    class Kind(models.IntegerChoices):
        UNKNOWN_PSID = 1, _("Unknown PSID")
        ALREADY_PAID = 2, _("Bill already has a payment")
        BEFORE_BILL_MONTH = 3, _("Paid before the bill month")
        OVERPAID = 4, _("Paid more than the amount due")

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="payment_exceptions"
    )
    row = models.PositiveIntegerField(_("file row"))
    kind = models.PositiveSmallIntegerField(_("problem"), choices=Kind.choices)
    psid = models.BigIntegerField(_("PSID"))
    # Null for an unknown PSID; otherwise the bill the payment names (kept if it is archived).
    bill = models.ForeignKey(
        Bill,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_exceptions",
        db_constraint=False,
    )
    paid_on = models.DateField(_("paid date"))
    amount = models.PositiveIntegerField(_("paid amount"))
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=PaymentChannel.choices, default=PaymentChannel.NONE
    )
    # Whether the payment was applied to the bill anyway (an overpayment is money received).
    applied = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["id"], name="payexc_open_idx", condition=Q(resolved_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.psid} {self.get_kind_display()}"


class ArchivedMonth(models.Model):
    """A billing month whose bills were moved to a compressed file (``archive_bills``)."""

    class State(models.IntegerChoices):
        ARCHIVED = 1, _("Archived")
        RESTORED = 2, _("Restored")

    month = models.DateField(_("bill month"), unique=True)
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.ARCHIVED)
    file_key = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    bills = models.PositiveIntegerField(default=0)
    total_due = models.BigIntegerField(default=0)
    total_paid = models.BigIntegerField(default=0)
    # [first unit id, byte offset, length] of each gzip member of the file (billing/archive.py)
    blocks = models.JSONField(default=list, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%b-%Y} {self.get_state_display()}"


class ArchivedUCMonth(models.Model):
    """Per union council, archived month and status: counts and sums (for reports)."""

    uc = models.ForeignKey(UnionCouncil, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    status = models.PositiveSmallIntegerField(choices=BillStatus.choices)
    bills = models.PositiveIntegerField()
    total_fee = models.BigIntegerField()
    total_due = models.BigIntegerField()
    total_paid = models.BigIntegerField()

    class Meta:
        ordering = ["month", "uc_id", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "uc", "status"], name="archived_uc_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uc_id} {self.month:%b-%Y} {self.status}"
