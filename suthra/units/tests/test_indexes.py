"""The indexes of units_surveyunit after migration 0004 (slimmed for the database budget)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from suthra.core.testing import make_unit

pytestmark = pytest.mark.django_db


def test_survey_id_stays_unique(world):
    make_unit(world.uc_a, survey_id="SP-LAH-0000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_unit(world.uc_b, survey_id="SP-LAH-0000001")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="index names are PostgreSQL's")
def test_only_the_indexes_the_pages_use():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'units_surveyunit'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "units_surveyunit_pkey",
        "unit_survey_id_unique",  # no second varchar_pattern_ops "_like" index
        "unit_uc_name_idx",
        "unit_name_mobile_trgm",
    }
