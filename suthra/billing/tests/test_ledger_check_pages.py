"""The dashboard warns MANAGER and HEAD while the newest ledger check found discrepancies in
their area, and links to a page listing them, scoped like everything else."""

import datetime as dt

import pytest
from django.urls import reverse

from suthra.billing.ledger_check import ledger_check_run
from suthra.billing.models import Bill
from suthra.stats.models import UnitStat
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit

NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
WARNING = "ledger-warning"


@pytest.fixture
def units(world):
    out = {}
    for name, uc in (("lahore", world.uc_a), ("multan", world.uc_c)):
        unit = make_unit(uc)
        make_bill(unit, NOV, fee=300)
        out[name] = make_bill(unit, DEC, fee=300, arrears=300)
    stats_refresh()
    return out


def _dashboard(login, user):
    response = login(user).get(reverse("reports:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_no_warning_while_clean_or_before_the_first_run(world, login, units):
    assert WARNING not in _dashboard(login, world.head)
    ledger_check_run()
    assert WARNING not in _dashboard(login, world.head)
    page = login(world.head).get(reverse("billing:ledger_check")).content.decode()
    assert "No discrepancies" in page


@pytest.mark.django_db
def test_warning_shown_to_managers_and_head_of_the_area_only(world, login, units):
    Bill.objects.filter(psid=units["multan"].psid).update(arrears=299)
    stats_refresh()
    run, _result = ledger_check_run()
    assert run.discrepancies == 1
    for user in (world.head, world.manager, world.manager_multan):
        text = _dashboard(login, user)
        assert WARNING in text, user
        assert reverse("billing:ledger_check") in text
    # Multan's discrepancy is not Lahore's business; agents and supervisors see no warning.
    for user in (world.agent_a, world.supervisor, world.supervisor_multan):
        assert WARNING not in _dashboard(login, user), user
    # The next clean run removes the warning.
    Bill.objects.filter(psid=units["multan"].psid).update(arrears=300)
    stats_refresh()
    ledger_check_run()
    assert WARNING not in _dashboard(login, world.manager_multan)


@pytest.mark.django_db
def test_lahore_manager_sees_only_lahore(world, login, units):
    from suthra.accounts.models import Role
    from suthra.testing import make_staff

    manager_lahore = make_staff("manager_lahore", Role.MANAGER, cities=[world.lahore])
    Bill.objects.filter(psid=units["multan"].psid).update(arrears=299)
    stats_refresh()
    ledger_check_run()
    assert WARNING not in _dashboard(login, manager_lahore)
    page = login(manager_lahore).get(reverse("billing:ledger_check")).content.decode()
    assert units["multan"].unit.survey_id not in page
    # A Lahore discrepancy (a tampered unit count) shows up for them, and on the UC's page.
    UnitStat.objects.filter(uc=world.uc_a).update(active=5)
    ledger_check_run()
    assert WARNING in _dashboard(login, manager_lahore)
    page = login(manager_lahore).get(reverse("billing:ledger_check")).content.decode()
    assert "UC-Ravi" in page and units["multan"].unit.survey_id not in page


@pytest.mark.django_db
def test_the_list_page_scoped(world, login, units):
    Bill.objects.filter(psid=units["multan"].psid).update(arrears=299)
    Bill.objects.filter(psid=units["lahore"].psid).update(arrears=1)
    stats_refresh()
    ledger_check_run()
    url = reverse("billing:ledger_check")
    lahore, multan = units["lahore"].unit.survey_id, units["multan"].unit.survey_id
    head = login(world.head).get(url).content.decode()
    assert lahore in head and multan in head
    text = login(world.manager_multan).get(url).content.decode()
    assert multan in text and lahore not in text
    assert "1 discrepancy found" in text
    # One UC: in scope it lists that UC only; out of scope it is a 404.
    uc_url = reverse("billing:ledger_check_uc", args=[world.uc_c.pk])
    text = login(world.head).get(uc_url).content.decode()
    assert multan in text and lahore not in text
    other = reverse("billing:ledger_check_uc", args=[world.uc_a.pk])
    assert login(world.manager_multan).get(other).status_code == 404
    # Below MANAGER: refused.
    assert login(world.supervisor).get(url).status_code in (302, 403)
