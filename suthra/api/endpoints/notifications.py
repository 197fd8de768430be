"""The caller's own notifications: list (newest first), mark one or all read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.api.schemas import responses
from suthra.notifications import selectors, services
from suthra.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="e.g. ticket.decided, visit.approved, import.finished")
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    unread: int = Field(description="How many of the caller's notifications are unread.")
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for older ones.")
    size: int


class NotificationParams(Schema):
    unread_only: bool = False
    cursor: str | None = Field(None, pattern=r"^[1-9]\d{0,18}$", description="next_cursor")
    size: int = Field(30, ge=1, le=100)


class MarkedOut(Schema):
    marked: int
    unread: int


def note_row(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.display_title,
        "body": n.display_body,
        "url": n.url,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.get(
    "/notifications", response=responses(NotificationPage), operation_id="notifications_list"
)
def notifications_list(request: HttpRequest, params: Query[NotificationParams]) -> dict[str, Any]:
    """The caller's notifications, newest first (nobody sees anyone else's)."""
    rows = selectors.notifications_for(
        actor=request.user,
        before=int(params.cursor) if params.cursor else None,
        unread_only=params.unread_only,
        limit=params.size + 1,
    )
    more = len(rows) > params.size
    rows = rows[: params.size]
    return {
        "items": [note_row(n) for n in rows],
        "unread": selectors.unread_count(request.user),
        "next_cursor": str(rows[-1].pk) if more and rows else None,
        "size": params.size,
    }


@router.post(
    "/notifications/{notification_id}/read",
    response=responses(NotificationOut),
    operation_id="notifications_read",
)
def notifications_read(
    request: HttpRequest, notification_id: int = Path(..., ge=1, le=2**63 - 1)
) -> dict[str, Any]:
    """Mark one of the caller's notifications read (someone else's is a 404)."""
    note = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    if note is None:
        raise Http404("Not found")
    return note_row(note)


@router.post(
    "/notifications/read-all", response=responses(MarkedOut), operation_id="notifications_read_all"
)
def notifications_read_all(request: HttpRequest) -> dict[str, Any]:
    """Mark all of the caller's notifications read."""
    marked = services.notification_mark_all_read(actor=request.user)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}
