"""Reads for notifications. Every function takes the actor (the activity feed is in
suthra/reports/activity.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from suthra.notifications.models import Notification

PAGE_SIZE = 30


def unread_count(actor: Any) -> int:
    """The badge number. One indexed COUNT; 0 for anonymous users."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def notifications_for(
    *, actor: Any, before: int | None = None, unread_only: bool = False, limit: int = PAGE_SIZE
) -> list[Notification]:
    """The actor's own notifications, newest first, keyset-paged by id (``before``)."""
    qs: QuerySet[Notification] = Notification.objects.filter(recipient=actor)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[:limit])
