"""Archived months (billing.archive) keep their summaries through a rebuild; restoring a month
brings every summary back to a recount."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from suthra.billing import archive
from suthra.billing.models import Bill
from suthra.demo.generator import generate
from suthra.stats.models import (
    MonthlyStat,
    MonthlyTypeStat,
    PaymentPatternStat,
    UnitFlowStat,
    UnitStat,
)
from suthra.stats.services import stats_refresh
from suthra.stats.tests.test_consumer_summaries import recount_flows, recount_patterns
from suthra.stats.tests.test_summaries import recount, summaries
from suthra.units.models import SurveyUnit

NOV = dt.date(2025, 11, 1)
AUG = dt.date(2025, 8, 1)  # the oldest of four generated months: the one archived


def snapshot() -> dict[str, set[tuple]]:
    """Every row of every summary table."""
    return {
        model.__name__: set(model.objects.values_list(*(f.attname for f in model._meta.fields)))
        for model in (MonthlyStat, MonthlyTypeStat, PaymentPatternStat, UnitFlowStat, UnitStat)
    }


def of_month(rows: set[tuple], month: dt.date) -> set[tuple]:
    return {r for r in rows if month in r}


def of_flows(rows: dict[str, set[tuple]]) -> dict[tuple, tuple[int, int]]:
    names = [f.attname for f in UnitFlowStat._meta.fields]
    found = (dict(zip(names, r, strict=True)) for r in rows["UnitFlowStat"])
    return {(f["month"], f["uc_id"]): (f["new"], f["closed"]) for f in found}


@pytest.fixture
def generated(db):
    generate(units=90, months=4, seed=11, end_month=NOV)
    # A few units closed after their August bill: August's closed units.
    closed = list(Bill.objects.filter(month=AUG).values_list("unit_id", flat=True)[:5])
    Bill.objects.filter(unit_id__in=closed, month__gt=AUG).delete()
    SurveyUnit.objects.filter(pk__in=closed).update(is_active=False)
    stats_refresh()
    assert Bill.objects.filter(month=AUG).exists()
    assert UnitFlowStat.objects.filter(month=AUG, closed__gt=0).exists()
    return snapshot()


@pytest.mark.django_db
def test_rebuild_keeps_archived_month_and_recounts_the_others(generated):
    archive.archive_month(AUG)
    assert not Bill.objects.filter(month=AUG).exists()
    assert snapshot() == generated  # archiving leaves the summaries alone
    call_command("rebuild_stats", stdout=None)
    after = snapshot()
    for table, rows in generated.items():
        if table != "UnitStat":
            assert of_month(after[table], AUG) == of_month(rows, AUG), table
    # The other months equal a recount of the bills still in the table.
    monthly, typed, units = summaries()
    expected = recount()
    assert {k: v for k, v in monthly.items() if k[0] != AUG} == expected[0]
    assert {k: v for k, v in typed.items() if k[0] != AUG} == expected[1]
    assert units == expected[2]
    patterns = {
        (p.month, p.uc_id, p.months): (p.units, p.always, p.never)
        for p in PaymentPatternStat.objects.exclude(month=AUG)
    }
    assert patterns == recount_patterns()
    # New units are counted from the units; the closed units of August stay August's.
    flows = {(f.month, f.uc_id): (f.new, f.closed) for f in UnitFlowStat.objects.all()}
    closed_in_aug = {uc: closed for (month, uc), (_, closed) in flows.items() if month == AUG}
    assert closed_in_aug == {
        uc: closed for (month, uc), (_, closed) in of_flows(generated).items() if month == AUG
    }
    expected_flows = {}
    for (month, uc), (new, closed) in recount_flows().items():
        expected_flows[(month, uc)] = (new, closed_in_aug.get(uc, 0) if month == AUG else closed)
    for uc, closed in closed_in_aug.items():
        expected_flows.setdefault((AUG, uc), (0, closed))
    assert flows == {k: v for k, v in expected_flows.items() if any(v)}
    # A refresh of August's keys (as a late payment file naming them would) changes nothing.
    ucs = {r[1] for r in of_month(generated["MonthlyStat"], AUG)}
    stats_refresh(keys=[(uc, AUG) for uc in ucs])
    assert snapshot() == after


@pytest.mark.django_db
def test_archive_then_restore_equals_a_recount(generated):
    archive.archive_month(AUG)
    call_command("rebuild_stats", stdout=None)  # the later months' patterns lose August
    archive.restore_month(AUG)
    restored = snapshot()
    assert restored == generated
    stats_refresh()  # a full recount
    assert snapshot() == restored


@pytest.mark.django_db
def test_restore_recounts_the_uc_units_left(generated):
    """Units moved to another UC while their month was archived: restoring recounts both UCs'
    rows of the month (the old UC's kept rows would otherwise count their bills twice)."""
    billed = SurveyUnit.objects.filter(bills__month=AUG).order_by("pk")
    unit = billed[0]
    other_uc = billed.exclude(uc_id=unit.uc_id)[0].uc_id
    archive.archive_month(AUG)
    SurveyUnit.objects.filter(uc_id=unit.uc_id).update(uc_id=other_uc)  # the UC has none left
    archive.restore_month(AUG)
    monthly, typed, _ = summaries()
    expected = recount()
    assert {k: v for k, v in monthly.items() if k[0] == AUG} == {
        k: v for k, v in expected[0].items() if k[0] == AUG
    }
    assert {k: v for k, v in typed.items() if k[0] == AUG} == {
        k: v for k, v in expected[1].items() if k[0] == AUG
    }
