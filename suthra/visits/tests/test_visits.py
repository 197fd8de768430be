"""Visits: proof of presence, idempotency, dispute → ticket, approval, history, photo scope,
worklist."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from suthra.billing.models import Bill
from suthra.core.models import AuditEvent
from suthra.notifications.models import Notification
from suthra.testing import make_bill, make_unit
from suthra.tickets.models import Ticket
from suthra.visits import services
from suthra.visits.geo import haversine_m
from suthra.visits.models import ComplianceVisit, VisitOutcome, VisitStatus
from suthra.visits.tests.images import jpeg_bytes, upload

# A unit at the Minar-e-Pakistan; points around it.
UNIT_LAT, UNIT_LON = 31.5925, 74.3095
NOV = dt.date(2025, 11, 1)
OCT = dt.date(2025, 10, 1)


def offset_north(metres: float) -> float:
    return UNIT_LAT + metres / 111_195


def test_haversine_known_distance():
    # Lahore → Multan is about 300 km as the crow flies.
    assert 290_000 < haversine_m(31.52, 74.36, 30.16, 71.52) < 320_000
    assert haversine_m(UNIT_LAT, UNIT_LON, offset_north(100), UNIT_LON) == pytest.approx(100, 0.01)


def post_visit(client, unit, **fields):
    data = {
        "outcome": VisitOutcome.PROMISED,
        "notes": "Will pay Friday",
        "lat": f"{UNIT_LAT:.6f}",
        "lon": f"{UNIT_LON:.6f}",
        "accuracy": "8",
        "client_key": str(uuid.uuid4()),
        "photo": upload(
            jpeg_bytes(size=(1200, 900), taken_at=timezone.localtime().replace(tzinfo=None))
        ),
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("visits:new", args=[unit.pk]), data)


@pytest.fixture
def unit(world):
    return make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON)


@pytest.mark.django_db
def test_visit_at_the_unit_is_not_flagged(world, login, unit):
    r = post_visit(login(world.agent_a), unit)
    assert r.status_code == 302
    visit = ComplianceVisit.objects.get()
    assert visit.distance_m is not None and visit.distance_m < 1
    assert not visit.flagged and visit.photo_key and visit.thumb_key
    assert visit.status == VisitStatus.PENDING
    assert AuditEvent.objects.filter(action="visit.record", object_id=str(visit.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("metres", "flagged"), [(90, False), (150, True), (2000, True)])
def test_distance_flag(world, login, unit, metres, flagged):
    post_visit(login(world.agent_a), unit, lat=f"{offset_north(metres):.6f}")
    visit = ComplianceVisit.objects.get()
    assert visit.distance_m == pytest.approx(metres, rel=0.02)
    assert visit.flag_far is flagged and visit.flagged is flagged


@pytest.mark.django_db
def test_distance_limit_is_configurable(world, login, unit, settings):
    settings.VISIT_MAX_DISTANCE_M = 50
    post_visit(login(world.agent_a), unit, lat=f"{offset_north(80):.6f}")
    assert ComplianceVisit.objects.get().flag_far


@pytest.mark.django_db
def test_low_accuracy_and_missing_gps_are_flagged(world, login, unit):
    client = login(world.agent_a)
    post_visit(client, unit, accuracy="400")
    post_visit(client, unit, lat=None, lon=None, accuracy=None)
    first, second = ComplianceVisit.objects.order_by("id")
    assert first.flag_low_accuracy and not first.flag_far
    assert second.flag_low_accuracy and second.distance_m is None


@pytest.mark.django_db
def test_photo_taken_long_before_the_visit_is_flagged(world, login, unit):
    old = (timezone.localtime() - dt.timedelta(days=3)).replace(tzinfo=None)
    post_visit(login(world.agent_a), unit, photo=upload(jpeg_bytes(taken_at=old)))
    visit = ComplianceVisit.objects.get()
    assert visit.flag_photo_time and visit.flagged
    assert visit.photo_taken_at is not None


@pytest.mark.django_db
def test_same_client_key_twice_records_one_visit(world, login, unit):
    client = login(world.agent_a)
    key = str(uuid.uuid4())
    first = post_visit(client, unit, client_key=key)
    second = post_visit(client, unit, client_key=key)
    assert ComplianceVisit.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.django_db
def test_offline_visit_keeps_its_recorded_time(world, login, unit):
    when = timezone.now() - dt.timedelta(hours=5)
    post_visit(login(world.agent_a), unit, visited_at=when.isoformat())
    assert abs(ComplianceVisit.objects.get().visited_at - when) < dt.timedelta(seconds=1)
    r = post_visit(
        login(world.agent_a), unit, visited_at=(timezone.now() + dt.timedelta(days=1)).isoformat()
    )
    assert r.status_code == 400


@pytest.mark.django_db
def test_bad_photo_writes_nothing(world, login, unit):
    r = post_visit(login(world.agent_a), unit, photo=upload(b"GIF89a not really", name="x.jpg"))
    assert r.status_code == 400 and ComplianceVisit.objects.count() == 0
    r = post_visit(login(world.agent_a), unit, photo=None)
    assert r.status_code == 400 and ComplianceVisit.objects.count() == 0


@pytest.mark.django_db
def test_out_of_scope_unit_is_404(world, login, unit):
    assert post_visit(login(world.agent_b), unit).status_code == 404
    assert login(world.agent_b).get(reverse("visits:new", args=[unit.pk])).status_code == 404
    assert ComplianceVisit.objects.count() == 0


@pytest.mark.django_db
def test_dispute_opens_a_ticket(world, login, unit):
    post_visit(login(world.agent_a), unit, outcome=VisitOutcome.DISPUTE, notes="Says bill is wrong")
    visit = ComplianceVisit.objects.get()
    ticket = Ticket.objects.get()
    assert visit.ticket == ticket and ticket.unit == unit
    assert "Says bill is wrong" in ticket.description


@pytest.mark.django_db
def test_supervisor_approves_and_agent_is_notified(world, login, unit):
    post_visit(login(world.agent_a), unit)
    visit = ComplianceVisit.objects.get()
    sup = login(world.supervisor)
    r = sup.post(reverse("visits:decide", args=[visit.pk]), {"decision": "approve"})
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.APPROVED and visit.decided_by == world.supervisor
    note = Notification.objects.get(recipient=world.agent_a)
    assert "approved" in note.title and note.url == reverse("visits:detail", args=[visit.pk])


@pytest.mark.django_db
def test_reject_needs_a_reason(world, login, unit):
    post_visit(login(world.agent_a), unit)
    visit = ComplianceVisit.objects.get()
    sup = login(world.supervisor)
    sup.post(reverse("visits:decide", args=[visit.pk]), {"decision": "reject"})
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PENDING
    sup.post(
        reverse("visits:decide", args=[visit.pk]),
        {"decision": "reject", "reason": "Photo of a wall"},
    )
    visit.refresh_from_db()
    assert visit.status == VisitStatus.REJECTED and visit.decision_reason == "Photo of a wall"
    assert "rejected" in Notification.objects.get(recipient=world.agent_a).title


@pytest.mark.django_db
def test_agent_cannot_decide_and_other_city_gets_404(world, login, unit):
    post_visit(login(world.agent_a), unit)
    visit = ComplianceVisit.objects.get()
    assert (
        login(world.agent_a)
        .post(reverse("visits:decide", args=[visit.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    assert (
        login(world.supervisor_multan)
        .post(reverse("visits:decide", args=[visit.pk]), {"decision": "approve"})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_photo_is_served_only_in_scope(world, login, unit):
    post_visit(login(world.agent_a), unit)
    visit = ComplianceVisit.objects.get()
    url = reverse("visits:photo", args=[visit.pk])
    ok = login(world.agent_a).get(url)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert b"".join(ok.streaming_content)[:2] == b"\xff\xd8"
    assert login(world.supervisor).get(url + "?size=thumb").status_code == 200
    for name in ("agent_b", "supervisor_multan", "manager_multan"):
        assert login(world.users[name]).get(url).status_code == 404


@pytest.mark.django_db
def test_queue_puts_flagged_first_and_offers_a_sample(
    world, login, unit, django_assert_max_num_queries
):
    now = timezone.now()
    plain = ComplianceVisit.objects.bulk_create(
        [
            ComplianceVisit(staff=world.agent_a, unit=unit, visited_at=now, outcome=2)
            for _ in range(30)
        ]
    )
    flagged = ComplianceVisit.objects.create(
        staff=world.agent_a, unit=unit, visited_at=now, outcome=2, flagged=True, flag_far=True
    )
    client = login(world.supervisor)
    client.get(reverse("visits:queue"))
    with django_assert_max_num_queries(11):
        r = client.get(reverse("visits:queue"))
    items = list(r.context["page"])
    assert items[0] == flagged and len(items) == 25
    assert set(items[1:]) <= set(plain)
    sample = r.context["sample"]
    # The spot check offers unflagged visits not already on the page.
    assert len(sample) == 5 and not set(sample) & set(items)
    assert all(not v.flagged for v in sample)
    assert login(world.supervisor_multan).get(reverse("visits:queue")).context["page"].items == []


@pytest.mark.django_db
def test_history_per_unit_and_per_agent(world, login, unit, django_assert_max_num_queries):
    other = make_unit(world.uc_a)
    now = timezone.now()
    for _ in range(3):
        ComplianceVisit.objects.create(staff=world.agent_a, unit=unit, visited_at=now, outcome=2)
    ComplianceVisit.objects.create(staff=world.supervisor, unit=other, visited_at=now, outcome=3)
    client = login(world.supervisor)
    client.get(reverse("visits:list"))
    with django_assert_max_num_queries(10):
        r = client.get(reverse("visits:list"), {"unit": unit.pk})
    assert len(r.context["page"].items) == 3
    r = client.get(reverse("visits:list"), {"staff": world.supervisor.pk})
    assert [v.unit for v in r.context["page"]] == [other]
    assert login(world.agent_b).get(reverse("visits:list"), {"unit": unit.pk}).status_code == 404
    assert login(world.agent_b).get(reverse("visits:list")).context["page"].items == []


@pytest.mark.django_db
def test_worklist_unpaid_units_highest_arrears_first_and_ticks(
    world, login, django_assert_max_num_queries
):
    near = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON)
    far = make_unit(world.uc_a, lat=offset_north(3000), lon=UNIT_LON)
    paid = make_unit(world.uc_a)
    old_only = make_unit(world.uc_a)
    other_uc = make_unit(world.uc_b)
    make_bill(near, NOV, arrears=100)
    make_bill(far, NOV, arrears=900)
    make_bill(paid, NOV, paid=300)
    make_bill(old_only, OCT, arrears=5000)  # not in the latest month
    make_bill(other_uc, NOV, arrears=9999)
    client = login(world.agent_a)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("visits:worklist"))
    work = r.context["work"]
    assert [i.unit_id for i in work.items] == [far.pk, near.pk]
    assert work.month == NOV
    # Nearest first with GPS.
    r = client.get(reverse("visits:worklist"), {"lat": UNIT_LAT, "lon": UNIT_LON})
    assert [i.unit_id for i in r.context["work"].items] == [near.pk, far.pk]
    # A visit today ticks the unit off and moves it last.
    services.visit_record(actor=world.agent_a, unit=far, outcome=VisitOutcome.PROMISED)
    work = client.get(reverse("visits:worklist")).context["work"]
    assert [(i.unit_id, i.visited_today) for i in work.items] == [(near.pk, False), (far.pk, True)]
    assert work.done == 1
    assert Bill.objects.count() == 5


@pytest.mark.django_db
def test_worklist_status_follows_the_paid_amount(world, login):
    # The status is derived: partly paid bills stay on the list, paid in full (or more) leave it.
    partial = make_unit(world.uc_a)
    make_bill(partial, NOV, arrears=500, paid=300)
    unpaid = make_unit(world.uc_a)
    make_bill(unpaid, NOV, arrears=100)
    make_bill(make_unit(world.uc_a), NOV, arrears=500, paid=800)
    make_bill(make_unit(world.uc_a), NOV, paid=1000)
    work = login(world.agent_a).get(reverse("visits:worklist")).context["work"]
    assert [i.unit_id for i in work.items] == [partial.pk, unpaid.pk]
    assert [i.balance for i in work.items] == [500, 400]


@pytest.mark.django_db
def test_worklist_bad_gps_is_400_and_other_uc_is_404(world, login):
    client = login(world.agent_a)
    assert client.get(reverse("visits:worklist"), {"lat": "abc", "lon": "1"}).status_code == 400
    assert client.get(reverse("visits:worklist"), {"lat": "31"}).status_code == 400
    assert client.get(reverse("visits:worklist"), {"uc": world.uc_b.pk}).status_code == 404


@pytest.mark.django_db
def test_pick_unit_by_search_and_near_me(world, login):
    near = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON, consumer_name="Bashir Barber")
    make_unit(world.uc_b, lat=UNIT_LAT, lon=UNIT_LON, consumer_name="Bashir Bakery")
    client = login(world.agent_a)
    r = client.get(reverse("visits:pick"), {"q": "Bashir"})
    assert [u for u, _ in r.context["results"]] == [near]
    r = client.get(reverse("visits:pick"), {"lat": offset_north(50), "lon": UNIT_LON})
    assert [u for u, _ in r.context["results"]] == [near]


@pytest.mark.django_db
def test_paid_on_the_spot_points_the_supervisor_to_the_bills(world, login, unit):
    visit = ComplianceVisit.objects.create(
        staff=world.agent_a, unit=unit, visited_at=timezone.now(), outcome=VisitOutcome.PAID_ON_SPOT
    )
    page = login(world.supervisor).get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert reverse("billing:ledger", args=[unit.pk]) in page
    agent_page = login(world.agent_a).get(reverse("visits:detail", args=[visit.pk]))
    assert reverse("billing:ledger", args=[unit.pk]) not in agent_page.content.decode()


@pytest.mark.django_db
def test_worklist_orders_by_what_is_still_owed_even_without_arrears(world, login):
    """Rs 200 before Rs 5,000 was the order of units without arrears (issue 19)."""
    small = make_unit(world.uc_a)
    big_fee = make_unit(world.uc_a)
    part_paid = make_unit(world.uc_a)
    make_bill(small, NOV, fee=200)
    make_bill(big_fee, NOV, fee=5000)
    make_bill(part_paid, NOV, fee=3000, arrears=3000, paid=4000)  # owes 2,000
    response = login(world.agent_a).get(reverse("visits:worklist"))
    items = response.context["work"].items
    assert [(i.unit_id, i.balance) for i in items] == [
        (big_fee.pk, 5000),
        (part_paid.pk, 2000),
        (small.pk, 200),
    ]
    assert "the most owed first" in response.content.decode()
