"""Hand-over reminders: who is reminded of cash held too long, not twice a day, nothing for cash
already handed over, the supervisors of the collector's area only, the command and the task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from suthra.accounts.models import Role
from suthra.cash import services
from suthra.cash.models import CashReceipt, HandOverMethod, HandOverReminder
from suthra.core.months import current_month
from suthra.notifications.models import Notification
from suthra.testing import make_bill, make_staff, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, current_month(), fee=300, arrears=600)
    return unit


def _collect(world, unit, amount, *, hours_ago: float, actor=None):
    receipt, _ = services.cash_collect(actor=actor or world.agent_a, unit_id=unit.pk, amount=amount)
    # As if written that long ago (cash_collect only takes a past time for offline numbers).
    CashReceipt.objects.filter(pk=receipt.pk).update(
        collected_at=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    return receipt


def _notes(kind=None):
    qs = Notification.objects.order_by("id")
    if kind:
        qs = qs.filter(kind=kind)
    return [(n.recipient.username, n.kind) for n in qs]


def test_collector_and_their_supervisor_are_reminded_of_cash_held_too_long(world, unit):
    _collect(world, unit, 300, hours_ago=25)
    _collect(world, unit, 200, hours_ago=1)
    assert services.cash_reminders_send() == 1
    assert _notes() == [
        ("agent_a", "cash.handover_reminder"),
        ("supervisor", "cash.handover_overdue"),
    ]
    mine = Notification.objects.get(recipient=world.agent_a)
    # The whole cash not handed over, not only the old receipt.
    assert mine.title == "Hand over your cash: Rs 500 not handed over"
    assert "2 receipt(s)" in mine.body and "more than 24 hours" in mine.body
    assert mine.url == "/cash/"
    theirs = Notification.objects.get(recipient=world.supervisor)
    assert theirs.title == f"{world.agent_a.full_name} has not handed over Rs 500"
    assert theirs.url == f"/cash/?collector={world.agent_a.pk}"
    reminder = HandOverReminder.objects.get()
    assert (reminder.collector, reminder.amount, reminder.receipts_count) == (
        world.agent_a,
        500,
        2,
    )


def test_cash_younger_than_the_setting_is_not_reminded(world, unit, settings):
    settings.CASH_HANDOVER_REMIND_HOURS = 48
    _collect(world, unit, 300, hours_ago=30)
    assert services.cash_reminders_send() == 0
    assert not Notification.objects.exists()
    settings.CASH_HANDOVER_REMIND_HOURS = 24
    assert services.cash_reminders_send() == 1


def test_not_twice_a_day_but_again_the_next_day(world, unit):
    _collect(world, unit, 300, hours_ago=30)
    assert services.cash_reminders_send() == 1
    assert services.cash_reminders_send() == 0
    call_command("cash_reminders")
    assert Notification.objects.count() == 2
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert services.cash_reminders_send(now=tomorrow) == 1
    assert _notes("cash.handover_reminder") == [("agent_a", "cash.handover_reminder")] * 2


def test_nothing_for_cash_handed_over_or_cancelled(world, unit):
    _collect(world, unit, 300, hours_ago=30)
    services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    # Handed over but not confirmed yet: the collector no longer holds it.
    assert services.cash_reminders_send() == 0
    cancelled = _collect(world, unit, 100, hours_ago=30)
    services.receipt_cancel(actor=world.supervisor, receipt=cancelled, reason="typed twice")
    assert services.cash_reminders_send() == 0
    assert not Notification.objects.exists()


def test_only_the_supervisors_of_the_collectors_area_are_told(world, unit):
    multan = world.uc_c.city
    agent_m = make_staff("agent_m", Role.AGENT, cities=[multan], ucs=[world.uc_c])
    multan_unit = make_unit(world.uc_c)
    make_bill(multan_unit, current_month())
    _collect(world, unit, 300, hours_ago=30)
    _collect(world, multan_unit, 100, hours_ago=30, actor=agent_m)
    assert services.cash_reminders_send() == 2
    told = {
        (n.recipient.username, n.url)
        for n in Notification.objects.filter(kind="cash.handover_overdue")
    }
    assert told == {
        ("supervisor", f"/cash/?collector={world.agent_a.pk}"),
        ("supervisor_multan", f"/cash/?collector={agent_m.pk}"),
    }
    # Managers and head office are not reminded; the scheduler's reminder is for supervisors.
    assert not Notification.objects.filter(recipient__role__in=["MANAGER", "HEAD"]).exists()


def test_a_collecting_supervisor_is_reminded_but_never_told_about_themselves(world, unit):
    _collect(world, unit, 300, hours_ago=30, actor=world.supervisor)
    assert services.cash_reminders_send() == 1
    assert _notes() == [("supervisor", "cash.handover_reminder")]


def test_each_collector_is_reminded_once(world, unit):
    other = make_unit(world.uc_b)
    make_bill(other, current_month())
    _collect(world, unit, 300, hours_ago=30)
    _collect(world, other, 100, hours_ago=30, actor=world.agent_b)
    assert services.cash_reminders_send() == 2
    reminded = sorted(
        n.recipient.username for n in Notification.objects.filter(kind="cash.handover_reminder")
    )
    assert reminded == ["agent_a", "agent_b"]
    told = Notification.objects.filter(kind="cash.handover_overdue", recipient=world.supervisor)
    assert sorted(n.url for n in told) == sorted(
        f"/cash/?collector={pk}" for pk in (world.agent_a.pk, world.agent_b.pk)
    )


def test_the_reminder_is_in_urdu_for_an_urdu_reader(world, unit):
    world.agent_a.language = "ur"
    world.agent_a.save(update_fields=["language"])
    _collect(world, unit, 300, hours_ago=30)
    services.cash_reminders_send()
    note = Notification.objects.get(recipient=world.agent_a)
    assert "رقم" in note.title and "300" in note.title
    # The page shows it in the reader's language of the moment.
    with translation.override("en"):
        assert note.display_title == "Hand over your cash: Rs 300 not handed over"
    with translation.override("ur"):
        assert note.display_body.startswith("1")
        assert "سپروائزر" in note.display_body


def test_the_command_enqueues_the_task(world, unit, capsys):
    _collect(world, unit, 300, hours_ago=30)
    # The test settings run tasks at once (ImmediateBackend).
    call_command("cash_reminders", "--enqueue")
    assert "enqueued" in capsys.readouterr().out
    assert HandOverReminder.objects.count() == 1
