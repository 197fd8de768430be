"""The indexes of units_surveyunit after migration 0004 (slimmed for the database budget)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from suthra.testing import make_unit

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
        "unit_uc_shown_idx",
        "unit_name_mobile_trgm",
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_name_sort_pages_through_the_shown_name_index(world):
    """Sorting by the name shown (billing name, else surveyed name) must not sort the UC."""
    from suthra.units.selectors import SORTS, BrowseFilters, unit_browse

    for i in range(30):
        make_unit(world.uc_a, consumer_name=f"C{i:03d}", billing_name="" if i % 2 else f"B{i:03d}")
    qs = unit_browse(actor=world.head, uc=world.uc_a, filters=BrowseFilters(), month=None)
    qs = qs.order_by(*SORTS["name"], "pk")[:50]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "unit_uc_shown_idx" in plan, plan
