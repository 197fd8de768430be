"""SMS to consumers: templates (HEAD edits), campaigns, one row per recipient, the opt-out list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from suthra.locations.models import City, UnionCouncil
from suthra.units.models import SurveyUnit


class Kind(models.TextChoices):
    BILL_ISSUED = "bill_issued", _("Bill issued")
    DUE_REMINDER = "due_reminder", _("Due-date reminder")
    ARREARS_REMINDER = "arrears_reminder", _("Arrears reminder")
    NOTICE_SERVED = "notice_served", _("Notice served")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")


class Language(models.TextChoices):
    URDU = "ur", _("Urdu")
    ENGLISH = "en", _("English")


class SmsTemplate(models.Model):
    """The text of one kind of message in one language, with ``{placeholders}``."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    body = models.TextField(_("text"), max_length=1000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="sms_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_language_display()})"


class Campaign(models.Model):
    """Messages of one kind to the consumers of a UC (or a whole city) for one bill month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (preview)")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    # Blank: every UC of the city.
    uc = models.ForeignKey(
        UnionCouncil, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("bill month"))
    min_arrears = models.PositiveIntegerField(_("minimum arrears (Rs)"), default=1)
    # The template's text when the campaign was confirmed (later edits do not change it).
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.month:%b-%Y}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class SkipReason(models.TextChoices):
    NONE = "", "—"
    INVALID = "invalid", _("Invalid number")
    OPTED_OUT = "opted_out", _("Opted out")
    DUPLICATE = "duplicate", _("Duplicate number")


class SmsMessage(models.Model):
    """One recipient of a campaign and what happened to the message (the status log)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="+")
    psid = models.BigIntegerField(_("PSID"))
    # Normalised 03XXXXXXXXX, or the raw value when it is not a mobile number (skipped).
    to = models.CharField(_("mobile"), max_length=32)
    text = models.TextField(_("text"))
    parts = models.PositiveSmallIntegerField(_("parts"), default=1)
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    skip_reason = models.CharField(max_length=10, choices=SkipReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The gateway's last answer (or the error), kept for the status log.
    answer = models.CharField(_("gateway answer"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["campaign", "status"], name="sms_msg_campaign_status")]

    def __str__(self) -> str:
        return f"{self.to} {self.status}"


class OptOut(models.Model):
    """A number that never gets a campaign message (staff added it, or the consumer sent STOP)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Added by staff")
        INBOUND = "inbound", _("STOP message")

    mobile = models.CharField(_("mobile"), max_length=11, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.mobile
