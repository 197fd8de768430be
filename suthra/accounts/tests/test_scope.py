import datetime as dt

import pytest
from django.http import Http404

from suthra.accounts import scope
from suthra.billing.models import Bill
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit


@pytest.fixture
def units(world):
    return {
        "a": make_unit(world.uc_a),
        "b": make_unit(world.uc_b),
        "c": make_unit(world.uc_c),
    }


def visible(user):
    return set(
        scope.scoped(user, SurveyUnit.objects.all(), "uc").values_list("uc__name", flat=True)
    )


@pytest.mark.django_db
def test_each_role_sees_exactly_its_geography(world, units):
    assert visible(world.agent_a) == {"UC-Ravi"}
    assert visible(world.agent_b) == {"UC-Shalimar"}
    assert visible(world.supervisor) == {"UC-Ravi", "UC-Shalimar"}
    assert visible(world.supervisor_multan) == {"UC-Bosan"}
    assert visible(world.manager) == {"UC-Ravi", "UC-Shalimar", "UC-Bosan"}
    assert visible(world.manager_multan) == {"UC-Bosan"}
    assert visible(world.head) == {"UC-Ravi", "UC-Shalimar", "UC-Bosan"}


@pytest.mark.django_db
def test_agent_cannot_get_other_uc_unit(world, units):
    assert scope.get_or_404(world.agent_a, SurveyUnit.objects, "uc", pk=units["a"].pk)
    with pytest.raises(Http404):
        scope.get_or_404(world.agent_a, SurveyUnit.objects, "uc", pk=units["b"].pk)
    with pytest.raises(Http404):  # a malformed id is a 404 too, not a 500
        scope.get_or_404(world.agent_a, SurveyUnit.objects, "uc", pk="x")


@pytest.mark.django_db
def test_bills_scoped_through_their_unit(world, units):
    make_bill(units["a"], dt.date(2025, 11, 1))
    make_bill(units["c"], dt.date(2025, 11, 1))
    assert scope.scoped(world.agent_a, Bill.objects.all(), "unit__uc").count() == 1
    assert scope.scoped(world.supervisor_multan, Bill.objects.all(), "unit__uc").count() == 1
    assert scope.scoped(world.head, Bill.objects.all(), "unit__uc").count() == 2


@pytest.mark.django_db
def test_inactive_user_sees_nothing(world, units):
    world.head.is_active = False
    assert visible(world.head) == set()


@pytest.mark.django_db
def test_agent_without_ucs_sees_nothing(world, units):
    world.agent_a.ucs.clear()
    scope.forget(world.agent_a)
    assert visible(world.agent_a) == set()
