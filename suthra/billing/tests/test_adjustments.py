"""Adjustments with maker–checker: request, approve, reject; the rules, the ledger, the import
checks, the payment exceptions, the ticket link, the report and its exports."""

import datetime as dt
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from suthra.billing import adjustments
from suthra.billing.adjustments import AdjustmentError
from suthra.billing.models import (
    Adjustment,
    AdjustmentKind,
    AdjustmentReason,
    AdjustmentStatus,
    ArchivedMonth,
    Bill,
    PaymentException,
)
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload_batch
from suthra.core.models import AuditEvent
from suthra.notifications.models import Notification
from suthra.stats.models import MonthlyStat
from suthra.testing import make_bill, make_staff, make_unit

OCT, NOV, DEC = dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)
WAIVER, WRITE_OFF = AdjustmentKind.WAIVER, AdjustmentKind.WRITE_OFF
FEE_FIX, ARREARS_FIX = AdjustmentKind.FEE_CORRECTION, AdjustmentKind.ARREARS_CORRECTION


@pytest.fixture
def unit(world):
    return make_unit(world.uc_a, survey_id="SP-ADJ-1")


@pytest.fixture
def bill(unit):
    make_bill(unit, OCT, psid=10020030040040001, fee=300, arrears=300)
    return make_bill(unit, NOV, psid=10020030040050001, fee=300, arrears=600)


def request(actor, bill, kind=WAIVER, **kw):
    kw.setdefault("reason", AdjustmentReason.HARDSHIP)
    kw.setdefault("note", "Shop flooded in October")
    return adjustments.adjustment_request(actor=actor, psid=bill.psid, kind=kind, **kw)


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- behaviour --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_waiver_approved_rewrites_the_bill_with_audit_and_notifications(world, bill):
    adj = request(world.supervisor, bill, new_arrears=0)
    assert (adj.status, adj.amount, adj.new_fee, adj.new_arrears) == (
        AdjustmentStatus.REQUESTED,
        600,
        300,
        0,
    )
    bill.refresh_from_db()
    assert bill.arrears == 600  # nothing changes before the approval
    assert any("to decide" in t for t in titles(world.manager))
    assert not titles(world.manager_multan)  # Multan's manager does not see Lahore

    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="photos seen")
    bill.refresh_from_db()
    adj.refresh_from_db()
    assert (bill.monthly_fee, bill.arrears, bill.amount_due) == (300, 0, 300)
    assert (adj.fee_before, adj.arrears_before, adj.amount) == (300, 600, 600)
    assert adj.status == AdjustmentStatus.APPROVED and adj.decided_by == world.manager
    event = AuditEvent.objects.get(action="bill.adjust", object_id=str(bill.psid))
    assert event.changes["arrears"] == [600, 0]
    assert event.changes["amount_due"] == [900, 300]
    assert event.changes["adjustment"] == adj.pk
    assert AuditEvent.objects.filter(action="adjustment.request", object_id=str(adj.pk)).exists()
    assert AuditEvent.objects.filter(action="adjustment.approve", object_id=str(adj.pk)).exists()
    assert any("approved" in t for t in titles(world.supervisor))
    # The summaries follow in the same transaction.
    stats = MonthlyStat.objects.filter(uc=world.uc_a, month=NOV).values_list("fees", "arrears")
    assert sum(f + a for f, a in stats) == 300


@pytest.mark.django_db
def test_a_rejection_leaves_the_bill_and_tells_the_requester(world, bill):
    adj = request(world.supervisor, bill, new_arrears=0)
    adjustments.adjustment_reject(actor=world.manager, adjustment=adj, reason="no proof")
    bill.refresh_from_db()
    adj.refresh_from_db()
    assert bill.arrears == 600 and adj.status == AdjustmentStatus.REJECTED
    assert adj.fee_before is None
    assert any("rejected" in t for t in titles(world.supervisor))
    with pytest.raises(AdjustmentError, match="already been decided"):
        adjustments.adjustment_approve(actor=world.head, adjustment=adj, reason="late")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "paid", "extra", "figures", "amount"),
    [
        (WAIVER, 0, {"new_fee": 0, "new_arrears": 0}, (0, 0), 900),  # full waiver
        (WAIVER, 0, {"new_fee": 100}, (100, 600), 200),  # part waiver of the fee
        (WRITE_OFF, 0, {}, (0, 0), 900),
        (WRITE_OFF, 200, {}, (200, 0), 700),  # what was paid stays due: nothing owed
        (FEE_FIX, 0, {"new_fee": 1000}, (1000, 600), -700),  # raises what is owed
        (ARREARS_FIX, 0, {"new_arrears": 100, "new_fee": 5}, (300, 100), 500),  # fee ignored
    ],
)
def test_kinds(world, bill, kind, paid, extra, figures, amount):
    if paid:
        Bill.objects.filter(pk=bill.pk).update(paid_amount=paid, paid_on=NOV, channel=1)
    adj = request(world.supervisor, bill, kind=kind, **extra)
    assert (adj.new_fee, adj.new_arrears, adj.amount) == (*figures, amount)
    adjustments.adjustment_approve(actor=world.head, adjustment=adj, reason="ok")
    bill.refresh_from_db()
    assert (bill.monthly_fee, bill.arrears) == figures


# --- rules and bad input: nothing half-written --------------------------------------------------


def nothing_written(bill, fee=300, arrears=600):
    bill.refresh_from_db()
    assert (bill.monthly_fee, bill.arrears) == (fee, arrears)
    assert not Adjustment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="adjustment.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "kw", "message"),
    [
        (WAIVER, {"new_arrears": 700}, "only lowers"),
        (WAIVER, {"new_fee": 300, "new_arrears": 600}, "same as the bill"),
        (WAIVER, {"new_arrears": 0, "note": "  "}, "Write a note"),
        (WAIVER, {"new_arrears": 0, "reason": 42}, "from the list"),
        (7, {"new_arrears": 0}, "Unknown kind"),
        (FEE_FIX, {}, "corrected monthly fee"),
        (FEE_FIX, {"new_fee": 40_000}, "at most"),
        (ARREARS_FIX, {}, "corrected arrears"),
    ],
)
def test_bad_requests_are_refused(world, bill, kind, kw, message):
    with pytest.raises(AdjustmentError, match=message):
        request(world.supervisor, bill, kind=kind, **kw)
    nothing_written(bill)


@pytest.mark.django_db
def test_the_corrected_due_cannot_fall_below_what_was_paid(world, bill):
    Bill.objects.filter(pk=bill.pk).update(paid_amount=500, paid_on=NOV, channel=1)
    with pytest.raises(AdjustmentError, match="already paid"):
        request(world.supervisor, bill, new_arrears=0)
    nothing_written(bill)


@pytest.mark.django_db
def test_only_the_latest_bill_and_not_an_archived_month(world, bill, unit):
    older = Bill.objects.get(unit=unit, month=OCT)
    with pytest.raises(AdjustmentError, match="newer bill"):
        request(world.supervisor, older, new_arrears=0)
    ArchivedMonth.objects.create(month=NOV, file_key="x", sha256="0" * 64)
    with pytest.raises(AdjustmentError, match="archived"):
        request(world.supervisor, bill, new_arrears=0)
    nothing_written(bill)


@pytest.mark.django_db
def test_approval_refused_once_a_newer_bill_exists(world, bill, unit):
    adj = request(world.supervisor, bill, new_arrears=0)
    make_bill(unit, DEC, fee=300, arrears=900)
    with pytest.raises(AdjustmentError, match="newer bill"):
        adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    bill.refresh_from_db()
    adj.refresh_from_db()
    assert bill.arrears == 600 and adj.status == AdjustmentStatus.REQUESTED
    assert not AuditEvent.objects.filter(action="bill.adjust").exists()


@pytest.mark.django_db
def test_one_pending_request_per_bill(world, bill):
    first = request(world.supervisor, bill, new_arrears=0)
    with pytest.raises(AdjustmentError, match=f"#{first.pk}"):
        request(world.manager, bill, new_arrears=100)
    assert Adjustment.objects.count() == 1


@pytest.mark.django_db
def test_who_may_request(world, bill):
    with pytest.raises(AdjustmentError, match="supervisors"):
        request(world.agent_a, bill, new_arrears=0)
    with pytest.raises(AdjustmentError, match="No such bill"):
        request(world.supervisor_multan, bill, new_arrears=0)  # another city
    nothing_written(bill)


# --- maker–checker and the threshold -------------------------------------------------------------


@pytest.mark.django_db
def test_nobody_decides_their_own_request(world, bill):
    adj = request(world.manager, bill, new_arrears=0)
    assert adj not in adjustments.adjustment_queue(actor=world.manager, queue="decide")
    assert adj in adjustments.adjustment_queue(actor=world.manager, queue="mine")
    assert adj in adjustments.adjustment_queue(actor=world.head, queue="decide")
    assert not titles(world.manager)  # the requester is not asked to decide
    for decide in (adjustments.adjustment_approve, adjustments.adjustment_reject):
        with pytest.raises(AdjustmentError, match="another manager"):
            decide(actor=world.manager, adjustment=adj, reason="mine")
    bill.refresh_from_db()
    assert bill.arrears == 600


@pytest.mark.django_db
def test_supervisors_and_other_cities_do_not_decide(world, bill):
    adj = request(world.supervisor, bill, new_arrears=0)
    assert not adjustments.adjustment_queue(actor=world.supervisor, queue="decide").exists()
    with pytest.raises(AdjustmentError, match="managers"):
        adjustments.adjustment_approve(actor=world.supervisor, adjustment=adj, reason="x")
    with pytest.raises(AdjustmentError, match="outside your area"):
        adjustments.adjustment_approve(actor=world.manager_multan, adjustment=adj, reason="x")
    with pytest.raises(AdjustmentError, match="reason"):
        adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason=" ")
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.REQUESTED


@pytest.mark.django_db
def test_above_the_threshold_only_head_approves(world, unit):
    big = make_bill(unit, NOV, fee=300, arrears=12_000)
    adj = request(world.supervisor, big, new_arrears=0)
    assert adj.amount == 12_000
    assert any("to decide" in t for t in titles(world.head))
    assert not titles(world.manager)  # managers are not asked
    with pytest.raises(AdjustmentError, match="only head office"):
        adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    big.refresh_from_db()
    assert big.arrears == 12_000
    adjustments.adjustment_approve(actor=world.head, adjustment=adj, reason="court order seen")
    big.refresh_from_db()
    assert big.arrears == 0


@pytest.mark.django_db
@override_settings(ADJUSTMENT_HEAD_ABOVE=500)
def test_the_threshold_is_a_setting(world, bill):
    adj = request(world.supervisor, bill, new_arrears=0)  # Rs 600 > 500
    with pytest.raises(AdjustmentError, match="Rs 500"):
        adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")


# --- the ledger chain: next month's import, payments ------------------------------------------


@pytest.mark.django_db
def test_the_next_months_import_check_sees_the_corrected_amount(world, bill, login):
    adj = request(world.supervisor, bill, new_arrears=0)
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    client = login(world.manager)
    # December's file carries the corrected balance (300 owed) …
    good = csv_bytes(BILL_HEADER, "10020030040060001,Dec-2025,SP-ADJ-1,300,300,600")
    check = upload_batch(client, good).counts["details"]["checks"][0]
    assert check["previous"] == "Nov-2025" and check["arrears_mismatch"] == 0
    # … a file that still carries the waived arrears (900 owed) is shown as not following.
    stale = csv_bytes(BILL_HEADER, "10020030040060001,Dec-2025,SP-ADJ-1,300,900,1200")
    check = upload_batch(client, stale).counts["details"]["checks"][0]
    assert check["arrears_mismatch"] == 1
    assert "SP-ADJ-1: 900 (expected 300)" in check["arrears_mismatch_sample"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [WAIVER, WRITE_OFF])
def test_a_payment_on_a_waived_bill_lands_in_the_exceptions_queue(world, bill, login, kind):
    adj = request(world.supervisor, bill, kind=kind, new_arrears=0)
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    other = make_bill(make_unit(world.uc_a), NOV, psid=10020030040050009, fee=300)
    client = login(world.manager)
    data = csv_bytes(
        "PSID,Paid Date,Paid Amount,Channel",
        "10020030040050001,2025-11-20,900,ATM",
        "10020030040050009,2025-11-20,300,ATM",
    )
    batch = upload_batch(client, data, kind="PAYMENTS", name="payments.csv")
    assert batch.counts["exceptions"] == 1
    batch = commit(client, batch)
    exc = PaymentException.objects.get()
    assert (exc.kind, exc.psid, exc.applied) == (
        PaymentException.Kind.ADJUSTED_BILL,
        bill.psid,
        True,
    )
    bill.refresh_from_db()
    other.refresh_from_db()
    assert bill.paid_amount == 900 and other.paid_amount == 300  # money received is recorded
    page = client.get(reverse("billing:exceptions"))
    assert "waived or written-off" in page.content.decode()


@pytest.mark.django_db
def test_a_fee_correction_is_not_an_exception(world, bill, login):
    adj = request(world.supervisor, bill, kind=FEE_FIX, new_fee=200)
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    client = login(world.manager)
    data = csv_bytes("PSID,Paid Date,Paid Amount,Channel", "10020030040050001,2025-11-20,800,ATM")
    commit(client, upload_batch(client, data, kind="PAYMENTS", name="payments.csv"))
    assert not PaymentException.objects.exists()


# --- pages ---------------------------------------------------------------------------------------


def form_data(**kw):
    data = {"kind": "1", "new_fee": "300", "new_arrears": "0", "reason": "5", "note": "flood"}
    data.update(kw)
    return data


@pytest.mark.django_db
def test_request_from_the_unit_page_then_approve_in_the_queue(world, bill, unit, login):
    client = login(world.supervisor)
    page = client.get(reverse("units:detail", args=[unit.pk])).content.decode()
    link = reverse("billing:adjustment_unit", args=[unit.pk])
    assert link in page and "Request adjustment" in page
    response = client.get(link)
    assert response.url == reverse("billing:adjustment_new", args=[bill.psid])
    response = client.post(response.url, form_data())
    adj = Adjustment.objects.get()
    assert response.url == reverse("billing:adjustment", args=[adj.pk])
    # The requester has nothing to decide and no decision form.
    queue = client.get(reverse("billing:adjustments"), {"queue": "decide"})
    assert f'data-adjustment="{adj.pk}"' not in queue.content.decode()
    detail = client.get(response.url).content.decode()
    assert "adjustment_decide" not in detail and "Save decision" not in detail

    manager = login(world.manager)
    queue = manager.get(reverse("billing:adjustments")).content.decode()
    assert f'data-adjustment="{adj.pk}"' in queue
    assert (
        "Save decision"
        in manager.get(reverse("billing:adjustment", args=[adj.pk])).content.decode()
    )
    response = manager.post(
        reverse("billing:adjustment_decide", args=[adj.pk]),
        {"decision": "approve", "reason": "seen the shop"},
    )
    assert response.status_code == 302
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.APPROVED

    ledger = manager.get(reverse("billing:ledger", args=[unit.pk])).content.decode()
    assert f'data-adjustment="{adj.pk}"' in ledger and "−600" in ledger
    unit_page = manager.get(reverse("units:detail", args=[unit.pk])).content.decode()
    assert f'data-adjustment="{adj.pk}"' in unit_page


@pytest.mark.django_db
def test_the_ledger_balance_counts_the_adjustment(world, bill, unit):
    from suthra.billing.selectors import unit_ledger

    Bill.objects.filter(unit=unit, month=OCT).update(arrears=300)  # Oct: owes 600, pays 0
    adj = request(world.supervisor, bill, new_arrears=0)
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    _unit, rows = unit_ledger(actor=world.manager, unit_id=unit.pk)
    nov = rows[-1]
    assert nov["adjusted"] == 600 and nov["fee"] == 300 and nov["arrears"] == 0
    # Oct: 300 charged (arrears 300 carried from before the ledger) → 300; Nov: +300 −600.
    assert nov["balance"] == rows[0]["balance"] + 300 - 600
    assert [a.pk for a in nov["adjustments"]] == [adj.pk]


@pytest.mark.django_db
def test_an_own_request_cannot_be_approved_through_the_page(world, bill, login):
    adj = request(world.manager, bill, new_arrears=0)
    client = login(world.manager)
    response = client.post(
        reverse("billing:adjustment_decide", args=[adj.pk]),
        {"decision": "approve", "reason": "mine"},
        follow=True,
    )
    assert "another manager decides" in response.content.decode()
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.REQUESTED


@pytest.mark.django_db
def test_the_page_refuses_bad_input_with_400(world, bill, login):
    client = login(world.supervisor)
    url = reverse("billing:adjustment_new", args=[bill.psid])
    assert client.post(url, form_data(new_arrears="900")).status_code == 400
    assert client.post(url, form_data(note="")).status_code == 400
    assert client.post(url, form_data(reason="99")).status_code == 400
    assert not Adjustment.objects.exists()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "ok", "suffix"),
    [
        ("order.pdf", PDF, True, ".pdf"),
        ("shop.jpg", _jpeg(), True, ".jpg"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf at all", False, ""),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj<<>>", False, ""),
    ],
)
def test_proof_photo_or_pdf(world, bill, login, name, data, ok, suffix):
    client = login(world.supervisor)
    url = reverse("billing:adjustment_new", args=[bill.psid])
    response = client.post(url, form_data(proof=SimpleUploadedFile(name, data)))
    if not ok:
        assert response.status_code == 400
        assert not Adjustment.objects.exists()
        return
    adj = Adjustment.objects.get()
    assert adj.proof_key.startswith("adjustments/") and adj.proof_key.endswith(suffix)
    proof = login(world.manager).get(reverse("billing:adjustment_proof", args=[adj.pk]))
    assert proof.status_code == 200
    body = b"".join(proof.streaming_content)
    assert body.startswith(b"%PDF-") if suffix == ".pdf" else body.startswith(b"\xff\xd8")
    assert (
        login(world.manager_multan)
        .get(reverse("billing:adjustment_proof", args=[adj.pk]))
        .status_code
        == 404
    )


@pytest.mark.django_db
@override_settings(PROOF_PDF_MAX_BYTES=1024)
def test_a_pdf_over_the_limit_is_refused(world, bill, login):
    client = login(world.supervisor)
    big = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
    url = reverse("billing:adjustment_new", args=[bill.psid])
    response = client.post(url, form_data(proof=SimpleUploadedFile("big.pdf", big)))
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert not Adjustment.objects.exists()


@pytest.mark.django_db
def test_an_approved_wrong_bill_ticket_opens_a_prefilled_request(world, bill, unit, login):
    from suthra.tickets.models import Ticket, TicketStatus, TicketType

    ticket = Ticket.objects.create(
        unit=unit,
        reported_by=world.agent_a,
        type=TicketType.WRONG_BILL,
        description="Billed as medium, it is a small barber shop",
        status=TicketStatus.APPROVED,
        decided_by=world.supervisor,
        decided_at=dt.datetime(2025, 11, 5, tzinfo=dt.UTC),
    )
    client = login(world.supervisor)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    link = f"{reverse('billing:adjustment_unit', args=[unit.pk])}?ticket={ticket.pk}"
    assert link in page
    response = client.get(link)
    assert response.url.endswith(f"?ticket={ticket.pk}")
    form = client.get(response.url).content.decode()
    assert "Billed as medium" in form and f'name="ticket" value="{ticket.pk}"' in form
    client.post(response.url, {**form_data(kind="3", new_fee="100"), "ticket": ticket.pk})
    adj = Adjustment.objects.get()
    assert adj.ticket_id == ticket.pk and adj.kind == FEE_FIX
    # A pending or other ticket offers no link.
    Ticket.objects.filter(pk=ticket.pk).update(type=TicketType.OTHER)
    assert link not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()


@pytest.mark.django_db
def test_report_by_kind_and_approver_with_csv_and_xlsx(world, bill, unit, login):
    adj = request(world.supervisor, bill, new_arrears=0)
    adjustments.adjustment_approve(actor=world.manager, adjustment=adj, reason="ok")
    other = make_bill(make_unit(world.uc_c), NOV, fee=300, arrears=300)
    rej = request(world.supervisor_multan, other, new_arrears=0)
    adjustments.adjustment_reject(actor=world.head, adjustment=rej, reason="no")
    client = login(world.manager)
    url = reverse("reports:adjustments")
    query = {"from": "2025-11", "to": "2025-11", "group": "approver"}
    page = client.get(url, query).content.decode()
    assert "manager" in page and "600" in page
    csv = b"".join(client.get(url, {**query, "format": "csv"}).streaming_content).decode()
    assert str(bill.psid) in csv and "Waiver" in csv and "manager" in csv
    assert str(other.psid) not in csv  # rejected: counted, not listed
    xlsx = client.get(url, {**query, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    by_kind = b"".join(
        client.get(url, {**query, "group": "kind", "kind": "1", "format": "csv"}).streaming_content
    ).decode()
    assert "Waiver,1,600,0,1" in by_kind.replace("\r", "")
    # Multan's manager sees neither Lahore's adjustment nor may ask for Lahore.
    multan = login(world.manager_multan)
    csv = b"".join(multan.get(url, {**query, "format": "csv"}).streaming_content).decode()
    assert str(bill.psid) not in csv
    assert multan.get(url, {"city": world.lahore.pk}).status_code == 404
    assert login(world.agent_a).get(url).status_code == 403


@pytest.mark.django_db
def test_adjustments_list_export(world, bill, login):
    from suthra.reports import lists

    adj = request(world.supervisor, bill, new_arrears=0)
    kind, _fmt, place, params = lists.parse(world.manager, _query({"kind": "adjustments"}))
    rows = list(kind.queryset(world.manager, place, params).values_list("id", flat=True))
    assert rows == [adj.pk]
    assert not kind.queryset(world.manager_multan, place, params).exists()


def _query(data):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    q.update(data)
    return q


@pytest.mark.django_db
def test_the_dashboard_shows_adjustments(world, bill, login):
    adj = request(world.supervisor, bill, new_arrears=0)
    client = login(world.manager)
    page = client.get(reverse("reports:dashboard"), {"month": "2025-11"}).content.decode()
    assert "1 request waits for your decision" in page
    adjustments.adjustment_approve(actor=world.head, adjustment=adj, reason="ok")
    page = client.get(reverse("reports:dashboard"), {"month": "2025-11"}).content.decode()
    assert 'class="num adjusted-amount">Rs 600<' in page
    assert "0 requests wait" in page


@pytest.mark.django_db
def test_an_inactive_manager_is_not_notified(world, bill):
    gone = make_staff("gone_manager", "MANAGER", is_active=False)
    request(world.supervisor, bill, new_arrears=0)
    assert not titles(gone)


@pytest.mark.django_db
def test_a_refused_request_leaves_no_proof_file_behind(world, bill, login, monkeypatch):
    from suthra.core import photos

    deleted = []
    real = photos.photo_delete
    monkeypatch.setattr(photos, "photo_delete", lambda *keys: (deleted.extend(keys), real(*keys)))
    client = login(world.supervisor)
    url = reverse("billing:adjustment_new", args=[bill.psid])
    response = client.post(
        url, form_data(new_arrears="900", proof=SimpleUploadedFile("order.pdf", PDF))
    )
    assert response.status_code == 400 and "only lowers" in response.content.decode()
    assert len(deleted) == 1 and deleted[0].endswith(".pdf")
    assert not photos.photo_storage().exists(deleted[0])
    assert not Adjustment.objects.exists()


@pytest.mark.django_db
def test_who_is_asked_to_decide(world, bill, unit):
    adj = request(world.supervisor, bill, new_arrears=0)
    assert any(f"#{adj.pk}" in t for t in titles(world.manager))
    assert not titles(world.head)  # below the threshold: the city's managers
    # A request by the only manager in scope goes to head office.
    other = make_bill(make_unit(world.uc_a), NOV, fee=300, arrears=300)
    second = request(world.manager, other, new_arrears=0)
    assert any(f"#{second.pk}" in t for t in titles(world.head))


@pytest.mark.django_db
def test_a_bill_changed_after_the_approver_looked_is_not_approved(world, bill, login):
    adj = request(world.supervisor, bill, new_arrears=0)
    client = login(world.manager)
    page = client.get(reverse("billing:adjustment", args=[adj.pk])).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    seen = html.unescape(seen)
    Bill.objects.filter(pk=bill.pk).update(paid_amount=100, paid_on=NOV, channel=1)
    response = client.post(
        reverse("billing:adjustment_decide", args=[adj.pk]),
        {"decision": "approve", "reason": "ok", "seen": seen},
        follow=True,
    )
    assert "changed since you opened" in response.content.decode()
    adj.refresh_from_db()
    bill.refresh_from_db()
    assert adj.status == AdjustmentStatus.REQUESTED and bill.arrears == 600
    # Looking again and approving works.
    page = client.get(reverse("billing:adjustment", args=[adj.pk])).content.decode()
    seen = html.unescape(re.search(r'name="seen" value="([^"]*)"', page).group(1))
    client.post(
        reverse("billing:adjustment_decide", args=[adj.pk]),
        {"decision": "approve", "reason": "ok", "seen": seen},
    )
    adj.refresh_from_db()
    assert adj.status == AdjustmentStatus.APPROVED
