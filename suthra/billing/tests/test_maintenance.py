"""The bill indexes are rebuilt after a month's load (PostgreSQL, outside the transaction)."""

import datetime as dt

import pytest
from django.db import connection

from suthra.billing import maintenance
from suthra.billing.models import Bill
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload_batch
from suthra.testing import make_unit


@pytest.mark.django_db
def test_bill_import_asks_for_maintenance_with_what_it_wrote(world, login, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "suthra.billing.importing.reindex_after_load", lambda rows: calls.append(rows)
    )
    units = [make_unit(world.uc_a, survey_id=f"SP-M-{i}") for i in range(3)]
    rows = [
        f"{10020030040050001 + 7 * i},Nov-2025,{u.survey_id},300,0,300" for i, u in enumerate(units)
    ]
    client = login(world.manager)
    batch = commit(client, upload_batch(client, csv_bytes(BILL_HEADER, *rows)))
    assert batch.status == "DONE" and Bill.objects.count() == 3
    assert calls == [3]


@pytest.mark.django_db
def test_small_loads_and_transactions_never_rebuild(db):
    assert maintenance.reindex_after_load(10) == {}
    # Inside a transaction (as every test is) nothing is rebuilt either, whatever the size.
    assert maintenance.reindex_after_load(10**6) == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="REINDEX CONCURRENTLY: PostgreSQL")
def test_a_months_load_rebuilds_both_indexes_on_postgresql(world):
    unit = make_unit(world.uc_a)
    Bill.objects.bulk_create(
        Bill(
            psid=10**16 + i,
            unit=unit,
            month=dt.date(2000 + i // 12, i % 12 + 1, 1),
            monthly_fee=300,
        )
        for i in range(maintenance.REINDEX_MIN_ROWS)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_bill")
    done = maintenance.reindex_after_load(maintenance.REINDEX_MIN_ROWS)
    assert set(done) == {"vacuum", *maintenance.BILL_INDEXES}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname LIKE 'bill%%' AND NOT i.indisvalid"
        )
        assert cursor.fetchone()[0] == 0
