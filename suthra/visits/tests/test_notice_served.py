"""An agent records on a visit that the unit's defaulter notice was handed over: the visit form
offers it, the visit service sets served_at/served_by in its transaction (audited), the
worklist and the ledger show it; out of scope, the offline queue, bad input, rejection."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suthra.consumers.models import Notice, NoticeBatch
from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit
from suthra.visits import services
from suthra.visits.models import ComplianceVisit, VisitOutcome
from suthra.visits.tests.images import jpeg_bytes, upload
from suthra.visits.tests.test_visits import UNIT_LAT, UNIT_LON, post_visit

pytestmark = pytest.mark.django_db

NOV = dt.date(2025, 11, 1)


def _notice(world, unit, *, issued_on=None, served_at=None):
    bill = unit.bills.order_by("-month").first() or make_bill(unit, NOV, fee=300, arrears=600)
    batch = NoticeBatch.objects.create(
        created_by=world.manager, deadline=dt.date(2025, 12, 15), notices=1
    )
    return Notice.objects.create(
        batch=batch,
        unit=unit,
        psid=bill.psid,
        issued_on=issued_on or timezone.localdate() - dt.timedelta(days=3),
        amount=900,
        months=["2025-09-01", "2025-10-01", "2025-11-01"],
        deadline=dt.date(2025, 12, 15),
        issued_by=world.manager,
        served_at=served_at,
    )


@pytest.fixture
def unit(world):
    unit = make_unit(world.uc_a, lat=UNIT_LAT, lon=UNIT_LON)
    make_bill(unit, NOV, fee=300, arrears=600)
    return unit


def test_the_form_offers_the_hand_over_only_for_an_unserved_notice(world, login, unit):
    client = login(world.agent_a)
    url = reverse("visits:new", args=[unit.pk])
    assert 'id="notice-served"' not in client.get(url).content.decode()
    notice = _notice(world, unit)
    html = client.get(url).content.decode()
    assert 'id="notice-served"' in html and "Notice handed over" in html
    assert f'name="notice" value="{notice.pk}"' in html
    Notice.objects.filter(pk=notice.pk).update(served_at=timezone.now())
    assert 'id="notice-served"' not in client.get(url).content.decode()


def test_notice_handed_over_is_recorded_with_the_visit_and_audited(world, login, unit):
    notice = _notice(world, unit)
    response = post_visit(login(world.agent_a), unit, notice_served="on", notice=str(notice.pk))
    assert response.status_code == 302
    visit = ComplianceVisit.objects.get()
    notice.refresh_from_db()
    assert notice.served_at == visit.visited_at
    assert notice.served_by == world.agent_a and notice.served_visit == visit
    event = AuditEvent.objects.get(action="notice.serve")
    assert event.object_id == str(notice.pk) and event.actor == world.agent_a
    assert event.changes["visit"] == visit.pk and event.changes["unit"] == unit.survey_id


def test_without_the_tick_the_notice_stays_unserved(world, login, unit):
    notice = _notice(world, unit)
    assert post_visit(login(world.agent_a), unit, notice=str(notice.pk)).status_code == 302
    notice.refresh_from_db()
    assert notice.served_at is None and not AuditEvent.objects.filter(action="notice.serve")


def test_out_of_scope_agent_cannot_serve(world, login, unit):
    notice = _notice(world, unit)
    client = login(world.agent_b)
    response = post_visit(client, unit, notice_served="on", notice=str(notice.pk))
    assert response.status_code == 404
    assert client.get(reverse("visits:new", args=[unit.pk])).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - the service refuses as well
        services.visit_record(
            actor=world.agent_b, unit=unit, outcome=VisitOutcome.PROMISED, notice_served=True
        )
    notice.refresh_from_db()
    assert notice.served_at is None and not ComplianceVisit.objects.exists()


def test_another_units_notice_is_refused_and_nothing_is_written(world, login, unit):
    other = make_unit(world.uc_a)
    make_bill(other, NOV, fee=300)
    foreign = _notice(world, other)
    response = post_visit(login(world.agent_a), unit, notice_served="on", notice=str(foreign.pk))
    assert response.status_code == 400
    assert "not one of this unit" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.served_at is None and not ComplianceVisit.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["notice.serve", "visit.record"])


def test_offline_visit_serves_the_notice_at_the_visit_time_once(world, login, unit):
    notice = _notice(world, unit)
    client = login(world.agent_a)
    when = timezone.now().replace(microsecond=0) - dt.timedelta(hours=5)
    key = str(uuid.uuid4())
    fields = {
        "outcome": str(VisitOutcome.PROMISED),
        "client_key": key,
        "visited_at": when.isoformat(),
        "notice_served": "on",
        "notice": str(notice.pk),
        "lat": f"{UNIT_LAT:.6f}",
        "lon": f"{UNIT_LON:.6f}",
        "accuracy": "8",
    }
    url = reverse("visits:new", args=[unit.pk])
    photo = jpeg_bytes(size=(800, 600), taken_at=timezone.localtime(when).replace(tzinfo=None))
    for _attempt in range(2):  # the queue retries a send whose answer was lost
        response = client.post(
            url, {**fields, "photo": upload(photo)}, headers={"X-Offline-Queue": "1"}
        )
        assert response.status_code == 302
    visit = ComplianceVisit.objects.get()
    notice.refresh_from_db()
    assert notice.served_at == when == visit.visited_at and notice.served_visit == visit
    assert AuditEvent.objects.filter(action="notice.serve").count() == 1


def test_a_late_offline_visit_leaves_a_notice_served_meanwhile(world, login, unit):
    notice = _notice(world, unit)
    first = post_visit(login(world.supervisor), unit, notice_served="on", notice=str(notice.pk))
    assert first.status_code == 302
    # The agent's queued visit arrives later: recorded, the first hand-over kept.
    client = login(world.agent_a)
    late = post_visit(client, unit, notice_served="on", notice=str(notice.pk))
    assert late.status_code == 302
    assert ComplianceVisit.objects.count() == 2
    notice.refresh_from_db()
    assert notice.served_by == world.supervisor
    page = client.get(late["Location"]).content.decode()
    assert "No notice was waiting to be served" in page


def test_a_notice_issued_after_the_visit_is_not_served_by_it(world, unit):
    today = timezone.localdate()
    notice = _notice(world, unit, issued_on=today)
    yesterday = timezone.now() - dt.timedelta(days=1)
    visit, _created = services.visit_record(
        actor=world.agent_a,
        unit=unit,
        outcome=VisitOutcome.PROMISED,
        visited_at=yesterday,
        notice_served=True,
    )
    notice.refresh_from_db()
    assert visit.pk and notice.served_at is None


def test_worklist_shows_notice_to_serve_then_served(world, login, unit):
    notice = _notice(world, unit)
    plain = make_unit(world.uc_a)
    make_bill(plain, NOV, fee=300)
    client = login(world.agent_a)
    html = client.get(reverse("visits:worklist")).content.decode()
    row = html.split(f'data-unit="{unit.pk}"')[1].split("</li>")[0]
    assert "Notice to serve" in row
    assert f"{reverse('visits:new', args=[unit.pk])}?notice={notice.pk}" in row
    other = html.split(f'data-unit="{plain.pk}"')[1].split("</li>")[0]
    assert "Notice" not in other

    services.visit_record(
        actor=world.agent_a, unit=unit, outcome=VisitOutcome.PROMISED, notice_served=True
    )
    html = client.get(reverse("visits:worklist")).content.decode()
    row = html.split(f'data-unit="{unit.pk}"')[1].split("</li>")[0]
    assert "Notice served" in row and "Notice to serve" not in row


def test_worklist_query_count_does_not_grow_with_notices(world, login):
    client = login(world.agent_a)

    def queries_with(n: int) -> int:
        for _ in range(n):
            u = make_unit(world.uc_a)
            make_bill(u, NOV, fee=300, arrears=300)
            _notice(world, u)
        client.get(reverse("visits:worklist"))  # the session and caches warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("visits:worklist"))
        assert response.content.decode().count("Notice to serve") == len(Notice.objects.all())
        return len(ctx.captured_queries)

    one = queries_with(1)
    assert queries_with(6) == one


def test_ledger_and_unit_page_show_notices_issued_and_served(world, login, unit):
    served = _notice(world, unit, issued_on=timezone.localdate() - dt.timedelta(days=20))
    services.visit_record(
        actor=world.agent_a,
        unit=unit,
        outcome=VisitOutcome.PROMISED,
        notice_served=True,
        notice_id=served.pk,
    )
    waiting = _notice(world, unit)
    client = login(world.agent_a)
    ledger = client.get(reverse("billing:ledger", args=[unit.pk])).content.decode()
    line = ledger.split(f'data-notice="{served.pk}"')[1].split("</tr>")[0]
    assert (
        "Defaulter notice issued" in line and "Served" in line and world.agent_a.full_name in line
    )
    line = ledger.split(f'data-notice="{waiting.pk}"')[1].split("</tr>")[0]
    assert "Not yet served" in line
    page = client.get(reverse("units:detail", args=[unit.pk])).content.decode()
    section = page.split('id="notices"')[1].split("</section>")[0]
    assert "Served" in section and "Not yet served" in section


def test_a_rejected_visit_unserves_its_notice(world, login, unit):
    notice = _notice(world, unit)
    visit, _created = services.visit_record(
        actor=world.agent_a, unit=unit, outcome=VisitOutcome.PROMISED, notice_served=True
    )
    services.visit_decide(actor=world.supervisor, visit=visit, approve=False, reason="No photo")
    notice.refresh_from_db()
    assert notice.served_at is None and notice.served_by is None
    assert AuditEvent.objects.filter(action="notice.unserve", object_id=str(notice.pk)).exists()
