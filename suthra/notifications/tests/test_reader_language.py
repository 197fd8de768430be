"""Notifications are shown in the reader's language of the moment (issue 19)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from suthra.notifications.models import Notification
from suthra.notifications.services import message_of, notify
from suthra.tickets.models import TicketType

pytestmark = pytest.mark.django_db


def raise_note(world) -> Notification:
    notify(
        recipients=[world.supervisor],
        kind="ticket.raised",
        title=format_lazy(
            gettext_lazy("New ticket #{id}: {type} ({unit})"),
            id=3,
            type=TicketType.WRONG_BILL.label,
            unit="SP-A-1",
        ),
        body="plain text from a person",
    )
    return Notification.objects.get()


def test_an_english_reader_who_switches_to_urdu_sees_it_in_urdu(world, login):
    world.supervisor.language = "en"
    world.supervisor.save()
    note = raise_note(world)
    assert note.title.startswith("New ticket #3")  # stored for email/SMS in their language
    client = login(world.supervisor)
    english = client.get(reverse("notifications:list")).content.decode()
    assert "New ticket #3" in english
    client.post("/language/", {"language": "ur", "next": "/"})
    urdu = client.get(reverse("notifications:list")).content.decode()
    assert "New ticket #3" not in urdu
    with translation.override("ur"):
        expected = note.display_title
        assert str(TicketType.WRONG_BILL.label) in expected and "SP-A-1" in expected
    assert expected in urdu
    assert "plain text from a person" in urdu  # what a person typed stays as typed


def test_the_api_answers_in_the_callers_language(world, login):
    raise_note(world)
    client = login(world.supervisor)
    english = client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["items"][0]["title"].startswith("New ticket #3")


def test_message_of_takes_lazy_messages_apart_and_leaves_plain_text_alone():
    lazy = format_lazy(gettext_lazy("Ticket #{id} approved"), id=7)
    assert message_of(lazy) == {"m": "Ticket #{id} approved", "p": {"id": 7}}
    assert message_of("typed by a person") is None
    assert message_of(gettext_lazy("Ticket #{id} approved")) == {
        "m": "Ticket #{id} approved",
        "p": {},
    }
