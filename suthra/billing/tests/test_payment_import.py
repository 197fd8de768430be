"""Payment reconciliation: bills turn PAID / PARTIAL; exceptions are queued, not applied."""

import datetime as dt

import pytest
from django.urls import reverse

from suthra.billing.models import Bill, BillStatus, PaymentChannel, PaymentException
from suthra.billing.tests.helpers import commit, csv_bytes, upload, upload_batch
from suthra.core.models import AuditEvent
from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)
HEADER = "PSID,Paid Date,Paid Amount,Channel"


@pytest.fixture
def bills(world):
    units = [make_unit(world.uc_a) for _ in range(5)]
    return [
        make_bill(units[0], NOV, psid=10020030040050001, fee=300),
        make_bill(units[1], NOV, psid=10020030040050002, fee=300, arrears=300),
        make_bill(units[2], NOV, psid=10020030040050003, fee=300, paid=300),
        make_bill(units[3], NOV, psid=10020030040050004, fee=300),
        make_bill(units[4], NOV, psid=10020030040050005, fee=300),
    ]


def payments_file():
    return csv_bytes(
        HEADER,
        "10020030040050001,2025-11-20,300,JazzCash",  # paid in full
        "10020030040050002,20/11/2025,200,HBL counter",  # partly paid (due 600)
        "10020030040050003,2025-11-21,300,ATM",  # already paid (by another payment)
        "10020030040050004,2025-10-30,300,ATM",  # before the bill month
        "10020030040050005,2025-11-22,500,Easypaisa",  # overpaid: applied + exception
        "99999999999999999,2025-11-22,300,ATM",  # unknown PSID
        "10020030040050001x,2025-11-22,300,ATM",  # malformed PSID → rejected row
    )


@pytest.mark.django_db
def test_payments_file_reconciles_bills(world, bills, login, monkeypatch):
    refreshed = []
    monkeypatch.setattr(
        "suthra.billing.importing.stats_refresh", lambda keys=None: refreshed.append(keys)
    )
    client = login(world.manager)
    batch = upload_batch(client, payments_file(), kind="PAYMENTS", name="payments.csv")
    assert batch.status == ImportBatch.Status.PREVIEW, batch.message
    c = batch.counts
    assert (c["paid"], c["partial"], c["exceptions"], c["rejected"]) == (2, 1, 4, 1)
    assert Bill.objects.status(BillStatus.PAID).count() == 1  # nothing yet
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message

    b1, b2, b3, b4, b5 = (Bill.objects.get(pk=b.pk) for b in bills)
    assert (b1.status, b1.paid_amount, b1.paid_on, b1.channel) == (
        BillStatus.PAID,
        300,
        dt.date(2025, 11, 20),
        PaymentChannel.JAZZCASH,
    )
    assert (b2.status, b2.paid_amount, b2.channel) == (
        BillStatus.PARTIAL,
        200,
        PaymentChannel.BANK_COUNTER,
    )
    assert b3.paid_on != dt.date(2025, 11, 21)  # the earlier payment is kept
    assert b4.status == BillStatus.UNPAID
    assert (b5.status, b5.paid_amount) == (BillStatus.PAID, 500)
    kinds = dict(PaymentException.objects.values_list("psid", "kind"))
    assert kinds == {
        10020030040050003: PaymentException.Kind.ALREADY_PAID,
        10020030040050004: PaymentException.Kind.BEFORE_BILL_MONTH,
        10020030040050005: PaymentException.Kind.OVERPAID,
        99999999999999999: PaymentException.Kind.UNKNOWN_PSID,
    }
    assert PaymentException.objects.get(kind=PaymentException.Kind.OVERPAID).applied
    assert AuditEvent.objects.filter(action="bill.payment").count() == 3
    assert refreshed == [[(world.uc_a.pk, NOV)]]


@pytest.mark.django_db
def test_same_payments_twice_and_a_corrected_file(world, bills, login):
    client = login(world.manager)
    commit(client, upload_batch(client, payments_file(), kind="PAYMENTS"))
    assert upload(client, payments_file(), kind="PAYMENTS").status_code == 400
    # A corrected file (the wrong date fixed) changes only that row; old exceptions stay single.
    corrected = payments_file().replace(b"50004,2025-10-30", b"50004,2025-11-25")
    batch = commit(client, upload_batch(client, corrected, kind="PAYMENTS"))
    assert batch.counts["changed"] == 1 and batch.counts["unchanged"] == 3
    assert batch.counts["exceptions"] == 0
    assert Bill.objects.get(psid=10020030040050004).status == BillStatus.PAID
    assert PaymentException.objects.count() == 4


@pytest.mark.django_db
def test_payments_outside_the_area_are_rejected(world, bills, login):
    client = login(world.manager_multan)
    batch = upload_batch(client, payments_file(), kind="PAYMENTS")
    assert batch.counts["changed"] == 0
    assert "outside your area" in batch.counts["error_sample"][0]["reason"]


@pytest.mark.django_db
def test_duplicate_psids_and_future_dates_are_rejected(world, bills, login):
    client = login(world.manager)
    data = csv_bytes(
        HEADER,
        "10020030040050001,2025-11-20,300,ATM",
        "10020030040050001,2025-11-21,300,ATM",
        "10020030040050002,2099-01-01,300,ATM",
        "10020030040050004,2025-11-31,300,ATM",
        "10020030040050005,2025-11-20,0,ATM",
    )
    batch = upload_batch(client, data, kind="PAYMENTS")
    reasons = [e["reason"] for e in batch.counts["error_sample"]]
    assert batch.counts["changed"] == 0 and batch.counts["rejected"] == 5
    assert sum("appears again" in r for r in reasons) == 2
    assert any("future" in r for r in reasons)
    assert any("impossible date" in r for r in reasons)
    assert any("more than 0" in r for r in reasons)


@pytest.mark.django_db
def test_exception_queue_is_scoped_and_closes(world, bills, login):
    commit(
        login(world.manager), upload_batch(login(world.manager), payments_file(), kind="PAYMENTS")
    )
    supervisor = login(world.supervisor)
    page = supervisor.get(reverse("billing:exceptions"))
    assert page.status_code == 200
    assert b"10020030040050003" in page.content
    assert b"99999999999999999" not in page.content  # unknown PSIDs have no place
    head_page = login(world.head).get(reverse("billing:exceptions"))
    assert b"99999999999999999" in head_page.content
    exc = PaymentException.objects.get(psid=10020030040050003)
    multan = login(world.supervisor_multan)
    url = reverse("billing:exception_resolve", kwargs={"pk": exc.pk})
    assert multan.post(url, {"resolution": "x"}).status_code == 404
    supervisor = login(world.supervisor)
    assert supervisor.post(url, {"resolution": "double payment refunded"}).status_code == 302
    exc.refresh_from_db()
    assert exc.resolved_by == world.supervisor and exc.resolution == "double payment refunded"


@pytest.mark.django_db
def test_uploader_is_notified_of_waiting_exceptions(world, bills, login):
    from suthra.notifications.models import Notification

    client = login(world.manager)
    batch = commit(client, upload_batch(client, payments_file(), kind="PAYMENTS", name="p.csv"))
    assert batch.status == ImportBatch.Status.DONE, batch.message
    waiting = Notification.objects.get(recipient=world.manager, kind="payments.exceptions")
    assert waiting.title.startswith("4 payment exception(s)")
    assert waiting.url == reverse("billing:exceptions")
    assert (
        not Notification.objects.filter(kind="payments.exceptions")
        .exclude(recipient=world.manager)
        .exists()
    )


@pytest.mark.django_db
def test_the_import_page_names_exceptions_in_the_readers_language(world, bills, login):
    """Not "OVERPAID 1, UNKNOWN_PSID 1" on the Urdu page (issue 19)."""
    client = login(world.manager)
    batch = upload_batch(client, payments_file(), kind="PAYMENTS", name="payments.csv")
    url = reverse("imports:detail", kwargs={"pk": batch.pk})
    english = client.get(url).content.decode()
    assert "Paid more than the amount due" in english and "OVERPAID" not in english
    client.post("/language/", {"language": "ur", "next": "/"})
    urdu = client.get(url).content.decode()
    assert "OVERPAID" not in urdu and "UNKNOWN_PSID" not in urdu
    assert "Paid more than the amount due" not in urdu
