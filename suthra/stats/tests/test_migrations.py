"""Migrations 0002 and 0003 carry the summaries' rows over (an archived month has no bills to
recompute them from), both ways, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from suthra.billing.models import ArchivedMonth
from suthra.testing import make_bill, make_unit, make_world

OCT = dt.date(2025, 10, 1)  # archived: no bills left
NOV = dt.date(2025, 11, 1)
INITIAL = ("stats", "0001_summaries")
KEYED = ("stats", "0002_natural_primary_keys_and_consumer_summaries")
SIDE_BY_SIDE = ("stats", "0003_business_type_summary_statuses_side_by_side")
AMOUNTS = ("bills", "fees", "arrears", "collected", "outstanding")


def migrate(target: tuple[str, str]):
    """Migrate the stats app to ``target``; the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def monthly_rows(apps) -> set[tuple]:
    return set(
        apps.get_model("stats", "MonthlyStat").objects.values_list(
            "month", "uc_id", "status", "aging", *AMOUNTS
        )
    )


def typed_rows(apps) -> set[tuple]:
    return set(
        apps.get_model("stats", "MonthlyTypeStat").objects.values_list(
            "month", "uc_id", "business_type_id", "category", "status", *AMOUNTS
        )
    )


@pytest.mark.django_db(transaction=True)
def test_summary_rows_carried_over_forwards_and_backwards():
    world = make_world()
    unit = make_unit(world.uc_a)
    make_bill(unit, NOV, fee=300, paid=300)
    ArchivedMonth.objects.create(month=OCT, file_key="archive/bills-2025-10.csv.gz", sha256="0")
    uc, bt, cat = world.uc_a.id, unit.business_type_id, unit.category
    try:
        old = migrate(INITIAL)
        monthly = [
            (OCT, uc, 0, 0, 3, 900, 0, 0, 900),
            (OCT, uc, 2, 1, 2, 600, 900, 1500, 0),
            (NOV, uc, 2, 0, 1, 300, 0, 300, 0),
        ]
        typed = [
            (OCT, uc, bt, cat, 0, 3, 900, 0, 0, 900),
            (OCT, uc, bt, cat, 2, 2, 600, 900, 1500, 0),
            (NOV, uc, bt, cat, 2, 1, 300, 0, 300, 0),
        ]
        for month, uc_id, status, aging, *sums in monthly:
            old.get_model("stats", "MonthlyStat").objects.create(
                month=month,
                uc_id=uc_id,
                status=status,
                aging=aging,
                **dict(zip(AMOUNTS, sums, strict=True)),
            )
        for month, uc_id, bt_id, category, status, *sums in typed:
            old.get_model("stats", "MonthlyTypeStat").objects.create(
                month=month,
                uc_id=uc_id,
                business_type_id=bt_id,
                category=category,
                status=status,
                **dict(zip(AMOUNTS, sums, strict=True)),
            )

        keyed = migrate(KEYED)
        assert monthly_rows(keyed) == set(monthly)
        assert typed_rows(keyed) == set(typed)
        # The two new summaries are computed from the bills still in the table (November).
        patterns = keyed.get_model("stats", "PaymentPatternStat").objects
        assert set(patterns.values_list("month", "units", "always")) == {(NOV, 1, 1)}
        assert not patterns.filter(month=OCT).exists()

        new = migrate(SIDE_BY_SIDE)
        assert monthly_rows(new) == set(monthly)
        rows = {
            r.month: r for r in new.get_model("stats", "MonthlyTypeStat").objects.filter(uc_id=uc)
        }
        assert set(rows) == {OCT, NOV}
        october = rows[OCT]
        assert [getattr(october, f"unpaid_{f}") for f in AMOUNTS] == [3, 900, 0, 0, 900]
        assert [getattr(october, f"partial_{f}") for f in AMOUNTS] == [0] * 5
        assert [getattr(october, f"paid_{f}") for f in AMOUNTS] == [2, 600, 900, 1500, 0]
        assert (rows[NOV].paid_bills, rows[NOV].unpaid_bills) == (1, 0)

        # Backwards: the statuses become rows of their own again, the ids come back.
        keyed = migrate(KEYED)
        assert typed_rows(keyed) == set(typed)
        # Not while an archived month has summaries that only 0002's tables hold.
        flow = keyed.get_model("stats", "UnitFlowStat").objects.create(month=OCT, uc_id=uc, new=1)
        with pytest.raises(RuntimeError, match="archived months 2025-10"):
            migrate(INITIAL)
        flow.delete()
        old = migrate(INITIAL)
        assert monthly_rows(old) == set(monthly)
        assert typed_rows(old) == set(typed)
        assert all(old.get_model("stats", "MonthlyStat").objects.values_list("id", flat=True))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
