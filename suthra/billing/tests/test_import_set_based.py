"""The set-based import path (PostgreSQL: staging table + SQL) decides and writes exactly what
the row-by-row path decides and writes, on hostile files; a failure half-way writes nothing."""

import datetime as dt
import io

import pytest
from django.db import connection, transaction

from suthra.billing import importing
from suthra.billing.models import Bill, PaymentException
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload_batch
from suthra.core.models import AuditEvent
from suthra.imports import registry
from suthra.imports.models import ImportBatch
from suthra.imports.parsers import read_table
from suthra.testing import make_bill, make_unit

SEP, OCT, NOV = dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1)
PSID = 10020030040050000
PAID_HEADER = BILL_HEADER + ",status,paid_on,paid_amount,channel"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's"
)


@pytest.fixture
def hostile_bills(world):
    """A database and a bill file with one of everything the plan tells apart."""
    a = {i: make_unit(world.uc_a, survey_id=f"SP-A-{i}") for i in range(1, 8)}
    c1 = make_unit(world.uc_c, survey_id="SP-C-1")
    gone = make_unit(world.uc_a, survey_id="SP-A-GONE")
    make_bill(a[1], OCT, psid=PSID + 101, fee=300, paid=300)
    make_bill(a[2], OCT, psid=PSID + 102, fee=300, arrears=300)
    make_bill(a[3], OCT, psid=PSID + 103, fee=900)
    make_bill(a[4], OCT, psid=PSID + 104, fee=500, paid=200)
    make_bill(gone, OCT, psid=PSID + 108, fee=300)
    make_bill(c1, OCT, psid=PSID + 109, fee=300)
    make_bill(a[2], SEP, psid=PSID + 92, fee=300)  # its PSID is reused below for another unit
    make_bill(a[1], NOV, psid=PSID + 1, fee=300, paid=300)  # the file leaves the payment out
    make_bill(a[3], NOV, psid=PSID + 333, fee=900)  # the file gives another PSID
    make_bill(a[4], NOV, psid=PSID + 4, fee=500)  # the file corrects fee and payment
    return csv_bytes(
        PAID_HEADER,
        f"{PSID + 1},Nov-2025,SP-A-1,300,0,300,,,,",  # unchanged, payment kept
        f"{PSID + 2},Nov-2025,SP-A-2,300,600,900,PAID,2025-11-10,900,JazzCash",  # new, paid
        f"{PSID + 3},Nov-2025,SP-A-3,1000,0,1000,,,,",  # the unit has another bill
        f"{PSID + 4},Nov-2025,SP-A-4,600,0,600,PARTIAL,2025-11-12,100,ATM",  # changed
        f"{PSID + 5},Nov-2025,SP-C-1,300,0,300,,,,",  # new (outside Lahore)
        f"{PSID + 6},Nov-2025,SP-X-404,300,0,300,,,,",  # unknown survey id
        f"{PSID + 92},Nov-2025,SP-A-5,300,0,300,,,,",  # PSID of another bill
        f"{PSID + 7},Nov-2025,SP-A-6,300,0,300,,,,",  # a unit new this month
        f"{PSID + 8},Dec-2025,SP-A-1,300,0,300,,,,",  # next month, after a file month
        f"{PSID + 9},Dec-2025,SP-A-2,350,0,350,,,,",  # a fee change
        f"{PSID + 10},Nov-2025,SP-A-7,-300,0,-300,,,,",  # negative (a parse error)
        "=1+2,Nov-2025,SP-A-7,300,0,300,,,,",  # formula (a parse error)
    )


@pytest.fixture
def hostile_payments(world):
    units = [make_unit(world.uc_a if i < 5 else world.uc_c) for i in range(7)]
    bills = [
        make_bill(units[0], NOV, psid=PSID + 1, fee=300),
        make_bill(units[1], NOV, psid=PSID + 2, fee=300, arrears=300),
        make_bill(units[2], NOV, psid=PSID + 3, fee=300, paid=300, paid_on=dt.date(2025, 11, 5)),
        make_bill(units[3], NOV, psid=PSID + 4, fee=300),
        make_bill(units[4], NOV, psid=PSID + 5, fee=300),
        make_bill(units[5], NOV, psid=PSID + 6, fee=300),
        make_bill(units[6], NOV, psid=PSID + 7, fee=300, paid=300, paid_on=dt.date(2025, 11, 6)),
    ]
    # An earlier file reported the same early payment: it is not queued again.
    earlier = ImportBatch.objects.create(kind=ImportBatch.Kind.PAYMENTS)
    PaymentException.objects.create(
        batch=earlier,
        row=2,
        kind=PaymentException.Kind.BEFORE_BILL_MONTH,
        psid=PSID + 4,
        bill=bills[3],
        paid_on=dt.date(2025, 10, 30),
        amount=300,
        channel=2,
    )
    return csv_bytes(
        "PSID,Paid Date,Paid Amount,Channel",
        f"{PSID + 1},2025-11-20,300,JazzCash",  # paid in full
        f"{PSID + 2},20/11/2025,200,HBL counter",  # partly paid
        f"{PSID + 3},2025-11-21,300,ATM",  # already paid otherwise
        f"{PSID + 4},2025-10-30,300,ATM",  # before the bill month, queued before
        f"{PSID + 5},2025-11-22,500,Easypaisa",  # overpaid: applied and queued
        f"{PSID + 6},2025-11-22,300,ATM",  # Multan
        f"{PSID + 7},2025-11-06,300,ATM",  # the payment already recorded: unchanged
        "99999999999999999,2025-11-22,300,ATM",  # unknown PSID
        f"{PSID + 1}x,2025-11-22,300,ATM",  # malformed PSID
        f"{PSID + 1},2025-11-23,300,ATM",  # the same PSID again
    )


def _outcome(monkeypatch, kind, data, actor, set_based):
    """Preview counts, details and errors, then what the commit writes; rolled back after."""
    monkeypatch.setattr(importing, "set_based", lambda: set_based)
    refreshed = []
    monkeypatch.setattr(importing, "stats_refresh", lambda keys=None: refreshed.append(keys))
    handler = registry.handler_for(kind)
    records, parse_errors = handler.parse(read_table(data, spec=handler.spec), lambda n: None)
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind=kind, created_by=actor)
        preview = handler.plan(batch, records, parse_errors)
        plan = handler.plan(batch, records, parse_errors, preview=False)
        applied = handler.apply(batch, plan)
        written = {
            "bills": list(
                Bill.objects.with_status().order_by("psid").values_list(*importing.BILL_FIELDS)
            ),
            "audit": sorted(
                (e.action, e.object_id, {**e.changes, "batch": None})
                for e in AuditEvent.objects.filter(action__startswith="bill.")
            ),
            "exceptions": list(
                PaymentException.objects.filter(batch=batch)
                .order_by("row")
                .values_list("row", "kind", "psid", "bill_id", "paid_on", "amount", "applied")
            ),
            "stats": sorted(refreshed[0]),
        }
        transaction.set_rollback(True)
    return {
        "preview": (preview.counts, preview.details),
        "errors": sorted(preview.errors, key=lambda e: (e.row, e.column)),
        "commit": (plan.counts, sorted(plan.errors, key=lambda e: (e.row, e.column)), applied),
        "written": written,
    }


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "manager_multan", "agent_a"])
def test_bill_plan_is_the_same_set_based(world, hostile_bills, monkeypatch, who):
    actor = getattr(world, who)
    sql = _outcome(monkeypatch, "BILLS", hostile_bills, actor, True)
    rows = _outcome(monkeypatch, "BILLS", hostile_bills, actor, False)
    assert sql == rows
    if who == "manager":  # the file really has one of everything
        counts = sql["preview"][0]
        assert (counts["new"], counts["changed"], counts["unchanged"]) == (5, 1, 1)
        assert counts["payment_kept"] == 1
        reasons = " ".join(e.reason for e in sql["errors"])
        for reason in ("already has bill", "unknown survey id", "another bill", "negative"):
            assert reason in reasons
        nov, dec = sql["preview"][1]["checks"]
        assert nov["missing_sample"] == ["SP-A-GONE"] and nov["new_units_sample"] == ["SP-A-6"]
        assert nov["fee_changes_sample"] == ["SP-A-4: 500 → 600"]
        assert nov["arrears_mismatch_sample"] == [
            "SP-A-4: 0 (expected 300)",
            "SP-C-1: 0 (expected 300)",
        ]
        assert dec["fee_changes_sample"] == ["SP-A-2: 300 → 350"]
        assert dec["arrears_mismatch"] == 0 and dec["missing"] == 4


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "manager_multan"])
def test_payment_plan_is_the_same_set_based(world, hostile_payments, monkeypatch, who):
    actor = getattr(world, who)
    sql = _outcome(monkeypatch, "PAYMENTS", hostile_payments, actor, True)
    rows = _outcome(monkeypatch, "PAYMENTS", hostile_payments, actor, False)
    assert sql == rows
    if who == "manager":
        counts = sql["preview"][0]
        assert (counts["paid"], counts["partial"], counts["unchanged"]) == (2, 1, 1)
        assert counts["exceptions"] == 3  # the early payment was queued before
        assert sql["preview"][1]["exceptions"]["BEFORE_BILL_MONTH"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "step", [pytest.param("_audit_select", marks=postgres_only), "_audit_many"]
)
def test_a_failure_half_way_through_the_commit_writes_no_bill(
    world, hostile_bills, login, monkeypatch, step
):
    """The bills are written, then the audit fails: the transaction takes the bills back."""
    monkeypatch.setattr(importing, "set_based", lambda: step == "_audit_select")
    client = login(world.manager)
    batch = upload_batch(client, hostile_bills)
    assert batch.counts["new"] == 5 and batch.counts["changed"] == 1
    before = list(Bill.objects.order_by("psid").values_list())

    def boom(**kwargs):
        assert Bill.objects.filter(psid=PSID + 2).exists()  # the insert did happen
        raise RuntimeError("worker killed")

    monkeypatch.setattr(importing, step, boom)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.FAILED and "nothing was changed" in batch.message
    assert list(Bill.objects.order_by("psid").values_list()) == before
    assert not AuditEvent.objects.filter(action="bill.import_change").exists()


@pytest.mark.django_db
def test_a_failed_payment_commit_pays_no_bill_and_queues_nothing(
    world, hostile_payments, login, monkeypatch
):
    client = login(world.manager)
    batch = upload_batch(client, hostile_payments, kind="PAYMENTS", name="p.csv")
    assert batch.counts["changed"] == 3
    queued = PaymentException.objects.count()
    monkeypatch.setattr(importing, "stats_refresh", lambda keys=None: 1 / 0)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert not Bill.objects.filter(paid_on=dt.date(2025, 11, 20)).exists()
    assert PaymentException.objects.count() == queued
    assert not AuditEvent.objects.filter(action="bill.payment").exists()


def _stash_files(batch):
    from django.core.files.storage import default_storage

    _dirs, files = default_storage.listdir(f"imports/{batch.pk}")
    return sorted(f for f in files if f.startswith("stash-"))


@postgres_only
@pytest.mark.django_db
def test_the_commit_takes_the_previews_checked_rows_without_reading_the_file_again(
    world, hostile_bills, login, monkeypatch
):
    from suthra.imports import services

    client = login(world.manager)
    batch = upload_batch(client, hostile_bills)
    assert _stash_files(batch) == ["stash-bill_stage.json", "stash-bill_stage.tsv"]
    preview = dict(batch.counts)
    monkeypatch.setattr(services, "_parse", lambda batch: 1 / 0)  # the file is not read again
    monkeypatch.setattr(importing, "stats_refresh", lambda keys=None: None)
    before = Bill.objects.count()
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    for key in ("new", "changed", "unchanged", "rejected", "errors", "error_sample", "file"):
        assert batch.counts[key] == preview[key], key
    assert Bill.objects.count() - before == preview["new"] > 0
    assert _stash_files(batch) == []


@postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("spoil", ["next-day", "tampered", "gone"])
def test_a_stash_that_is_not_valid_any_more_is_not_used(
    world, hostile_payments, login, monkeypatch, spoil
):
    from django.core.files.storage import default_storage

    from suthra.imports import services

    client = login(world.manager)
    batch = upload_batch(client, hostile_payments, kind="PAYMENTS", name="p.csv")
    key = f"imports/{batch.pk}/stash-payment_stage.tsv"
    if spoil == "next-day":
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        monkeypatch.setattr(importing.timezone, "localdate", lambda: tomorrow)
    elif spoil == "tampered":
        data = default_storage.open(key).read()
        default_storage.delete(key)
        default_storage.save(key, io.BytesIO(data.replace(b"\t300\t", b"\t30\t")))
    else:
        services.stash_clear(batch.pk)
    monkeypatch.setattr(importing, "stats_refresh", lambda keys=None: None)
    parsed = []
    real = services._parse
    monkeypatch.setattr(services, "_parse", lambda b: parsed.append(b.pk) or real(b))
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert parsed == [batch.pk] and batch.counts["changed"] == 3
    assert Bill.objects.get(psid=PSID + 2).paid_amount == 200


@pytest.mark.django_db
def test_cancel_deletes_the_stash(world, hostile_bills, login):
    from django.urls import reverse

    client = login(world.manager)
    batch = upload_batch(client, hostile_bills)
    client.post(reverse("imports:cancel", kwargs={"pk": batch.pk}))
    assert _stash_files(batch) == []
