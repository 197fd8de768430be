"""Delivery of notifications by email and SMS, as background tasks with retries.

django-tasks has no retry policy of its own: a failed attempt enqueues the next one (delayed when
the backend can defer) until ``NOTIFY_EMAIL_MAX_ATTEMPTS``; the last failure is logged and
recorded on the task result. Nothing here ever raises into a web request.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django_tasks import default_task_backend, task

from suthra.core.context_processors import site_name
from suthra.notifications.models import Notification
from suthra.notifications.sms import get_sms_backend

logger = logging.getLogger(__name__)


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_EMAIL_MAX_ATTEMPTS", 4))


def _enqueue_retry(notification_id: int, attempt: int) -> None:
    delay = dt.timedelta(minutes=2 ** (attempt - 1))
    runner = send_notification_email
    if default_task_backend.supports_defer:
        runner = runner.using(run_after=timezone.now() + delay)
    runner.enqueue(notification_id, attempt)


@task()
def send_notification_email(notification_id: int, attempt: int = 1) -> str:
    """Email one notification to its recipient; re-enqueue itself on failure."""
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None or not note.recipient.email:
        return "skipped"
    Notification.objects.filter(pk=note.pk).update(email_attempts=attempt)
    text = note.body or note.title
    if note.url:
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        text = f"{text}\n\n{base}{note.url}"
    with translation.override(note.recipient.language or settings.LANGUAGE_CODE):
        subject = f"[{site_name()}] {note.title}"
    try:
        send_mail(
            subject=subject,
            message=text,
            from_email=None,
            recipient_list=[note.recipient.email],
        )
    except Exception as exc:
        logger.warning("email for notification %s failed (attempt %s): %s", note.pk, attempt, exc)
        if attempt < _max_attempts():
            _enqueue_retry(note.pk, attempt + 1)
            return "retrying"
        raise
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return "sent"


@task()
def send_notification_sms(to: str, text: str) -> str:
    get_sms_backend().send(to, text)
    return "sent"
