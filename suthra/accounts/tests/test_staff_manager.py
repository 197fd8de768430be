"""The Staff manager (HEAD only): list/search, create, edit role and area, the rules."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suthra.accounts import services
from suthra.accounts.models import Role, Staff
from suthra.core.models import AuditEvent
from suthra.testing import make_staff

pytestmark = pytest.mark.django_db


def test_non_head_roles_cannot_open_the_staff_manager(world, login):
    for name in ("agent_a", "supervisor", "manager"):
        client = login(world.users[name])
        assert client.get(reverse("accounts:staff_list")).status_code == 403
        assert client.get(reverse("accounts:audit_log")).status_code == 403
        client.logout()


def test_list_searches_and_filters(world, login):
    client = login(world.head)
    page = client.get(reverse("accounts:staff_list"), {"q": "multan"})
    body = page.content.decode()
    assert "supervisor_multan" in body and "manager_multan" in body
    assert "agent_a" not in body
    agents = client.get(reverse("accounts:staff_list"), {"role": "AGENT"}).content.decode()
    assert "agent_a" in agents and "supervisor_multan" not in agents


def test_list_rejects_bad_filters_with_a_clear_400(world, login):
    client = login(world.head)
    response = client.get(reverse("accounts:staff_list"), {"role": "KING"})
    assert response.status_code == 400
    assert b"KING is not one of the available choices" in response.content


def test_list_is_paginated_with_a_constant_number_of_queries(world, login):
    client = login(world.head)
    url = reverse("accounts:staff_list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(30):
        make_staff(f"extra{i:02}", Role.AGENT, cities=[world.lahore], ucs=[world.uc_a])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert b"Page 1 of 2" in response.content
    assert b"extra" in client.get(url, {"page": 2}).content


def test_htmx_search_returns_the_partial(world, login):
    client = login(world.head)
    response = client.get(reverse("accounts:staff_list"), {"q": "agent"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"agent_a" in response.content


def create_payload(world, **extra):
    data = {
        "username": "new_agent",
        "full_name": "New Agent",
        "email": "",
        "mobile": "03001234567",
        "language": "en",
        "role": "AGENT",
        "city": world.lahore.pk,
        "ucs": [world.uc_a.pk],
        "password": "temporary-pass-2025",
    }
    data.update(extra)
    return data


def test_head_creates_an_agent_with_ucs_of_the_chosen_city(world, login):
    client = login(world.head)
    response = client.post(reverse("accounts:staff_create"), create_payload(world))
    assert response.status_code == 302
    staff = Staff.objects.get(username="new_agent")
    assert list(staff.ucs.all()) == [world.uc_a]
    assert list(staff.cities.all()) == [world.lahore]
    assert staff.must_change_password
    event = AuditEvent.objects.get(action="staff.create")
    assert event.actor == world.head and event.object_id == str(staff.pk)
    assert "password" not in event.changes


def test_a_uc_of_another_city_is_refused(world, login):
    client = login(world.head)
    response = client.post(
        reverse("accounts:staff_create"), create_payload(world, ucs=[world.uc_c.pk])
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Staff.objects.filter(username="new_agent").exists()


def test_create_refuses_a_weak_password_and_a_taken_username(world, login):
    client = login(world.head)
    weak = client.post(reverse("accounts:staff_create"), create_payload(world, password="1234"))
    assert b"too short" in weak.content
    taken = client.post(reverse("accounts:staff_create"), create_payload(world, username="AGENT_A"))
    assert b"taken" in taken.content
    assert Staff.objects.count() == 7


def test_uc_options_follow_the_chosen_city(world, login):
    client = login(world.head)
    response = client.get(reverse("accounts:staff_uc_options"), {"city": world.multan.pk})
    assert b"UC-Bosan" in response.content and b"UC-Ravi" not in response.content
    junk = client.get(reverse("accounts:staff_uc_options"), {"city": "x"})
    assert junk.status_code == 200 and b"Choose a city first" in junk.content


def test_edit_changes_role_and_area_and_audits_each(world, login):
    client = login(world.head)
    response = client.post(
        reverse("accounts:staff_edit", args=[world.agent_a.pk]),
        {
            "full_name": "Agent A",
            "email": "",
            "mobile": "",
            "language": "en",
            "role": "SUPERVISOR",
            "city": world.multan.pk,
        },
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.role == Role.SUPERVISOR
    assert list(world.agent_a.cities.all()) == [world.multan]
    assert not world.agent_a.ucs.exists()
    role = AuditEvent.objects.get(action="staff.role")
    assert role.changes == {"role": ["AGENT", "SUPERVISOR"]}
    scope_event = AuditEvent.objects.get(action="staff.scope")
    assert scope_event.changes["cities"] == [["Lahore"], ["Multan"]]


def test_the_last_active_head_cannot_be_demoted_or_deactivated(world, login):
    client = login(world.head)
    client.post(reverse("accounts:staff_set_active", args=[world.head.pk]), {"active": "0"})
    world.head.refresh_from_db()
    assert world.head.is_active
    with pytest.raises(services.StaffRuleError):
        services.staff_update(actor=world.head, staff=world.head, full_name="H", role=Role.MANAGER)
    # With a second head, one of them may step down.
    second = make_staff("head2", Role.HEAD)
    services.staff_set_active(actor=second, staff=world.head, active=False)
    world.head.refresh_from_db()
    assert not world.head.is_active
    with pytest.raises(services.StaffRuleError):
        services.staff_set_active(actor=second, staff=second, active=False)


def test_nobody_can_raise_their_own_role(world):
    with pytest.raises(services.StaffRuleError, match="own role"):
        services.staff_update(
            actor=world.manager, staff=world.manager, full_name="M", role=Role.HEAD
        )
    world.manager.refresh_from_db()
    assert world.manager.role == Role.MANAGER


def test_supervisor_needs_exactly_one_city(world):
    with pytest.raises(services.StaffRuleError):
        services.staff_update(
            actor=world.head,
            staff=world.supervisor,
            full_name="S",
            role=Role.SUPERVISOR,
            cities=[world.lahore, world.multan],
        )


def test_reactivate_and_bad_active_value(world, login):
    client = login(world.head)
    url = reverse("accounts:staff_set_active", args=[world.agent_a.pk])
    client.post(url, {"active": "0"})
    client.post(url, {"active": "1"})
    world.agent_a.refresh_from_db()
    assert world.agent_a.is_active
    assert client.post(url, {"active": "maybe"}).status_code == 400
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "staff.deactivate",
        "staff.reactivate",
    ]


def test_unknown_staff_is_a_404(world, login):
    client = login(world.head)
    assert client.get(reverse("accounts:staff_detail", args=[99999])).status_code == 404


def test_user_text_is_escaped(world, login):
    world.agent_a.full_name = "<script>alert(1)</script>"
    world.agent_a.save()
    client = login(world.head)
    body = client.get(reverse("accounts:staff_list")).content
    assert b"<script>alert(1)</script>" not in body
    assert b"&lt;script&gt;" in body


def test_the_admin_cannot_change_staff_behind_the_audit(world, login):
    client = login(world.head)
    assert client.get(f"/admin/accounts/staff/{world.agent_a.pk}/change/").status_code in (200, 403)
    response = client.post(
        f"/admin/accounts/staff/{world.agent_a.pk}/change/",
        {"username": "agent_a", "full_name": "X", "role": "HEAD", "language": "en"},
    )
    assert response.status_code == 403
    world.agent_a.refresh_from_db()
    assert world.agent_a.role == Role.AGENT


@pytest.mark.parametrize("typed", ["0301-2345678", "+92 301 2345678", "0301 2345678"])
def test_staff_mobile_follows_the_phone_rules_of_unit_search(world, login, typed):
    client = login(world.head)
    response = client.post(reverse("accounts:staff_create"), create_payload(world, mobile=typed))
    assert response.status_code == 302
    assert Staff.objects.get(username="new_agent").mobile == "03012345678"


def test_a_staff_mobile_that_is_not_pakistani_is_refused_with_the_reason(world, login):
    client = login(world.head)
    response = client.post(
        reverse("accounts:staff_create"), create_payload(world, mobile="+44 7700 900123")
    )
    assert response.status_code == 200
    assert b"Only Pakistani numbers" in response.content
    assert not Staff.objects.filter(username="new_agent").exists()
