"""The consumers report's summaries (payment patterns, new and closed units) equal a recount,
after generation and after an import, a payments file, a correction and a deactivation."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from suthra.billing.models import Bill, BillStatus, PaymentChannel, status_q
from suthra.billing.services import bill_payment_record, seen_token
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload_batch
from suthra.demo.generator import generate
from suthra.stats.models import PATTERN_WINDOWS, PaymentPatternStat, UnitFlowStat
from suthra.stats.services import stats_refresh
from suthra.stats.tests.test_summaries import assert_equal_to_recount
from suthra.testing import make_bill, make_unit
from suthra.units.models import SurveyUnit

NOV = dt.date(2025, 11, 1)
OCT = dt.date(2025, 10, 1)
PSID = 10020030040060000


def _add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def recount_patterns() -> dict:
    """Unit by unit in Python: who paid every bill of the window in full, who paid nothing."""
    statuses: dict[int, dict[dt.date, int]] = defaultdict(dict)
    uc_of: dict[int, int] = {}
    for b in Bill.objects.select_related("unit"):
        statuses[b.unit_id][b.month] = b.status
        uc_of[b.unit_id] = b.unit.uc_id
    months = sorted({m for d in statuses.values() for m in d})
    out: dict = {}
    if not months:
        return out
    end = months[0]
    while end <= months[-1]:
        for n in PATTERN_WINDOWS:
            start = _add(end, 1 - n)
            counts: dict[int, Counter] = defaultdict(Counter)
            for unit_id, by_month in statuses.items():
                seen = [s for m, s in by_month.items() if start <= m <= end]
                if not seen:
                    continue
                c = counts[uc_of[unit_id]]
                c["units"] += 1
                c["always"] += all(s == BillStatus.PAID for s in seen)
                c["never"] += all(s == BillStatus.UNPAID for s in seen)
            for uc_id, c in counts.items():
                out[(end, uc_id, n)] = (c["units"], c["always"], c["never"])
        end = _add(end, 1)
    return out


def recount_flows() -> dict:
    flows: dict = defaultdict(lambda: [0, 0])
    last = defaultdict(lambda: None)
    for unit_id, month in Bill.objects.values_list("unit_id", "month"):
        last[unit_id] = max(month, last[unit_id] or month)
    for u in SurveyUnit.objects.all():
        if u.surveyed_at is not None:
            local = timezone.localtime(u.surveyed_at)
            flows[(dt.date(local.year, local.month, 1), u.uc_id)][0] += 1
        if not u.is_active and last[u.id] is not None:
            flows[(last[u.id], u.uc_id)][1] += 1
    return {k: tuple(v) for k, v in flows.items()}


def assert_consumer_summaries_equal_recount() -> None:
    patterns = {
        (p.month, p.uc_id, p.months): (p.units, p.always, p.never)
        for p in PaymentPatternStat.objects.all()
    }
    assert patterns == recount_patterns()
    flows = {(f.month, f.uc_id): (f.new, f.closed) for f in UnitFlowStat.objects.all()}
    assert flows == recount_flows()


@pytest.mark.django_db
def test_generated_data_consumer_summaries_equal_recount():
    generate(units=90, months=14, seed=7, end_month=NOV)
    assert PaymentPatternStat.objects.exists()
    assert UnitFlowStat.objects.filter(closed__gt=0).exists()
    assert UnitFlowStat.objects.filter(new__gt=0).exists()
    assert_consumer_summaries_equal_recount()
    # Payments in two months more than a window apart (two pattern queries), as a
    # reconciliation would make them, then the refresh of the keys it touched.
    old = _add(NOV, -13)
    Bill.objects.filter(status_q(BillStatus.UNPAID), month=old).update(
        paid_amount=F("monthly_fee") + F("arrears") + 1,
        paid_on=old + dt.timedelta(days=3),
        channel=PaymentChannel.ATM,
    )
    Bill.objects.filter(status_q(BillStatus.PAID), month=NOV).update(
        paid_amount=0, paid_on=None, channel=PaymentChannel.NONE
    )
    ucs = set(SurveyUnit.objects.values_list("uc_id", flat=True))
    stats_refresh(keys=[(uc, m) for uc in ucs for m in (old, NOV)])
    assert_consumer_summaries_equal_recount()


@pytest.mark.django_db
def test_patterns_count_always_sometimes_never(world):
    always, sometimes, never, gone = (make_unit(world.uc_a) for _ in range(4))
    for month in (OCT, NOV):
        make_bill(always, month, fee=300, paid=300)
        make_bill(never, month, fee=300)
    make_bill(sometimes, OCT, fee=300, paid=100)  # partly paid counts as "sometimes"
    make_bill(sometimes, NOV, fee=300)
    make_bill(gone, OCT, fee=300)
    SurveyUnit.objects.filter(pk=gone.pk).update(is_active=False)
    stats_refresh()
    nov3 = PaymentPatternStat.objects.get(month=NOV, uc=world.uc_a, months=3)
    assert (nov3.units, nov3.always, nov3.sometimes, nov3.never) == (4, 1, 1, 2)
    oct3 = PaymentPatternStat.objects.get(month=OCT, uc=world.uc_a, months=3)
    assert (oct3.units, oct3.always, oct3.sometimes, oct3.never) == (4, 1, 1, 2)
    assert UnitFlowStat.objects.get(month=OCT, uc=world.uc_a).closed == 1
    assert_consumer_summaries_equal_recount()


@pytest.mark.django_db
def test_import_payments_and_correction_keep_consumer_summaries_equal(world, login):
    units = [make_unit(world.uc_a) for _ in range(3)] + [make_unit(world.uc_c)]
    october = [300, 0, 300, 0]
    for u, paid in zip(units, october, strict=True):
        make_bill(u, OCT, fee=300, paid=paid)
    stats_refresh()
    client = login(world.manager)
    # A bill import for November …
    rows = [
        f"{PSID + i},Nov-2025,{u.survey_id},300,{300 - paid},{600 - paid}"
        for i, (u, paid) in enumerate(zip(units, october, strict=True))
    ]
    batch = commit(client, upload_batch(client, csv_bytes(BILL_HEADER, *rows)))
    assert batch.status == batch.Status.DONE, (batch.message, batch.counts)
    assert Bill.objects.filter(month=NOV).count() == 4
    assert_consumer_summaries_equal_recount()
    assert_equal_to_recount()
    # … a payments file …
    pay = csv_bytes(
        "PSID,Paid Date,Paid Amount,Channel",
        f"{PSID},2025-11-20,300,JazzCash",
        f"{PSID + 3},2025-11-21,100,ATM",
    )
    batch = commit(client, upload_batch(client, pay, kind="PAYMENTS", name="payments.csv"))
    assert batch.status == batch.Status.DONE, batch.message
    assert_consumer_summaries_equal_recount()
    # … and a manual correction that reverses a payment.
    bill = Bill.objects.get(psid=PSID)
    bill_payment_record(
        actor=world.manager,
        psid=bill.psid,
        paid_amount=0,
        paid_on=None,
        channel=PaymentChannel.NONE,
        reason="bank reversed it",
        seen=seen_token(bill),
    )
    assert Bill.objects.get(psid=PSID).status == BillStatus.UNPAID
    assert_consumer_summaries_equal_recount()
    assert_equal_to_recount()


@pytest.mark.django_db
def test_deactivating_a_unit_counts_it_closed(world):
    from suthra.units.services import unit_set_active

    unit = make_unit(world.uc_a)
    make_bill(unit, OCT)
    make_bill(unit, NOV)
    stats_refresh()
    assert not UnitFlowStat.objects.filter(closed__gt=0).exists()
    unit_set_active(actor=world.supervisor, unit_id=unit.pk, active=False, reason="shop closed")
    assert UnitFlowStat.objects.get(month=NOV, uc=world.uc_a).closed == 1
    assert_consumer_summaries_equal_recount()


@pytest.mark.django_db
def test_rebuild_command_rebuilds_consumer_summaries(world):
    unit = make_unit(world.uc_b)
    make_bill(unit, NOV, paid=300)
    PaymentPatternStat.objects.create(uc=world.uc_c, month=OCT, months=3, units=9)
    UnitFlowStat.objects.create(uc=world.uc_c, month=OCT, new=5)
    call_command("rebuild_stats", stdout=None)
    assert_consumer_summaries_equal_recount()
    assert PaymentPatternStat.objects.filter(month=NOV).count() == len(PATTERN_WINDOWS)


@pytest.mark.django_db
def test_archived_end_months_keep_their_patterns(world):
    from suthra.billing.models import ArchivedMonth

    unit = make_unit(world.uc_a)
    make_bill(unit, OCT, fee=300, paid=300)
    make_bill(unit, NOV, fee=300)
    stats_refresh()
    Bill.objects.filter(month=OCT).delete()
    ArchivedMonth.objects.create(month=OCT, file_key="archive/bills-2025-10.csv.gz", sha256="0")
    stats_refresh(keys=[(world.uc_a.id, NOV)])
    oct3 = PaymentPatternStat.objects.get(month=OCT, uc=world.uc_a, months=3)
    assert (oct3.units, oct3.always) == (1, 1)
    # November's windows count the bills still in the table.
    nov3 = PaymentPatternStat.objects.get(month=NOV, uc=world.uc_a, months=3)
    assert (nov3.units, nov3.always, nov3.never) == (1, 0, 1)
