"""Taking a number off the opt-out list: staff with a reason (audited), or the consumer's START
message through the gateway's inbound callback (configurable keywords)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.sms import services
from suthra.sms.models import Campaign, Kind, OptOut, SkipReason
from suthra.sms.selectors import plan
from suthra.testing import make_bill, make_unit

pytestmark = pytest.mark.django_db
SECRET = "test-inbound-secret"
MONTH = dt.date(2025, 11, 1)


def _remove(client, mobile, reason="The consumer asked for messages again"):
    return client.post(
        reverse("sms:optout_remove"), {"remove-mobile": mobile, "remove-reason": reason}
    )


def _inbound(client, sender, text):
    return client.post(reverse("sms:inbound"), {"from": sender, "text": text, "secret": SECRET})


def test_an_agent_takes_a_number_off_with_a_reason_and_it_is_audited(world, login):
    OptOut.objects.create(mobile="03001110001", source="staff")
    response = _remove(login(world.agent_a), "0300-1110001")
    assert response.status_code == 302
    assert not OptOut.objects.exists()
    event = AuditEvent.objects.get(action="sms.optout_remove")
    assert event.actor == world.agent_a
    assert event.changes == {
        "mobile": "***0001",
        "source": "staff",
        "reason": "The consumer asked for messages again",
    }


def test_the_next_campaign_reaches_the_number_again(world, login):
    unit = make_unit(world.uc_a, mobile="03001110001")
    make_bill(unit, MONTH, fee=300)
    OptOut.objects.create(mobile="03001110001", source="inbound")
    services.templates_ensure()
    campaign = services.campaign_create(
        actor=world.manager,
        kind=Kind.DUE_REMINDER,
        language="en",
        city=world.lahore,
        uc=world.uc_a,
        month=MONTH,
    )
    assert plan(campaign, "{name}").recipients[0].skip == str(SkipReason.OPTED_OUT)
    _remove(login(world.manager), "03001110001")
    assert plan(Campaign.objects.get(pk=campaign.pk), "{name}").sending[0].to == "03001110001"


def test_a_reason_and_a_real_number_are_required(world, login):
    OptOut.objects.create(mobile="03001110001", source="staff")
    client = login(world.agent_a)
    no_reason = _remove(client, "03001110001", reason="  ")
    assert no_reason.status_code == 400
    bad = _remove(client, "12345")
    assert bad.status_code == 400
    assert OptOut.objects.count() == 1
    assert not AuditEvent.objects.filter(action="sms.optout_remove").exists()
    with pytest.raises(Exception, match="reason"):
        services.optout_remove(actor=world.agent_a, mobile="03001110001", reason="")


def test_a_number_not_on_the_list_changes_nothing(world, login):
    response = _remove(login(world.agent_a), "03001110009")
    assert response.status_code == 302
    page = login(world.agent_a).get(response["Location"]).content.decode()
    assert "was not on the opt-out list" in page
    assert not AuditEvent.objects.filter(action="sms.optout_remove").exists()


def test_managers_remove_from_the_list_itself(world, login):
    OptOut.objects.create(mobile="03001110001", source="staff")
    page = login(world.manager).get(reverse("sms:optouts")).content.decode()
    row = page.split('data-mobile="03001110001"')[1].split("</li>")[0]
    assert 'name="remove-mobile" value="03001110001"' in row and "remove-reason" in row


def test_start_from_the_consumer_takes_the_number_off(client, db):
    OptOut.objects.create(mobile="03001110001", source="inbound")
    OptOut.objects.create(mobile="03001110002", source="staff")
    assert _inbound(client, "+92 300 1110001", "start please").content == b"started"
    assert _inbound(client, "03001110002", "شروع").content == b"started"
    assert not OptOut.objects.exists()
    events = AuditEvent.objects.filter(action="sms.optout_remove")
    assert events.count() == 2 and all(e.actor is None for e in events)
    assert events.get(changes__mobile="***0001").changes["reason"] == "START: start please"
    # Not on the list, START inside a sentence, or without the secret: nothing happens.
    assert _inbound(client, "03001110003", "START").content == b"ok"
    OptOut.objects.create(mobile="03001110004", source="inbound")
    assert _inbound(client, "03001110004", "please start").content == b"ok"
    no_secret = client.post(reverse("sms:inbound"), {"from": "03001110004", "text": "START"})
    assert no_secret.status_code == 403
    assert OptOut.objects.filter(mobile="03001110004").exists()


def test_the_start_keywords_are_configurable(client, db, settings):
    settings.SMS_START_KEYWORDS = ["YES"]
    OptOut.objects.create(mobile="03001110001", source="inbound")
    assert _inbound(client, "03001110001", "START").content == b"ok"
    assert OptOut.objects.exists()
    assert _inbound(client, "03001110001", "yes").content == b"started"
    assert not OptOut.objects.exists()
    # STOP still opts out; the round trip works.
    assert _inbound(client, "03001110001", "STOP").content == b"stopped"
    assert OptOut.objects.get().source == OptOut.Source.INBOUND
