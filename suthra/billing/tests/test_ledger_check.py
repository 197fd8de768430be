"""verify_ledgers: a broken chain and a tampered summary are found, consistent data (an
approved adjustment included) is clean; exit codes, the CSV report, the filters, the stored run."""

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from suthra.billing import archive, ledger_check
from suthra.billing.models import (
    Adjustment,
    AdjustmentKind,
    AdjustmentReason,
    AdjustmentStatus,
    ArchivedMonth,
    ArchivedUCMonth,
    Bill,
    LedgerCheck,
    LedgerDiscrepancy,
)
from suthra.stats.models import MonthlyStat, MonthlyTypeStat, PaymentPatternStat, UnitStat
from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def _chain(unit, fee=300, paid=(0, 300, 0)):
    """Three bills whose arrears follow: Oct 300 unpaid → Nov 300+300, pays 300 → Dec 300+300."""
    bills, arrears = [], 0
    for month, p in zip((OCT, NOV, DEC), paid, strict=True):
        bills.append(make_bill(unit, month, fee=fee, arrears=arrears, paid=p))
        arrears = max(0, fee + arrears - p)
    return bills


@pytest.fixture
def ledgers(world):
    """Consistent data in two cities, summaries refreshed."""
    a, b, c = make_unit(world.uc_a), make_unit(world.uc_b), make_unit(world.uc_c)
    data = {"a": _chain(a), "b": _chain(b, fee=500, paid=(500, 0, 1000)), "c": _chain(c)}
    stats_refresh()
    return data


def _run(*args):
    """call_command, returning the exit status (0, or 1 from SystemExit)."""
    try:
        call_command("verify_ledgers", *args)
    except SystemExit as exc:
        return exc.code
    return 0


def _approve(bill, *, user, new_fee=None, new_arrears=None):
    """An approved adjustment written the way the model's docstring describes: the bill's
    figures rewritten, the row keeping those before and the fall in the amount owed."""
    new_fee = bill.monthly_fee if new_fee is None else new_fee
    new_arrears = bill.arrears if new_arrears is None else new_arrears
    adj = Adjustment.objects.create(
        bill=bill,
        unit=bill.unit,
        month=bill.month,
        kind=AdjustmentKind.WAIVER,
        reason=AdjustmentReason.HARDSHIP,
        note="test",
        amount=(bill.monthly_fee + bill.arrears) - (new_fee + new_arrears),
        new_fee=new_fee,
        new_arrears=new_arrears,
        fee_before=bill.monthly_fee,
        arrears_before=bill.arrears,
        status=AdjustmentStatus.APPROVED,
        requested_by=user,
    )
    Bill.objects.filter(psid=bill.psid).update(monthly_fee=new_fee, arrears=new_arrears)
    return adj


@pytest.mark.django_db
def test_consistent_data_is_clean(ledgers):
    result = ledger_check.verify()
    assert result.ok, result.rows
    assert result.bills_checked == 9
    assert _run() == 0


@pytest.mark.django_db
def test_approved_adjustment_is_not_a_discrepancy(world, ledgers):
    # Waive Nov's arrears of unit a (300 → 0): Nov's due falls to 300, it paid 300, so Dec's
    # arrears are 0 — the approval's next month carries it.
    nov = ledgers["a"][1]
    _approve(nov, user=world.manager, new_arrears=0)
    Bill.objects.filter(psid=ledgers["a"][2].psid).update(arrears=0)
    # A fee correction on Dec of unit c (its arrears stay chained).
    _approve(ledgers["c"][2], user=world.head, new_fee=100)
    # A second approved adjustment of the same bill: the chain reads the first one's before.
    _approve(Bill.objects.get(psid=nov.psid), user=world.head, new_fee=200)
    Bill.objects.filter(psid=ledgers["a"][2].psid).update(arrears=0)
    stats_refresh()
    result = ledger_check.verify()
    assert result.ok, result.rows


@pytest.mark.django_db
def test_a_correction_carried_as_an_adjustment_of_the_next_bill(world, ledgers):
    # Unit b: Nov arrears 0 → waived fee 500 → 0 owed; Dec's arrears (500) corrected to 0 by
    # an adjustment of Dec: its arrears before (500) no longer follow, its arrears now do.
    nov, dec = ledgers["b"][1], ledgers["b"][2]
    _approve(nov, user=world.manager, new_fee=0)
    _approve(dec, user=world.manager, new_arrears=0)
    stats_refresh()
    assert ledger_check.verify().ok
    # Neither before nor after follows: a discrepancy, reported with the arrears before.
    Bill.objects.filter(psid=dec.psid).update(arrears=7)
    stats_refresh()
    (d,) = ledger_check.verify().rows
    assert (d.kind, d.unit_id, d.expected, d.found) == ("chain", dec.unit_id, 0, 500)


@pytest.mark.django_db
def test_broken_chain_is_found(world, ledgers):
    dec = ledgers["b"][2]
    Bill.objects.filter(psid=dec.psid).update(arrears=F("arrears") + 70)
    stats_refresh()
    result = ledger_check.verify()
    assert result.total == 1
    (d,) = result.rows
    assert (d.kind, d.unit_id, d.month, d.expected, d.found) == (
        "chain",
        dec.unit_id,
        DEC,
        dec.arrears,
        dec.arrears + 70,
    )
    assert d.uc_id == world.uc_b.id
    assert result.by_uc == {world.uc_b.id: 1}


@pytest.mark.django_db
def test_a_gap_starts_a_new_chain(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, OCT, fee=300)
    make_bill(unit, DEC, fee=300, arrears=9999)  # no Nov bill: nothing to compare with
    stats_refresh()
    assert ledger_check.verify().ok


@pytest.mark.django_db
def test_tampered_summaries_are_found(world, ledgers):
    row = MonthlyStat.objects.filter(month=NOV, uc=world.uc_c).first()
    MonthlyStat.objects.filter(pk=row.pk).update(collected=F("collected") + 5)
    MonthlyTypeStat.objects.filter(month=DEC, uc=world.uc_a).update(unpaid_fees=1)
    UnitStat.objects.filter(uc=world.uc_b).update(active=7)
    result = ledger_check.verify()
    found = {(d.kind, d.uc_id, d.month, d.item, d.expected, d.found) for d in result.rows}
    assert (
        "monthly_stat",
        world.uc_c.id,
        NOV,
        f"status={row.status} aging={row.aging} collected",
        row.collected,
        row.collected + 5,
    ) in found
    assert any(k == "type_stat" and uc == world.uc_a.id and m == DEC for k, uc, m, *_ in found)
    assert ("unit_stat", world.uc_b.id, None, "active", 1, 7) in found
    assert result.by_kind == {"monthly_stat": 1, "type_stat": 1, "unit_stat": 1}
    assert result.total == 3


@pytest.mark.django_db
def test_tampered_consumer_summaries_are_found(world, ledgers):
    pattern = PaymentPatternStat.objects.filter(month=DEC, uc=world.uc_a, months=3).get()
    PaymentPatternStat.objects.filter(pk=pattern.pk).update(always=F("always") + 2)
    unit = ledgers["b"][0].unit
    SurveyUnit.objects.filter(pk=unit.pk).update(is_active=False)  # its stats not refreshed
    result = ledger_check.verify()
    found = {(d.kind, d.uc_id, d.month, d.item, d.expected, d.found) for d in result.rows}
    assert (
        "pattern_stat",
        world.uc_a.id,
        DEC,
        "last 3 months always",
        pattern.always,
        pattern.always + 2,
    ) in found
    assert ("flow_stat", world.uc_b.id, DEC, "closed units", 1, 0) in found
    assert ("unit_stat", world.uc_b.id, None, "inactive", 1, 0) in found
    assert ledger_check.verify(uc_ids=[world.uc_c.id]).ok
    stats_refresh()
    assert ledger_check.verify().ok


@pytest.mark.django_db
def test_a_missing_summary_row_is_found(world, ledgers):
    MonthlyStat.objects.filter(month=OCT, uc=world.uc_a).delete()
    result = ledger_check.verify()
    assert result.total >= 1
    assert {d.found for d in result.rows if d.item.endswith(" bills")} == {0}


@pytest.mark.django_db
def test_archived_month_totals_are_checked(world, ledgers):
    archive.archive_month(OCT)
    assert ArchivedMonth.objects.filter(month=OCT).exists()
    # Nov follows an archived month: its arrears start a chain; the rest still reconcile.
    assert ledger_check.verify().ok
    ArchivedUCMonth.objects.filter(month=OCT, uc=world.uc_c).update(total_paid=F("total_paid") + 9)
    kinds = {d.kind for d in ledger_check.verify().rows}
    assert kinds == {"archived_uc", "archived_month"}


@pytest.mark.django_db
def test_exit_status_report_and_filters(world, ledgers, tmp_path):
    for unit in ("a", "c"):
        Bill.objects.filter(psid=ledgers[unit][1].psid).update(arrears=1)
    stats_refresh()
    report = tmp_path / "out.csv"
    assert _run("--report", str(report)) == 1
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == [
        "kind",
        "uc_id",
        "unit_id",
        "survey_id",
        "month",
        "item",
        "expected",
        "found",
    ]
    nov_a = ledgers["a"][1]
    assert [
        "chain",
        str(world.uc_a.id),
        str(nov_a.unit_id),
        nov_a.unit.survey_id,
        "2026-11",
        "arrears",
        "300",
        "1",
    ] in rows
    # Dec's arrears no longer follow the changed Nov either: 2 units × (Nov, Dec).
    assert len(rows) == 1 + 4
    # Filters: a city, a UC, a month.
    assert _run("--city", str(world.lahore.id), "--uc", str(world.uc_b.id)) == 0
    assert _run("--uc", str(world.uc_b.id)) == 0
    assert _run("--city", str(world.multan.id)) == 1
    assert ledger_check.verify(uc_ids=[world.uc_c.id]).total == 2
    assert ledger_check.verify(month=OCT).ok
    assert ledger_check.verify(month=DEC).total == 2
    assert _run("--month", "2026-10") == 0
    # The listing is bounded; the count is not.
    limited = ledger_check.verify(limit=1)
    assert (len(limited.rows), limited.total) == (1, 4)
    assert limited.by_uc == {world.uc_a.id: 2, world.uc_c.id: 2}
    _run("--limit", "1", "--report", str(report))
    assert list(csv.reader(report.open(encoding="utf-8")))[-1] == ["# 3 more not listed"]


@pytest.mark.django_db
def test_a_full_run_is_stored_and_filtered_runs_are_not(world, ledgers):
    assert _run("--month", "2026-11") == 0
    assert not LedgerCheck.objects.exists()
    Bill.objects.filter(psid=ledgers["c"][2].psid).update(arrears=5)
    stats_refresh()
    assert _run() == 1
    run = LedgerCheck.objects.get()
    assert (run.discrepancies, run.by_uc, run.listed) == (1, {str(world.uc_c.id): 1}, 1)
    assert run.count_for(frozenset({world.uc_a.id})) == 0
    assert run.count_for(frozenset({world.uc_c.id})) == 1
    assert LedgerDiscrepancy.objects.get().unit_id == ledgers["c"][2].unit_id
    # The next run replaces the rows (the count history stays).
    Bill.objects.filter(psid=ledgers["c"][2].psid).update(arrears=300)
    stats_refresh()
    assert _run() == 0
    assert LedgerCheck.objects.count() == 2
    assert not LedgerDiscrepancy.objects.exists()


@pytest.mark.django_db
def test_nightly_due_and_enqueue(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC))  # 06:00 in Karachi
    assert ledger_check.ledger_check_due()
    ledger_check.ledger_check_run()
    assert not ledger_check.ledger_check_due()
    time_machine.move_to(dt.datetime(2026, 12, 3, 20, 30, tzinfo=dt.UTC))  # 01:30 the 4th
    assert not ledger_check.ledger_check_due()
    time_machine.move_to(dt.datetime(2026, 12, 3, 21, 30, tzinfo=dt.UTC))  # 02:30 the 4th
    assert ledger_check.ledger_check_due()
    call_command("verify_ledgers", "--enqueue", "--if-due")
    # The test settings run tasks at once (the immediate backend): the run is stored.
    assert LedgerCheck.objects.count() == 2
    assert not ledger_check.ledger_check_due()
    call_command("verify_ledgers", "--enqueue", "--if-due")
    assert LedgerCheck.objects.count() == 2
    # The next night, a run enqueued but not yet picked up by the worker is not enqueued again.
    time_machine.move_to(dt.datetime(2026, 12, 4, 22, 0, tzinfo=dt.UTC))  # 03:00 the 5th
    assert ledger_check.ledger_check_due()
    DBTaskResult.objects.create(
        task_path="suthra.billing.tasks.verify_ledgers_task",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )
    assert not ledger_check.ledger_check_due()
