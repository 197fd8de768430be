"""Monthly bills keyed by PSID, with their payment.

Kept deliberately narrow (see docs/PERFORMANCE.md): 3.6 M rows a year must fit the 500 MB
Supabase free tier together with everything else. The PSID is the primary key (it is the natural,
unique, numeric key from e-Pay), so the table carries exactly two indexes: the PSID and
(unit, month). ``amount_due`` is ``monthly_fee + arrears`` and is not stored; an import row whose
amount due disagrees is rejected with a reason.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from suthra.imports.models import ImportBatch
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
