"""The audit log: append-only, browsable and filterable by HEAD, keyset-paginated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from suthra.accounts.views import AUDIT_PAGE_SIZE
from suthra.core.audit import audit_bulk, audit_record
from suthra.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_edited_or_deleted_through_the_application(world):
    event = audit_record(actor=world.head, action="unit.update", object_type="unit", object_id=1)
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_update_and_delete_of_audit_rows(world):
    event = audit_record(actor=world.head, action="unit.update", object_type="unit", object_id=1)
    for sql in (
        "UPDATE core_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="unit.update").exists()


def test_head_filters_by_actor_action_object_and_dates(world, login):
    audit_record(actor=world.agent_a, action="unit.update", object_type="unit", object_id=7)
    audit_record(actor=world.supervisor, action="ticket.decide", object_type="ticket", object_id=3)
    audit_record(actor=world.agent_a, action="visit.create", object_type="visit", object_id=9)
    client = login(world.head)
    url = reverse("accounts:audit_log")

    def shown(**params):
        body = client.get(url, params).content.decode()
        return {a for a in ("unit.update", "ticket.decide", "visit.create") if a in body}

    assert shown() == {"unit.update", "ticket.decide", "visit.create"}
    assert shown(actor=world.agent_a.pk) == {"unit.update", "visit.create"}
    assert shown(action="ticket.decide") == {"ticket.decide"}
    assert shown(object_type="unit", object_id="7") == {"unit.update"}
    today = dt.date.today()
    assert shown(date_from=str(today - dt.timedelta(days=1))) == {
        "unit.update",
        "ticket.decide",
        "visit.create",
    }
    assert shown(date_to=str(today - dt.timedelta(days=2))) == set()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"actor": "abc"}, b"whole number"),
        ({"date_from": "2025-13-01"}, b"valid date"),
        ({"action": "DROP TABLE"}, b"action"),
        ({"date_from": "2025-11-02", "date_to": "2025-11-01"}, b"start date is after"),
        ({"before": "-5"}, b"before"),
    ],
)
def test_bad_filters_get_a_clear_400(world, login, params, message):
    response = login(world.head).get(reverse("accounts:audit_log"), params)
    assert response.status_code == 400
    assert message in response.content


def test_keyset_pagination_walks_every_event_once(world, login):
    total = AUDIT_PAGE_SIZE * 2 + 5
    audit_bulk(
        actor=world.agent_a,
        action="bill.payment",
        object_type="bill",
        items=[(n, {"paid_amount": [0, n]}) for n in range(total)],
    )
    client = login(world.head)
    url = reverse("accounts:audit_log") + "?action=bill.payment"
    seen = []
    pages = 0
    while url:
        response = client.get(url)
        events = response.context["events"]
        seen.extend(e.pk for e in events)
        pages += 1
        next_query = response.context["next_query"]
        url = reverse("accounts:audit_log") + "?" + next_query if next_query else ""
    assert pages == 3
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen, reverse=True)


def test_audit_page_query_count_does_not_grow_with_rows(
    world, login, django_assert_max_num_queries
):
    audit_bulk(
        actor=world.agent_a,
        action="unit.update",
        object_type="unit",
        items=[(n, {}) for n in range(60)],
    )
    client = login(world.head)
    client.get(reverse("accounts:audit_log"))
    with django_assert_max_num_queries(8):
        client.get(reverse("accounts:audit_log"))


def test_a_users_history_links_from_the_staff_page(world, login):
    audit_record(actor=world.agent_a, action="visit.create", object_type="visit", object_id=1)
    client = login(world.head)
    detail = client.get(reverse("accounts:staff_detail", args=[world.agent_a.pk]))
    assert f"?actor={world.agent_a.pk}".encode() in detail.content
    history = client.get(reverse("accounts:audit_log"), {"actor": world.agent_a.pk})
    assert b"Everything done by agent_a" in history.content
