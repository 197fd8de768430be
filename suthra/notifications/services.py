"""Notifications: in-app (with unread count), email and SMS through background tasks.

Other apps call ``notify`` inside their transaction; the in-app rows are part of that
transaction, and email/SMS are enqueued only after it commits. A failing mail server or task
queue never fails the request that caused the notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from suthra.notifications.models import Notification

logger = logging.getLogger(__name__)


def _deliver(notes: list[tuple[int, str, str]], sms: list[tuple[str, str]]) -> None:
    from suthra.notifications.tasks import send_notification_email, send_notification_sms

    for note_id, _email, _title in notes:
        try:
            send_notification_email.enqueue(note_id)
        except Exception:  # noqa: BLE001 - delivery must never break the caller
            logger.exception("could not enqueue email for notification %s", note_id)
    for to, text in sms:
        try:
            send_notification_sms.enqueue(to, text)
        except Exception:  # noqa: BLE001
            logger.exception("could not enqueue SMS")


def _in_language_of(person: Any, text: str | Promise) -> str:
    """Lazy text (``gettext_lazy``, ``format_lazy``) in the recipient's language; plain as is."""
    if not isinstance(text, Promise):
        return text
    with translation.override(getattr(person, "language", "") or settings.LANGUAGE_CODE):
        return str(text)


def _msgid(text: Any) -> str | list[str] | None:
    """The msgid behind a ``gettext_lazy`` / ``pgettext_lazy`` proxy (or None)."""
    if not isinstance(text, Promise):
        return None
    args: tuple[Any, ...] = tuple(getattr(text, "_args", ()))
    if len(args) == 1 and isinstance(args[0], str) and not getattr(text, "_kw", {}):
        return args[0]
    if len(args) == 2 and all(isinstance(a, str) for a in args):
        return [args[0], args[1]]
    return None


def message_of(text: str | Promise) -> dict[str, Any] | None:
    """The untranslated form of ``format_lazy(gettext_lazy("… {x} …"), x=…)`` or of a plain
    ``gettext_lazy``, to store beside the rendered text (``Notification.message``); None for
    plain strings and shapes it cannot take apart."""
    direct = _msgid(text)
    if direct is not None:
        return {"m": direct, "p": {}}
    if not isinstance(text, Promise):
        return None
    args: tuple[Any, ...] = tuple(getattr(text, "_args", ()))
    kw: dict[str, Any] = dict(getattr(text, "_kw", {}))
    if len(args) != 1 or _msgid(args[0]) is None:
        return None
    params: dict[str, Any] = {}
    for name, value in kw.items():
        if isinstance(value, Promise):
            ref = _msgid(value)
            if ref is None:
                return None
            params[name] = {"m": ref}
        elif isinstance(value, str | int | float | bool) or value is None:
            params[name] = value
        else:
            params[name] = str(value)
    return {"m": _msgid(args[0]), "p": params}


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str | Promise,
    url: str = "",
    body: str | Promise = "",
) -> int:
    """Notify staff members. ``kind`` e.g. "ticket.decided", "import.finished". Returns count.

    A lazy ``title`` or ``body`` is stored in each recipient's own language.

    Any service may call it (inside its transaction). Inactive and duplicate recipients are
    skipped. Email goes to recipients with an address; SMS to those with a mobile when ``kind``
    is in ``SMS_NOTIFY_KINDS``.
    """
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or person.pk in seen or not getattr(person, "is_active", True):
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return 0
    message = {
        part: found
        for part, text in (("title", title), ("body", body))
        if (found := message_of(text)) is not None
    }
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                kind=kind,
                title=_in_language_of(person, title)[:200],
                body=_in_language_of(person, body)[:2000],
                url=url,
                message=message,
            )
            for person in people
        ]
    )
    # bulk_create sets ids on PostgreSQL and SQLite ≥ 3.35; fetch them otherwise.
    if any(row.pk is None for row in rows):  # pragma: no cover
        rows = list(
            Notification.objects.filter(
                recipient__in=people, kind=kind, title__in={row.title for row in rows}
            ).order_by("-id")[: len(people)]
        )
    emails = [
        (row.pk, person.email, row.title)
        for row, person in zip(rows, people, strict=False)
        if person.email
    ]
    sms_kinds = set(getattr(settings, "SMS_NOTIFY_KINDS", ()))
    texts = [
        (person.mobile, row.title)
        for row, person in zip(rows, people, strict=False)
        if kind in sms_kinds and person.mobile
    ]
    if emails or texts:
        transaction.on_commit(lambda: _deliver(emails, texts))
    return len(people)


def notification_mark_read(*, actor: Any, notification_id: int) -> Notification | None:
    """Mark one of the actor's own notifications read; ``None`` if it is not theirs."""
    note = Notification.objects.filter(recipient=actor, pk=notification_id).first()
    if note is None:
        return None
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of the actor read. Returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
