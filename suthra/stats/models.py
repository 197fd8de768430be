"""Summaries of bills and units, kept equal to a recount by ``services.stats_refresh``.

Three small tables instead of scanning 3.6 M bills:

- ``MonthlyStat``: month × UC × bill status × arrears-aging bucket (about 17 k rows for
  96 UCs × 12 months) — everything the dashboard shows about bills.
- ``MonthlyTypeStat``: month × UC × business type × size category, the amounts of each status
  side by side — the collection report by business type and category.
- ``UnitStat``: active / inactive units per UC.
- ``PaymentPatternStat``: month × UC × window of N months ending with it — units billed in the
  window, those that paid every bill in full, those that paid nothing (the consumers report).
- ``UnitFlowStat``: month × UC — units surveyed in the month and inactive units last billed in it.

Each table's primary key is its natural key (``CompositePrimaryKey``): no surrogate id, no
second unique index, no single-column index that the key's leading columns already serve — the
summaries are read by month (and scoped by UC) and rewritten per (UC, month).

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


# The payment-pattern windows (months) the consumers report offers.
PATTERN_WINDOWS = (3, 6, 12)


class _Amounts(models.Model):
    # Amount columns first, the key's narrower columns last: no alignment padding in a row.
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
    pk = models.CompositePrimaryKey("month", "uc", "status", "aging")
    month = models.DateField()
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.PositiveSmallIntegerField()  # billing.BillStatus
    aging = models.PositiveSmallIntegerField(choices=Aging.choices)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} status={self.status} aging={self.aging}"


# The bill statuses (billing.BillStatus values) and their column prefixes in MonthlyTypeStat.
TYPE_STATUSES = {0: "unpaid", 1: "partial", 2: "paid"}
AMOUNTS = ("bills", "fees", "arrears", "collected", "outstanding")


class MonthlyTypeStat(models.Model):
    """The finest summary: one row per month, UC, business type and size category, with the
    amounts of each bill status side by side (``unpaid_bills``, ``partial_fees``,
    ``paid_collected`` …) — 52 k rows at 300 k units instead of 148 k with one row per status
    (the 24-byte row header and the key repeated three times weighed more than the sums).
    4-byte sums: a row adds up at most a few thousand bills of a few thousand rupees, far below
    the 2.1 billion an ``integer`` holds."""

    pk = models.CompositePrimaryKey("month", "uc", "business_type", "category")
    unpaid_bills = models.PositiveIntegerField(default=0)
    unpaid_fees = models.PositiveIntegerField(default=0)
    unpaid_arrears = models.PositiveIntegerField(default=0)
    unpaid_collected = models.PositiveIntegerField(default=0)
    unpaid_outstanding = models.PositiveIntegerField(default=0)
    partial_bills = models.PositiveIntegerField(default=0)
    partial_fees = models.PositiveIntegerField(default=0)
    partial_arrears = models.PositiveIntegerField(default=0)
    partial_collected = models.PositiveIntegerField(default=0)
    partial_outstanding = models.PositiveIntegerField(default=0)
    paid_bills = models.PositiveIntegerField(default=0)
    paid_fees = models.PositiveIntegerField(default=0)
    paid_arrears = models.PositiveIntegerField(default=0)
    paid_collected = models.PositiveIntegerField(default=0)
    paid_outstanding = models.PositiveIntegerField(default=0)
    month = models.DateField()
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+", db_index=False)
    business_type = models.ForeignKey(
        BusinessType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.PositiveSmallIntegerField()  # units.SizeCategory

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} type={self.business_type_id}"

    def amounts(self, status: int) -> dict[str, int]:
        """The sums of one bill status: bills, fees, arrears, collected, outstanding."""
        prefix = TYPE_STATUSES[status]
        return {name: getattr(self, f"{prefix}_{name}") for name in AMOUNTS}


class UnitStat(models.Model):
    uc = models.OneToOneField(
        UnionCouncil, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    active = models.PositiveIntegerField(default=0)
    inactive = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"uc={self.uc_id} active={self.active} inactive={self.inactive}"


class PaymentPatternStat(models.Model):
    """Units of a UC by payment pattern over the ``months`` months ending with ``month``
    (``months`` is one of ``PATTERN_WINDOWS``). ``units`` had at least one bill in the window;
    ``always`` paid every one of those bills in full; ``never`` paid nothing on any of them;
    the rest paid sometimes. Only bills still in the table count (not archived months)."""

    pk = models.CompositePrimaryKey("month", "uc", "months")
    units = models.PositiveIntegerField(default=0)
    always = models.PositiveIntegerField(default=0)
    never = models.PositiveIntegerField(default=0)
    month = models.DateField()
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+", db_index=False)
    months = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} last {self.months} months"

    @property
    def sometimes(self) -> int:
        return self.units - self.always - self.never


class UnitFlowStat(models.Model):
    """Per UC and month: units surveyed in that month (local time), and inactive units whose
    last bill still in the table is of that month ("closed")."""

    pk = models.CompositePrimaryKey("month", "uc")
    new = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    month = models.DateField()
    uc = models.ForeignKey(UnionCouncil, on_delete=models.CASCADE, related_name="+", db_index=False)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} uc={self.uc_id} new={self.new} closed={self.closed}"
