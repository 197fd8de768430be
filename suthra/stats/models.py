"""Summaries of bills and units, kept equal to a recount by ``services.stats_refresh``.

Three small tables instead of scanning 3.6 M bills:

- ``MonthlyStat``: month × UC × bill status × arrears-aging bucket (about 17 k rows for
  96 UCs × 12 months) — everything the dashboard shows about bills.
- ``MonthlyTypeStat``: month × UC × business type × size category × status — the collection
  report by business type and category.
- ``UnitStat``: active / inactive units per UC.

Amounts are whole rupees. ``billed`` (amount due) is ``fees + arrears``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from suthra.locations.models import UnionCouncil
from suthra.units.models import BusinessType


class Aging(models.IntegerChoices):
    """Months owed, estimated as arrears ÷ monthly fee (upper bound inclusive)."""

    NONE = 0, _("No arrears")
    UP_TO_3 = 1, _("0–3 months")
    UP_TO_6 = 2, _("3–6 months")
    UP_TO_12 = 3, _("6–12 months")
    OVER_12 = 4, _("12+ months")


class _Amounts(models.Model):
    bills = models.PositiveIntegerField(default=0)
    fees = models.PositiveBigIntegerField(default=0)
    arrears = models.PositiveBigIntegerField(default=0)
    collected = models.PositiveBigIntegerField(default=0)
    # Σ max(0, fee + arrears − paid): what is still owed on these bills.
    outstanding = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def billed(self) -> int:
        return self.fees + self.arrears


class MonthlyStat(_Amounts):
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    status = models.PositiveSmallIntegerField()  # billing.BillStatus
    aging = models.PositiveSmallIntegerField(choices=Aging.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "uc", "status", "aging"], name="monthlystat_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} status={self.status} aging={self.aging}"


class MonthlyTypeStat(_Amounts):
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    business_type = models.ForeignKey(BusinessType, on_delete=models.CASCADE, related_name="+")
    category = models.PositiveSmallIntegerField()  # units.SizeCategory
    status = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "uc", "business_type", "category", "status"],
                name="monthlytypestat_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} type={self.business_type_id}"


class UnitStat(models.Model):
    uc = models.OneToOneField(
        UnionCouncil, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    active = models.PositiveIntegerField(default=0)
    inactive = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"uc={self.uc_id} active={self.active} inactive={self.inactive}"
