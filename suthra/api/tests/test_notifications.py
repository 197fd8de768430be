"""Notifications through the API: own only, paging, mark read."""

from __future__ import annotations

import pytest

from suthra.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notes(user, n):
    return [
        Notification.objects.create(recipient=user, kind="ticket.decided", title=f"Note {i}")
        for i in range(n)
    ]


def test_list_own_notifications_newest_first_with_cursor(world, api):
    notes = _notes(world.agent_a, 5)
    _notes(world.agent_b, 2)
    client = api(world.agent_a)
    first = client.get("/notifications", {"size": 3}).json()
    assert [n["id"] for n in first["items"]] == [n.pk for n in reversed(notes)][:3]
    assert first["unread"] == 5
    second = client.get("/notifications", {"size": 3, "cursor": first["next_cursor"]}).json()
    assert [n["id"] for n in second["items"]] == [notes[1].pk, notes[0].pk]
    assert second["next_cursor"] is None


def test_mark_read_own_only(world, api):
    mine = _notes(world.agent_a, 2)
    theirs = _notes(world.agent_b, 1)[0]
    client = api(world.agent_a)
    assert client.post(f"/notifications/{theirs.pk}/read").status_code == 404
    ok = client.post(f"/notifications/{mine[0].pk}/read")
    assert ok.status_code == 200 and ok.json()["read"] is True
    theirs.refresh_from_db()
    assert theirs.read_at is None
    all_read = client.post("/notifications/read-all").json()
    assert all_read == {"marked": 1, "unread": 0}
