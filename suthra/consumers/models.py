"""Bill printing settings, defaulter notices and the count of public lookups."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suthra.units.models import SurveyUnit

DEFAULT_HOW_TO_PAY = (
    "Pay with the PSID at any 1Link bank counter or ATM, in internet or mobile banking "
    "(bill payment, 1Bill or PSID), or with JazzCash or Easypaisa."
)
DEFAULT_HOW_TO_PAY_UR = (
    "پی ایس آئی ڈی کے ساتھ کسی بھی 1Link بینک کاؤنٹر یا اے ٹی ایم، انٹرنیٹ یا موبائل بینکنگ"
    "، جاز کیش یا ایزی پیسہ سے ادائیگی کریں۔"
)


def default_due_day() -> int:
    """The due day a fresh installation starts with (``BILL_DUE_DAY``); once HEAD saves the bill
    settings, the row is the only source of the due day."""
    return max(1, min(28, int(getattr(settings, "BILL_DUE_DAY", 15))))


class BillSettings(models.Model):
    """What every printed bill says besides the bill itself (one row; HEAD edits it). The due
    day here is the one due date of a bill everywhere: the printed bill, the public
    lookup and its API, and the SMS ``{due_date}`` (a notice prints its own deadline)."""

    helpline = models.CharField(_("helpline"), max_length=40, default="0800-00000")
    due_day = models.PositiveSmallIntegerField(
        _("due day of the month"),
        default=default_due_day,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    # Rupees added after the due date; 0 means no late charge (the default).
    late_charge = models.PositiveIntegerField(_("late charge (Rs)"), default=0)
    how_to_pay = models.TextField(
        _("how to pay (English)"), max_length=600, default=DEFAULT_HOW_TO_PAY
    )
    how_to_pay_ur = models.TextField(
        _("how to pay (Urdu)"), max_length=600, default=DEFAULT_HOW_TO_PAY_UR
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bill settings")

    def __str__(self) -> str:
        return "Bill settings"

    @classmethod
    def load(cls) -> BillSettings:
        obj = cls.objects.filter(pk=1).first()
        return obj if obj is not None else cls(pk=1)

    def due_date(self, month: dt.date) -> dt.date:
        """The due date of the bill of ``month`` (a date on the 1st)."""
        return month.replace(day=max(1, min(28, self.due_day)))


class NoticeBatch(models.Model):
    """One run of defaulter notices: the threshold used and who ran it."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The place and threshold of the run, as query parameters (shown and audited).
    params = models.JSONField(default=dict, blank=True)
    min_months = models.PositiveSmallIntegerField(null=True, blank=True)
    min_amount = models.PositiveIntegerField(null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    notices = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Notice run #{self.pk}"


class Notice(models.Model):
    """A defaulter notice issued for one unit: what it owed, for which months, by when."""

    batch = models.ForeignKey(NoticeBatch, on_delete=models.PROTECT, related_name="items")
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="notices")
    # The bill the notice names (its PSID is printed); not a foreign key so archiving keeps it.
    psid = models.BigIntegerField(_("PSID"))
    issued_on = models.DateField(_("issued on"))
    amount = models.PositiveIntegerField(_("amount owed"))
    months = models.JSONField(_("months unpaid"), default=list)
    deadline = models.DateField(_("deadline"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Handed over by an agent on a visit (visits.services.visit_record → notice_serve).
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("served by"),
    )
    served_visit = models.ForeignKey(
        "visits.ComplianceVisit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices_served",
        verbose_name=_("served at visit"),
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["unit", "issued_on"], name="notice_unit_idx")]

    def __str__(self) -> str:
        return f"Notice {self.unit_id} {self.issued_on}"


class LookupCount(models.Model):
    """Public bill lookups per day, channel and outcome — counts only, nothing personal."""

    class Channel(models.IntegerChoices):
        WEB = 1, _("Web page")
        API = 2, _("API")
        PDF = 3, _("PDF download")

    class Outcome(models.IntegerChoices):
        FOUND = 1, _("Found")
        NOT_FOUND = 2, _("Not found")
        LIMITED = 3, _("Rate limited")

    day = models.DateField()
    channel = models.PositiveSmallIntegerField(choices=Channel.choices)
    outcome = models.PositiveSmallIntegerField(choices=Outcome.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "channel", "outcome"], name="lookupcount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.outcome}: {self.count}"
