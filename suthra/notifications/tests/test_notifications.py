"""Notifications: in-app rows and unread badge, mark read, email after commit with retries,
a failing mail server never fails the request, SMS backend, activity feed scope."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from suthra.notifications import selectors
from suthra.notifications.models import Notification
from suthra.notifications.services import notify
from suthra.notifications.sms import MemorySmsBackend
from suthra.reports.activity import activity_for
from suthra.testing import make_unit
from suthra.tickets.models import TicketType
from suthra.tickets.services import ticket_decide, ticket_raise
from suthra.visits.models import ComplianceVisit, VisitOutcome


@pytest.mark.django_db
def test_notify_creates_rows_and_badge_counts_unread(world, login):
    n = notify(
        recipients=[world.agent_a, world.agent_a, world.agent_b], kind="x", title="Hello", url="/"
    )
    assert n == 2
    client = login(world.agent_a)
    page = client.get(reverse("core:home")).content.decode()
    assert 'class="notif-count" data-count="1"' in page
    assert selectors.unread_count(world.agent_a) == 1


@pytest.mark.django_db
def test_mark_one_read_redirects_to_its_url_and_others_are_404(world, login):
    notify(recipients=[world.agent_a], kind="x", title="Go", url=reverse("visits:list"))
    note = Notification.objects.get()
    assert (
        login(world.agent_b).post(reverse("notifications:read"), {"id": note.pk}).status_code == 404
    )
    r = login(world.agent_a).post(reverse("notifications:read"), {"id": note.pk})
    assert r.status_code == 302 and r["Location"] == reverse("visits:list")
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.django_db
def test_external_urls_are_not_followed(world, login):
    notify(recipients=[world.agent_a], kind="x", title="Evil", url="https://evil.example/")
    note = Notification.objects.get()
    r = login(world.agent_a).post(reverse("notifications:read"), {"id": note.pk})
    assert r["Location"] == reverse("notifications:list")


@pytest.mark.django_db
def test_mark_all_read_touches_only_mine(world, login):
    notify(recipients=[world.agent_a, world.agent_b], kind="x", title="A")
    notify(recipients=[world.agent_a], kind="x", title="B")
    login(world.agent_a).post(reverse("notifications:read_all"))
    assert selectors.unread_count(world.agent_a) == 0
    assert selectors.unread_count(world.agent_b) == 1


@pytest.mark.django_db
def test_list_shows_only_mine_with_bounded_queries(world, login, django_assert_max_num_queries):
    for i in range(40):
        notify(recipients=[world.agent_a], kind="x", title=f"Mine {i}")
    notify(recipients=[world.agent_b], kind="x", title="Not yours")
    client = login(world.agent_a)
    client.get(reverse("notifications:list"))
    with django_assert_max_num_queries(8):
        r = client.get(reverse("notifications:list"))
    body = r.content.decode()
    assert "Mine 39" in body and "Not yours" not in body and r.context["next_before"]
    older = client.get(reverse("notifications:list"), {"before": r.context["next_before"]})
    assert "Mine 0" in older.content.decode()
    assert client.get(reverse("notifications:list"), {"before": "x"}).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_after_commit_only(world):
    world.agent_a.email = "agent@example.pk"
    world.agent_a.save()
    with transaction.atomic():
        notify(recipients=[world.agent_a], kind="visit.approved", title="Approved")
        assert mail.outbox == []
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["agent@example.pk"]
    assert Notification.objects.get().emailed_at is not None
    # A rolled-back transaction sends nothing.
    try:
        with transaction.atomic():
            notify(recipients=[world.agent_a], kind="x", title="Never")
            raise RuntimeError
    except RuntimeError:
        pass
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_failing_mail_server_never_fails_the_request_and_retries(
    world, login, settings, monkeypatch
):
    world.agent_a.email = "agent@example.pk"
    world.agent_a.save()
    settings.NOTIFY_EMAIL_MAX_ATTEMPTS = 3
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("suthra.notifications.tasks.send_mail", broken)
    unit = make_unit(world.uc_a, lat=31.5, lon=74.3)
    visit = ComplianceVisit.objects.create(
        staff=world.agent_a, unit=unit, visited_at=timezone.now(), outcome=VisitOutcome.PROMISED
    )
    r = login(world.supervisor).post(
        reverse("visits:decide", args=[visit.pk]), {"decision": "approve"}
    )
    assert r.status_code == 302
    note = Notification.objects.get(recipient=world.agent_a)
    # Tried three times (the immediate backend runs the retries at once), never sent.
    assert len(calls) == 3 and note.email_attempts == 3 and note.emailed_at is None


@pytest.mark.django_db(transaction=True)
def test_sms_goes_through_the_configured_backend(world, settings):
    settings.SMS_BACKEND = "suthra.notifications.sms.MemorySmsBackend"
    settings.SMS_NOTIFY_KINDS = ["ticket.escalated"]
    MemorySmsBackend.outbox.clear()
    world.manager.mobile = "03001234567"
    world.manager.save()
    notify(recipients=[world.manager], kind="ticket.escalated", title="Ticket #1 escalated")
    notify(recipients=[world.manager], kind="visit.approved", title="no sms for this")
    assert MemorySmsBackend.outbox == [("03001234567", "Ticket #1 escalated")]


def test_logging_sms_backend_hides_the_number(caplog):
    from suthra.notifications.sms import LoggingSmsBackend

    with caplog.at_level("INFO", logger="suthra.sms"):
        LoggingSmsBackend().send("03001234567", "hello")
    assert "4567" in caplog.text and "03001234567" not in caplog.text


@pytest.mark.django_db
def test_activity_feed_is_scoped_to_the_actor(world):
    lahore_unit = make_unit(world.uc_a)
    multan_unit = make_unit(world.uc_c)
    now = timezone.now()
    ComplianceVisit.objects.create(staff=world.agent_a, unit=lahore_unit, visited_at=now, outcome=2)
    ComplianceVisit.objects.create(
        staff=world.supervisor_multan, unit=multan_unit, visited_at=now, outcome=3
    )
    t = ticket_raise(actor=world.head, unit=multan_unit, type=TicketType.OTHER, description="m")
    ticket_decide(actor=world.manager_multan, ticket=t, approve=False, reason="no")
    lahore = activity_for(world.supervisor, limit=10)
    assert [i.kind for i in lahore] == ["visit"]
    assert lahore_unit.survey_id in lahore[0].text
    multan = activity_for(world.manager_multan, limit=10)
    assert {i.kind for i in multan} == {"visit", "ticket"}
    assert all(lahore_unit.survey_id not in i.text for i in multan)
    assert len(activity_for(world.head, limit=2)) == 2
