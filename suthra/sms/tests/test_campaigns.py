"""Campaigns end to end against a real local HTTP gateway: preview (recipients, skipped and why,
parts, sample), sending in batches with retries and backoff, the rate limit, quiet hours
(21:00–08:00 PKT), opt-outs (staff and the STOP callback) always honoured, scope."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from suthra.core.models import AuditEvent
from suthra.sms import services
from suthra.sms.models import Campaign, Kind, MessageStatus, OptOut, SkipReason, SmsTemplate
from suthra.sms.selectors import plan
from suthra.sms.services import quiet_until, run_batch, send_due, templates_ensure
from suthra.testing import make_bill, make_unit

PKT = zoneinfo.ZoneInfo("Asia/Karachi")
MONTH = dt.date(2025, 11, 1)
DAY = dt.datetime(2025, 11, 12, 10, 0, tzinfo=PKT)
URDU_BODY = "محترم {name}، بل PSID {psid} کی رقم Rs {amount} کی آخری تاریخ {due_date} ہے۔ {link}"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.PUBLIC_BASE_URL = "https://bills.example.pk"
    settings.BILL_DUE_DAY = 20


@pytest.fixture
def daytime():
    with time_machine.travel(DAY, tick=False) as traveller:
        yield traveller


def _unit(world, mobile, uc=None, **bill):
    unit = make_unit(uc or world.uc_a, mobile=mobile)
    return unit, make_bill(unit, MONTH, **bill)


def _campaign(world, kind=Kind.DUE_REMINDER, language="ur", actor=None, **extra):
    return services.campaign_create(
        actor=actor or world.manager,
        kind=kind,
        language=language,
        city=world.lahore,
        uc=extra.pop("uc", world.uc_a),
        month=MONTH,
        **extra,
    )


def _confirm(campaign, actor, capture):
    with capture(execute=True):
        return services.campaign_confirm(actor=actor, campaign=campaign)


def _statuses(campaign):
    return {m.to: (m.status, m.attempts) for m in campaign.messages.all()}


# --- preview -------------------------------------------------------------------------------


def test_preview_counts_recipients_skips_parts_and_renders_a_sample(world, login, daytime):
    a, bill_a = _unit(world, "03001110001", arrears=200)
    _unit(world, "12345")  # invalid
    _unit(world, "03001110003")  # opted out
    dup = make_unit(world.uc_a, mobile="03009999999", billing_mobile="03001110001")
    make_bill(dup, MONTH)  # the same number as unit a
    _unit(world, "03001110005")
    _unit(world, "03001110006", paid=300)  # paid: no due-date reminder
    _unit(world, "03001110007", uc=world.uc_b)  # another UC
    OptOut.objects.create(mobile="03001110003", source="staff")
    templates_ensure()
    SmsTemplate.objects.filter(kind=Kind.DUE_REMINDER, language="ur").update(body=URDU_BODY)
    campaign = _campaign(world)

    result = plan(campaign, URDU_BODY)
    assert [r.to for r in result.sending] == ["03001110001", "03001110005"]
    assert result.skipped == {"Invalid number": 1, "Opted out": 1, "Duplicate number": 1}
    sample = result.sample.text
    assert a.consumer_name in sample and str(bill_a.psid) in sample
    assert "Rs 500" in sample and "20/11/2025" in sample
    assert f"https://bills.example.pk/bill/?psid={bill_a.psid}" in sample
    # Urdu: UCS-2, 67 units a part when split; with the link the text is 141 units: 3 parts.
    assert result.parts_range == (3, 3) and result.total_parts == 6

    page = login(world.manager).get(reverse("sms:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="recipients">2<' in html and 'id="total-parts">6<' in html
    assert "Opted out: <strong>1</strong>" in html and "Duplicate number" in html
    assert f"psid={bill_a.psid}" in html


def test_kinds_choose_their_audience_and_amount(world, daytime):
    _unit(world, "03001110001", arrears=0)
    _u2, with_arrears = _unit(world, "03001110002", arrears=900)
    _u3, paid = _unit(world, "03001110003", paid=300)
    arrears = _campaign(world, kind=Kind.ARREARS_REMINDER, min_arrears=500)
    assert [r.psid for r in plan(arrears, "{psid}").sending] == [with_arrears.psid]
    payment = _campaign(world, kind=Kind.PAYMENT_RECEIVED, language="en")
    assert [r.text for r in plan(payment, "{psid} Rs {amount}").sending] == [f"{paid.psid} Rs 300"]
    issued = _campaign(world, kind=Kind.BILL_ISSUED)
    assert len(plan(issued, "{psid}").sending) == 3


# --- sending: retries, backoff, slow answers, batches, rate -------------------------------


def test_send_retries_failures_and_records_the_gateway_answer(
    world, gateway, daytime, django_capture_on_commit_callbacks
):
    gateway.plan = {
        "923001110001": [(500, "ERR busy", 0), (200, "OK id=1", 0)],
        "923001110002": [(500, "ERR 21 number blocked", 0)],
        "923001110003": [(200, "OK late", 1.5), (200, "OK id=3", 0)],
    }
    for n in (1, 2, 3, 4):
        _unit(world, f"0300111000{n}")
    _unit(world, "0300-111")  # not a mobile number (fits the 11-character column)
    campaign = _campaign(world)
    _confirm(campaign, world.manager, django_capture_on_commit_callbacks)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE
    assert _statuses(campaign) == {
        "03001110001": (MessageStatus.SENT, 2),
        "03001110002": (MessageStatus.FAILED, 3),
        "03001110003": (MessageStatus.SENT, 2),
        "03001110004": (MessageStatus.SENT, 1),
        "0300-111": (MessageStatus.SKIPPED, 0),
    }
    failed = campaign.messages.get(to="03001110002")
    assert failed.answer == "HTTP 500: ERR 21 number blocked"
    assert "timeout" not in campaign.messages.get(to="03001110003").answer
    assert len(gateway.to("923001110002")) == 3
    sent = gateway.to("923001110004")[0]
    assert sent.params["unicode"] == "true" and "محترم" in sent.params["message"]
    assert not [r for r in gateway.received if "0300-111" in str(r.params)]
    event = AuditEvent.objects.get(action="sms.campaign_confirm")
    assert event.changes["recipients"] == 4 and event.changes["skipped"] == 1


def test_a_failed_attempt_waits_for_the_backoff(
    world, gateway, settings, daytime, django_capture_on_commit_callbacks
):
    settings.SMS_RETRY_BASE_SECONDS = 60
    gateway.plan = {"923001110001": [(503, "try later", 0), (200, "OK", 0)]}
    _unit(world, "03001110001")
    campaign = _campaign(world)
    _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
    message = campaign.messages.get()
    assert (message.status, message.attempts, message.answer) == (
        MessageStatus.QUEUED,
        1,
        "HTTP 503: try later",
    )
    assert message.next_attempt_at == DAY + dt.timedelta(seconds=60)
    assert run_batch(campaign.pk) == DAY + dt.timedelta(seconds=60)  # nothing due yet
    assert len(gateway.received) == 1
    daytime.shift(dt.timedelta(seconds=61))
    assert send_due() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert services.backoff(1) == dt.timedelta(seconds=60)
    assert services.backoff(3) == dt.timedelta(seconds=240)


def test_batches_and_rate_limit(world, gateway, settings, django_capture_on_commit_callbacks):
    settings.SMS_BATCH_SIZE = 2
    settings.SMS_RATE_PER_SECOND = 10
    for n in range(1, 6):
        _unit(world, f"0300111000{n}")
    with time_machine.travel(DAY, tick=True):
        campaign = _campaign(world)
        _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
    assert {s for s, _a in _statuses(campaign).values()} == {MessageStatus.SENT}
    times = [r.at for r in gateway.received]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # 10 a second at most: the client spaces the 5 requests over at least 0.4 s (the server's
    # receipt times add scheduling jitter; without the limit they span a few milliseconds).
    assert times[-1] - times[0] >= 0.3, gaps


def test_the_throttle_spaces_requests():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        now[0] += seconds

    throttle = services._Throttle()
    for spent in (0.0, 0.03, 0.25, 0.0):
        throttle.wait(0.1, sleep, clock=lambda: now[0])
        now[0] += spent  # the request itself
    assert slept == [0.1, 0.07]  # none before the first; none after a slow request


# --- quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_hours_are_21_to_8_pakistan_time(hour, minute, quiet):
    moment = dt.datetime(2025, 11, 12, hour, minute, tzinfo=PKT)
    assert (quiet_until(moment) is not None) is quiet
    # The same moment given in UTC.
    assert (quiet_until(moment.astimezone(dt.UTC)) is not None) is quiet


def test_quiet_hours_resume_at_8():
    assert quiet_until(dt.datetime(2025, 11, 12, 22, 15, tzinfo=PKT)) == dt.datetime(
        2025, 11, 13, 8, 0, tzinfo=PKT
    )
    assert quiet_until(dt.datetime(2025, 11, 13, 3, 0, tzinfo=PKT)) == dt.datetime(
        2025, 11, 13, 8, 0, tzinfo=PKT
    )


def test_a_campaign_confirmed_at_night_waits_until_8(
    world, gateway, django_capture_on_commit_callbacks
):
    for n in (1, 2):
        _unit(world, f"0300111000{n}")
    night = dt.datetime(2025, 11, 12, 22, 0, tzinfo=PKT)
    with time_machine.travel(night, tick=False) as clock:
        campaign = _campaign(world)
        _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
        assert gateway.received == []
        assert {s for s, _a in _statuses(campaign).values()} == {MessageStatus.QUEUED}
        assert run_batch(campaign.pk) == dt.datetime(2025, 11, 13, 8, 0, tzinfo=PKT)
        clock.move_to(dt.datetime(2025, 11, 13, 7, 59, tzinfo=PKT))
        assert send_due() == 1 and gateway.received == []
        clock.move_to(dt.datetime(2025, 11, 13, 8, 0, tzinfo=PKT))
        assert send_due() == 0
    assert len(gateway.received) == 2
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DONE


# --- opt-outs ------------------------------------------------------------------------------


def test_opt_outs_after_confirming_are_honoured(
    world, gateway, login, client, django_capture_on_commit_callbacks
):
    for n in (1, 2, 3, 4):
        _unit(world, f"0300111000{n}")
    night = dt.datetime(2025, 11, 12, 23, 0, tzinfo=PKT)
    with time_machine.travel(night, tick=False) as clock:
        campaign = _campaign(world)
        _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
        # 1: an agent adds it; 2: the consumer sends STOP; 3: written straight to the table.
        agent = login(world.agent_a)
        response = agent.post(reverse("sms:optouts"), {"mobile": "0300-1110001"})
        assert response.status_code == 302
        agent.logout()
        response = client.post(
            reverse("sms:inbound"),
            {"from": "+92 300 1110002", "text": "Stop please", "secret": "test-inbound-secret"},
        )
        assert response.content == b"stopped"
        OptOut.objects.create(mobile="03001110003", source="staff")
        clock.move_to(dt.datetime(2025, 11, 13, 9, 0, tzinfo=PKT))
        send_due()
    assert [r.params["to"] for r in gateway.received] == ["923001110004"]
    skipped = campaign.messages.filter(status=MessageStatus.SKIPPED)
    assert sorted(skipped.values_list("to", flat=True)) == [
        "03001110001",
        "03001110002",
        "03001110003",
    ]
    assert {m.skip_reason for m in skipped} == {SkipReason.OPTED_OUT}
    assert OptOut.objects.get(mobile="03001110002").source == OptOut.Source.INBOUND


def test_inbound_callback_needs_the_secret_and_the_keyword(client, db, settings):
    url = reverse("sms:inbound")
    assert client.post(url, {"from": "03001110001", "text": "STOP"}).status_code == 403
    wrong = {"from": "03001110001", "text": "STOP", "secret": "guess"}
    assert client.post(url, wrong).status_code == 403
    ok = client.post(
        url,
        {"from": "03001110001", "text": "when is my bill due?"},
        HTTP_X_SMS_SECRET="test-inbound-secret",
    )
    assert ok.content == b"ok"
    urdu = client.get(url, {"from": "03001110005", "text": "بند", "secret": "test-inbound-secret"})
    assert urdu.content == b"stopped"
    assert list(OptOut.objects.values_list("mobile", flat=True)) == ["03001110005"]
    settings.SMS_INBOUND_SECRET = ""
    empty = {"from": "03001110001", "text": "STOP", "secret": ""}
    assert client.post(url, empty).status_code == 403


def test_staff_opt_out_form_normalises_and_refuses_bad_numbers(world, login):
    manager = login(world.manager)
    bad = manager.post(reverse("sms:optouts"), {"mobile": "12345"})
    assert bad.status_code == 400 and not OptOut.objects.exists()
    manager.post(reverse("sms:optouts"), {"mobile": "+92 321 9876543", "note": "asked by phone"})
    assert OptOut.objects.get().mobile == "03219876543"
    assert "03219876543" in manager.get(reverse("sms:optouts")).content.decode()
    # An agent may add a number but does not see the list.
    assert "03219876543" not in login(world.agent_a).get(reverse("sms:optouts")).content.decode()


# --- who may, templates --------------------------------------------------------------------


def test_campaigns_are_for_managers_within_their_scope(world, login):
    with pytest.raises(PermissionDenied):
        _campaign(world, actor=world.manager_multan)
    with pytest.raises(PermissionDenied):
        _campaign(world, actor=world.manager_multan, uc=None)
    with pytest.raises(PermissionDenied):
        _campaign(world, actor=world.supervisor)
    whole_city = _campaign(world, uc=None)
    assert whole_city.uc is None
    multan = login(world.manager_multan)
    assert multan.get(reverse("sms:campaign_detail", args=[whole_city.pk])).status_code == 404
    listing = multan.get(reverse("sms:campaigns")).content.decode()
    assert f"#{whole_city.pk} " not in listing
    response = multan.post(
        reverse("sms:campaign_new"),
        {
            "kind": "due_reminder",
            "language": "ur",
            "area": f"city:{world.lahore.pk}",
            "month": "2025-11",
            "min_arrears": "1",
        },
    )
    assert response.status_code == 404


def test_confirming_freezes_the_text_and_happens_once(
    world, gateway, daytime, django_capture_on_commit_callbacks
):
    _unit(world, "03001110001")
    campaign = _campaign(world, language="en")
    templates_ensure()
    template = SmsTemplate.objects.get(kind=Kind.DUE_REMINDER, language="en")
    _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
    services.template_update(actor=world.head, template=template, body="Changed {psid}")
    campaign.refresh_from_db()
    assert campaign.body != "Changed {psid}" and "Dear" in campaign.messages.get().text
    with pytest.raises(ValidationError):
        services.campaign_confirm(actor=world.manager, campaign=campaign)


def test_template_editor_refuses_unknown_placeholders(world, login):
    templates_ensure()
    template = SmsTemplate.objects.get(kind=Kind.BILL_ISSUED, language="ur")
    head = login(world.head)
    url = reverse("sms:template_edit", args=[template.pk])
    page = head.get(url).content.decode()
    assert 'id="sms-parts"' in page and "sms_parts.js" in page
    bad = head.post(url, {"body": "محترم {nmae}، Rs {amount}"})
    assert bad.status_code == 400 and "{nmae}" in bad.content.decode()
    assert head.post(url, {"body": "Rs {amount} {"}).status_code == 400
    good = head.post(url, {"body": "محترم {name}، Rs {amount}، {link}"})
    assert good.status_code == 302
    template.refresh_from_db()
    assert template.body == "محترم {name}، Rs {amount}، {link}"
    assert AuditEvent.objects.filter(action="sms.template_update").count() == 1
    with pytest.raises(PermissionDenied):
        services.template_update(actor=world.manager, template=template, body="x")


def test_with_a_deferring_backend_the_task_comes_back_at_8(
    world, settings, django_capture_on_commit_callbacks
):
    """Production (django-tasks-db): a run in quiet hours re-enqueues itself for 08:00."""
    from django_tasks_db.models import DBTaskResult

    from suthra.sms.tasks import send_campaign

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _unit(world, "03001110001")
    night = dt.datetime(2025, 11, 12, 22, 0, tzinfo=PKT)
    with time_machine.travel(night, tick=False):
        campaign = _campaign(world)
        _confirm(campaign, world.manager, django_capture_on_commit_callbacks)
        first = DBTaskResult.objects.get()
        assert first.task_path == "suthra.sms.tasks.send_campaign"
        assert send_campaign.call(campaign.pk) == "next run 2025-11-13T08:00:00+05:00"
    later = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert later.run_after == dt.datetime(2025, 11, 13, 8, 0, tzinfo=PKT)
    assert later.args_kwargs["args"] == [campaign.pk]
