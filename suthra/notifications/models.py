"""In-app notifications (with an unread count); email and SMS are sent from them by tasks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one staff member. ``read_at`` is null until read."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    # e.g. "ticket.decided", "ticket.escalated", "visit.approved", "import.finished"
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True, max_length=2000)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # The untranslated message behind ``title``/``body`` ({"title": ..., "body": ...}, each
    # {"m": msgid or [context, msgid], "p": {name: value or {"m": msgid}}}), so a page shows
    # the notification in the reader's language of the moment, not the one it was stored in.
    # ``title``/``body`` keep the text in the recipient's language (email, SMS, search).
    message = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The unread badge on every page and the list: recipient's newest first.
            models.Index(fields=["recipient", "read_at", "id"], name="notif_recipient_read_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def display_title(self) -> str:
        return render_message(self.message.get("title")) or self.title

    @property
    def display_body(self) -> str:
        return render_message(self.message.get("body")) or self.body

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def _translate(ref: Any) -> str:
    if isinstance(ref, list) and len(ref) == 2:
        return pgettext(str(ref[0]), str(ref[1]))
    return gettext(str(ref))


def render_message(message: Any) -> str:
    """A stored message in the active language; "" when there is none or it does not fit."""
    if not isinstance(message, dict) or "m" not in message:
        return ""
    params = {
        name: _translate(value["m"]) if isinstance(value, dict) and "m" in value else value
        for name, value in (message.get("p") or {}).items()
    }
    try:
        return _translate(message["m"]).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that names another placeholder
        return ""
