"""A bill file never undoes an approved adjustment: the preview warns, the commit keeps the
adjusted fee and arrears (both import paths: row by row, and set-based SQL on PostgreSQL), and
the month-on-month check reads the adjusted chain."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from suthra.billing import adjustments, importing
from suthra.billing.models import AdjustmentKind, AdjustmentReason, Bill
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload_batch
from suthra.core.models import AuditEvent
from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)
PAID_HEADER = BILL_HEADER + ",status,paid_on,paid_amount,channel"
ADJ_PSID, OTHER_PSID = 10020030040050001, 10020030040050002


@pytest.fixture(
    params=[
        "rows",
        pytest.param(
            "sql",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's"
            ),
        ),
    ]
)
def path(request, monkeypatch):
    """Each test runs on the row-by-row path, and on PostgreSQL also on the set-based one."""
    monkeypatch.setattr(importing, "set_based", lambda: request.param == "sql")
    return request.param


@pytest.fixture
def adjusted(world):
    """SP-ADJ-1's November bill (300 + 600 arrears) with its arrears waived (300 owed), and
    SP-ADJ-2, a bill without an adjustment."""
    unit = make_unit(world.uc_a, survey_id="SP-ADJ-1")
    other = make_unit(world.uc_a, survey_id="SP-ADJ-2")
    make_bill(unit, OCT, psid=10020030040040001, fee=300, arrears=300)
    make_bill(other, OCT, psid=10020030040040002, fee=500)
    bill = make_bill(unit, NOV, psid=ADJ_PSID, fee=300, arrears=600)
    make_bill(other, NOV, psid=OTHER_PSID, fee=500, arrears=500)
    adj = adjustments.adjustment_request(
        actor=world.supervisor,
        psid=bill.psid,
        kind=AdjustmentKind.WAIVER,
        reason=AdjustmentReason.HARDSHIP,
        note="Shop flooded",
        new_arrears=0,
    )
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="photos seen")
    return bill


def figures(psid):
    return Bill.objects.values_list("monthly_fee", "arrears").get(psid=psid)


@pytest.mark.django_db
def test_a_file_with_the_original_figures_is_warned_about_and_does_not_undo_it(
    world, adjusted, login, path
):
    client = login(world.manager)
    data = csv_bytes(
        BILL_HEADER,
        f"{ADJ_PSID},Nov-2025,SP-ADJ-1,300,600,900",  # the figures before the waiver
        f"{OTHER_PSID},Nov-2025,SP-ADJ-2,600,500,1100",  # a real change, taken
    )
    batch = upload_batch(client, data)
    counts = batch.counts
    assert counts["adjusted_kept"] == 1
    assert (counts["changed"], counts["unchanged"]) == (1, 1)
    assert counts["details"]["adjusted_sample"] == [
        {
            "psid": str(ADJ_PSID),
            "survey_id": "SP-ADJ-1",
            "month": "Nov-2025",
            "file": [300, 600],
            "kept": [300, 0],
        }
    ]
    # Its own month is not reported as "arrears that do not follow" (the waiver explains it).
    (nov,) = [c for c in counts["details"]["checks"] if c["month"] == "Nov-2025"]
    assert nov["arrears_mismatch"] == 0
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    assert "1 bill has an approved adjustment; the file" in page
    assert "the adjusted figures are kept" in page
    assert "the file: fee 300, arrears 600; kept: fee 300, arrears 0" in page

    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert figures(ADJ_PSID) == (300, 0)  # the waiver stands
    assert figures(OTHER_PSID) == (600, 500)
    assert not AuditEvent.objects.filter(
        action="bill.import_change", object_id=str(ADJ_PSID)
    ).exists()


@pytest.mark.django_db
def test_a_payment_in_the_file_is_taken_but_not_its_figures(world, adjusted, login, path):
    client = login(world.manager)
    data = csv_bytes(
        PAID_HEADER,
        f"{ADJ_PSID},Nov-2025,SP-ADJ-1,300,600,900,PARTIAL,2025-11-10,300,ATM",
    )
    batch = upload_batch(client, data)
    assert (batch.counts["adjusted_kept"], batch.counts["changed"]) == (1, 1)
    # The sample of changes shows the payment only, measured against the adjusted due.
    (change,) = batch.counts["details"]["changes_sample"]
    assert set(change["changes"]) == {"paid_amount", "paid_on", "status", "channel"}
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    bill = Bill.objects.get(psid=ADJ_PSID)
    assert (bill.monthly_fee, bill.arrears, bill.paid_amount) == (300, 0, 300)
    assert bill.status == 2  # paid in full: the adjusted due is 300
    event = AuditEvent.objects.get(action="bill.import_change", object_id=str(ADJ_PSID))
    assert "arrears" not in event.changes and "monthly_fee" not in event.changes
    assert event.changes["paid_amount"] == [0, 300]


@pytest.mark.django_db
def test_a_file_that_agrees_with_the_adjustment_is_not_warned_about(world, adjusted, login, path):
    client = login(world.manager)
    data = csv_bytes(BILL_HEADER, f"{ADJ_PSID},Nov-2025,SP-ADJ-1,300,0,300")
    batch = upload_batch(client, data)
    assert (batch.counts["adjusted_kept"], batch.counts["unchanged"]) == (0, 1)
    assert batch.counts["details"]["adjusted_sample"] == []
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    assert "approved adjustment" not in page


@pytest.mark.django_db
def test_next_month_in_the_same_file_is_checked_against_the_adjusted_chain(
    world, adjusted, login, path
):
    """November again with its old figures and December carrying them on: the check compares
    December with November as the import leaves it (adjusted), so the stale arrears show."""
    client = login(world.manager)
    data = csv_bytes(
        BILL_HEADER,
        f"{ADJ_PSID},Nov-2025,SP-ADJ-1,300,600,900",
        "10020030040060001,Dec-2025,SP-ADJ-1,300,900,1200",  # 900 = the unwaived due
        f"{OTHER_PSID},Nov-2025,SP-ADJ-2,500,500,1000",
        "10020030040060002,Dec-2025,SP-ADJ-2,500,1000,1500",  # follows
    )
    batch = upload_batch(client, data)
    checks = {c["month"]: c for c in batch.counts["details"]["checks"]}
    assert checks["Nov-2025"]["arrears_mismatch"] == 0
    dec = checks["Dec-2025"]
    assert dec["arrears_mismatch"] == 1
    assert dec["arrears_mismatch_sample"] == ["SP-ADJ-1: 900 (expected 300)"]
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert figures(ADJ_PSID) == (300, 0)


@pytest.mark.django_db
def test_a_fee_correction_is_kept_and_not_reported_as_a_fee_change(world, login, path):
    unit = make_unit(world.uc_a, survey_id="SP-FIX-1")
    make_bill(unit, OCT, psid=10020030040040009, fee=1000)
    bill = make_bill(unit, NOV, psid=10020030040050009, fee=1000, arrears=1000)
    adj = adjustments.adjustment_request(
        actor=world.supervisor,
        psid=bill.psid,
        kind=AdjustmentKind.FEE_CORRECTION,
        reason=AdjustmentReason.WRONG_SIZE,
        note="Small shop",
        new_fee=300,
    )
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="measured")
    client = login(world.manager)
    batch = upload_batch(
        client, csv_bytes(BILL_HEADER, "10020030040050009,Nov-2025,SP-FIX-1,1000,1000,2000")
    )
    assert batch.counts["adjusted_kept"] == 1
    (nov,) = batch.counts["details"]["checks"]
    assert (nov["fee_changes"], nov["arrears_mismatch"]) == (0, 0)
    batch = commit(client, batch)
    assert figures(bill.psid) == (300, 1000)


@pytest.mark.django_db
def test_both_paths_decide_and_write_the_same_for_adjusted_bills(world, adjusted, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path is PostgreSQL's")
    from suthra.billing.tests.test_import_set_based import _outcome

    data = csv_bytes(
        PAID_HEADER,
        f"{ADJ_PSID},Nov-2025,SP-ADJ-1,300,600,900,PARTIAL,2025-11-10,200,ATM",
        f"{OTHER_PSID},Nov-2025,SP-ADJ-2,600,500,1100,,,,",
        "10020030040060001,Dec-2025,SP-ADJ-1,300,900,1200,,,,",
    )
    sql = _outcome(monkeypatch, "BILLS", data, world.manager, True)
    rows = _outcome(monkeypatch, "BILLS", data, world.manager, False)
    assert sql == rows
    assert sql["preview"][0]["adjusted_kept"] == 1
    written = {b[0]: b for b in sql["written"]["bills"]}
    assert written[ADJ_PSID][3:6] == (300, 0, 200)
