"""Which import wrote a bill, when PSIDs come as they really do (random, never consecutive):
the batch row stays small, the PSIDs are kept compressed in blocks, and the pages that show
batches or a bill's import cost the same whatever the size of the imports."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suthra.billing.models import Bill
from suthra.billing.selectors import bill_import_batch
from suthra.billing.tests.helpers import csv_bytes
from suthra.imports.models import BLOCK_RUNS, ImportBatch, PsidBlock, psid_runs
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)
LEGACY_HEADER = (
    "psid,bill_month,survey_id_fk,monthly_fee,arrears,amount_due,"
    "payment_status,paid_date,paid_amount,uploaded_at"
)


def row_chars(batch: ImportBatch) -> int:
    """The characters of every column of the batch row, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM imports_importbatch WHERE id = %s", [batch.pk])
        return sum(len(str(v)) for v in cursor.fetchone())


def random_psids(rng: random.Random, n: int) -> list[int]:
    return sorted(rng.sample(range(10**16, 10**17), n))


def big_batch(rng: random.Random, n: int, also: int, month=NOV) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.BILLS, status=ImportBatch.Status.DONE, file_name="big.csv"
    )
    batch.finished_at = batch.created_at
    batch.set_psid_runs(psid_runs([*random_psids(rng, n), also]), (month, month))
    batch.save()
    return batch


@pytest.mark.django_db
def test_legacy_import_of_random_psids_stores_bounded_data(world, tmp_path):
    rng = random.Random(20)
    units = [make_unit(world.uc_a, survey_id=f"SP-R-{i}") for i in range(300)]
    psids = random_psids(rng, len(units))
    rows = [
        f"{p},Nov-2025,{u.survey_id},300,0,300,Unpaid,,0,2025-11-02 10:00:00"
        for p, u in zip(psids, units, strict=True)
    ]
    path = tmp_path / "bills.csv"
    path.write_bytes(csv_bytes(LEGACY_HEADER, *rows))
    call_command("import_legacy_bills", str(path))
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.LEGACY)
    assert batch.status == ImportBatch.Status.DONE and Bill.objects.count() == 300
    # One run per PSID (none are consecutive), but not on the batch row: that stays small.
    # The month's first import wrote all of its bills: it keeps no blocks at all.
    assert batch.written_runs() == [[p, p] for p in psids]
    assert row_chars(batch) < 3000
    assert batch.psids_all and not PsidBlock.objects.exists()
    assert (batch.psid_first, batch.psid_last) == (psids[0], psids[-1])
    assert (batch.month_first, batch.month_last) == (NOV, NOV)
    assert all(bill_import_batch(p, NOV) == batch for p in psids[::17])
    assert bill_import_batch(psids[0] - 1, NOV) is None
    assert bill_import_batch(psids[0], dt.date(2025, 10, 1)) is None  # not that month's import


@pytest.mark.django_db
def test_psid_blocks_are_bounded_and_compact(db):
    rng = random.Random(7)
    psids = random_psids(rng, 3 * BLOCK_RUNS + 5)
    first = big_batch(rng, 0, psids[0])
    assert first.psids_all
    batch = big_batch(rng, 0, psids[0])  # a second import of the month keeps its PSIDs
    assert not batch.psids_all
    batch.set_psid_runs(psid_runs(psids), (NOV, NOV))
    batch.save()
    blocks = list(PsidBlock.objects.filter(batch=batch).order_by("first"))
    assert len(blocks) == 4
    # Each block is bounded (one lookup reads one of them), ~8 bytes a random 17-digit PSID.
    assert all(len(bytes(b.data)) <= 12 * BLOCK_RUNS for b in blocks)
    assert sum(len(bytes(b.data)) for b in blocks) < 9 * len(psids)
    assert batch.written_runs() == [[p, p] for p in psids]
    # Consecutive PSIDs (the generator's) are one run: a few bytes.
    batch.set_psid_runs([[10**16, 10**16 + 300_000]], (NOV, NOV))
    assert sum(len(bytes(b.data)) for b in batch.psid_blocks.all()) < 100


def page_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
def test_payment_page_and_dashboard_cost_does_not_grow_with_imports(world, login):
    rng = random.Random(3)
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, NOV, psid=10020030040050001)
    assert big_batch(rng, 0, bill.psid).psids_all  # the month's first import
    small = big_batch(rng, 0, bill.psid)  # a re-issue that changed the bill
    client = login(world.supervisor)
    payment = reverse("billing:payment", kwargs={"psid": bill.psid})
    dashboard = reverse("reports:dashboard")
    before = {url: page_queries(client, url) for url in (payment, dashboard)}
    page = client.get(payment)
    assert f"Written by import #{small.pk}".encode() in page.content

    big = big_batch(rng, 3 * BLOCK_RUNS, bill.psid)
    for _ in range(3):  # other months' imports, and another of the same month without the bill
        big_batch(rng, BLOCK_RUNS, 10**16, month=dt.date(2025, 10, 1))
    big_batch(rng, BLOCK_RUNS, 10**16)
    after = {url: page_queries(client, url) for url in (payment, dashboard)}
    assert f"Written by import #{big.pk}".encode() in client.get(payment).content
    for url in (payment, dashboard):
        assert len(after[url]) == len(before[url]), url
    # The dashboard never reads PSIDs; the batch rows it reads are small columns only.
    assert not any("imports_psidblock" in q for q in after[dashboard])
    # The payment page reads blocks only of the bill's month and PSID range: at most one per
    # batch of that month (two here), each bounded.
    block_queries = [q for q in after[payment] if "imports_psidblock" in q]
    assert len(block_queries) == 1
    with CaptureQueriesContext(connection):
        rows = list(
            PsidBlock.objects.filter(
                first__lte=bill.psid,
                last__gte=bill.psid,
                batch__month_first__lte=NOV,
                batch__month_last__gte=NOV,
            ).values_list("data", flat=True)
        )
    assert len(rows) <= 3 and sum(len(bytes(r)) for r in rows) <= 3 * 12 * BLOCK_RUNS
