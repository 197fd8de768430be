"""Field cash through the API: record a receipt (role, scope, bad input, retries applied once,
offline numbers from a reserved block), the receipts list and detail, the cash book, blocks."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from suthra.billing.models import Bill, BillStatus, PaymentChannel
from suthra.cash import services
from suthra.cash.models import CashReceipt, HandOverMethod, ReceiptBlock
from suthra.core.models import AuditEvent
from suthra.core.months import current_month
from suthra.testing import make_bill, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):
    return make_unit(world.uc_a)


@pytest.fixture
def bill(unit):
    # Owes 900; one month's fee more: at most 1,200 in one receipt.
    return make_bill(unit, current_month(), fee=300, arrears=600)


def _body(unit, **extra):
    data = {"unit_id": unit.pk, "amount": 500, "client_key": str(uuid.uuid4())}
    data.update(extra)
    return data


def _nothing_written(bill):
    bill.refresh_from_db()
    assert bill.paid_amount == 0
    assert not CashReceipt.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="cash.collect").exists()


def test_agent_records_a_receipt_that_pays_the_bill(world, api, unit, bill):
    response = api(world.agent_a).post("/cash/receipts", _body(unit, payer_name="Aslam"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == f"LAH-{world.agent_a.pk:04d}-000001"
    assert (body["amount"], body["psid"], body["collector"]) == (500, str(bill.psid), "agent_a")
    assert body["status"] == 1 and body["offline"] is False and body["handed_over"] is False
    assert body["print_url"] == f"/cash/receipts/{body['id']}/print/"
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.channel, bill.status) == (
        500,
        PaymentChannel.CASH_FIELD,
        BillStatus.PARTIAL,
    )
    assert AuditEvent.objects.filter(action="cash.collect", object_id=str(body["id"])).exists()


def test_a_retry_with_the_same_client_key_is_applied_once(world, api, unit, bill):
    client = api(world.agent_a)
    body = _body(unit)
    first = client.post("/cash/receipts", body)
    again = client.post("/cash/receipts", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CashReceipt.objects.count() == 1
    assert Bill.objects.get(pk=bill.pk).paid_amount == 500
    assert AuditEvent.objects.filter(action="bill.payment_cash").count() == 1


def test_the_idempotency_key_header_works_like_client_key(world, api, unit, bill):
    client = api(world.agent_a)
    key = str(uuid.uuid4())
    body = {"unit_id": unit.pk, "amount": 300}

    def send():
        return client.client.post(
            "/api/v1/cash/receipts",
            body,
            content_type="application/json",
            headers={**client.headers, "Idempotency-Key": key},
        )

    assert [send().status_code, send().status_code] == [201, 200]
    assert CashReceipt.objects.get().client_key == uuid.UUID(key)
    assert Bill.objects.get(pk=bill.pk).paid_amount == 300


def test_the_same_client_key_from_someone_else_is_refused(world, api, unit, bill):
    body = _body(unit)
    assert api(world.agent_a).post("/cash/receipts", body).status_code == 201
    other = api(world.supervisor).post("/cash/receipts", body)
    assert other.status_code == 422
    assert "already used by someone else" in other.json()["detail"]
    assert CashReceipt.objects.count() == 1


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent_a", 201),
        ("agent_b", 404),
        ("supervisor", 201),
        ("supervisor_multan", 404),
        ("manager", 403),
        ("manager_multan", 403),
        ("head", 403),
    ],
)
def test_record_role_and_scope(world, api, unit, bill, username, expected):
    response = api(world.users[username]).post("/cash/receipts", _body(unit))
    assert response.status_code == expected, response.content
    assert CashReceipt.objects.count() == (1 if expected == 201 else 0)
    if expected == 404:
        assert response.json()["detail"] == "Not found."
    if expected == 403:
        assert response.json()["detail"] == "Only agents and supervisors collect cash."
        _nothing_written(bill)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"amount": 0}, "amount", "The amount must be more than zero."),
        ({"amount": -50}, "amount", "The amount must be more than zero."),
        ({"amount": 1201}, "", "is more than this unit owes plus one month's fee"),
        ({"payer_mobile": "12345"}, "payer_mobile", "mobile"),
        ({"amount": "lots"}, "amount", "valid integer"),
        ({"client_key": "not-a-uuid"}, "client_key", "UUID"),
    ],
)
def test_bad_input_is_a_clear_json_error_and_writes_nothing(
    world, api, unit, bill, extra, field, message
):
    response = api(world.agent_a).post("/cash/receipts", _body(unit, **extra))
    assert response.status_code == 422, response.content
    body = response.json()
    assert (
        message.lower() in (body["detail"] + " ".join(e["message"] for e in body["errors"])).lower()
    )
    assert field in {e["field"] for e in body["errors"]}
    _nothing_written(bill)


def test_an_inactive_unit_and_a_missing_unit_are_refused(world, api):
    inactive = make_unit(world.uc_a, is_active=False)
    make_bill(inactive, current_month())
    client = api(world.agent_a)
    response = client.post("/cash/receipts", _body(inactive))
    assert response.status_code == 422
    assert response.json()["detail"] == "This unit is inactive: no cash can be collected for it."
    assert client.post("/cash/receipts", {"unit_id": 2**31 - 1, "amount": 100}).status_code == 404
    assert not CashReceipt.objects.exists()


def test_the_cash_in_hand_limit_refuses_receipts_and_blocks(world, api, unit, bill, settings):
    settings.CASH_IN_HAND_LIMIT = 600
    client = api(world.agent_a)
    assert client.post("/cash/receipts", _body(unit, amount=500)).status_code == 201
    over = client.post("/cash/receipts", _body(unit, amount=200))
    assert over.status_code == 422 and "over the limit of Rs 600" in over.json()["detail"]
    # Below the limit a phone still gets a block.
    assert client.post("/cash/blocks").status_code == 200
    assert CashReceipt.objects.count() == 1
    book = client.get("/cash/book").json()
    assert (book["in_hand"], book["limit"], book["over_limit"]) == (500, 600, False)


def test_blocks_are_refused_at_the_limit(world, api, unit, bill, settings):
    settings.CASH_IN_HAND_LIMIT = 500
    client = api(world.agent_a)
    assert client.post("/cash/receipts", _body(unit, amount=500)).status_code == 201
    refused = client.post("/cash/blocks")
    assert refused.status_code == 422
    assert "Hand over your cash to your supervisor first." in refused.json()["detail"]
    assert not ReceiptBlock.objects.exists()
    assert client.get("/cash/book").json()["over_limit"] is True


def test_an_offline_receipt_uses_a_reserved_number_once(world, api, unit, bill, settings):
    settings.CASH_RECEIPT_BLOCK_SIZE = 3
    client = api(world.agent_a)
    block = client.post("/cash/blocks")
    assert block.status_code == 200, block.content
    numbers = block.json()["numbers"]
    assert numbers == [f"LAH-{world.agent_a.pk:04d}-{n:06d}" for n in (1, 2, 3)]
    # Written on the phone after the block reached it.
    taken = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    body = _body(unit, amount=400, receipt_number=numbers[0], collected_at=taken)
    first = client.post("/cash/receipts", body)
    again = client.post("/cash/receipts", body)  # the queue sends again after a lost answer
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == numbers[0] and first.json()["offline"] is True
    # The same number under another key (a second phone, a copied form): refused, once.
    twice = client.post("/cash/receipts", _body(unit, amount=400, receipt_number=numbers[0]))
    assert twice.status_code == 422
    assert twice.json()["detail"] == f"Receipt {numbers[0]} was already submitted."
    assert Bill.objects.get(pk=bill.pk).paid_amount == 400
    # A number from no block of the caller's is refused.
    stranger = client.post("/cash/receipts", _body(unit, receipt_number="LAH-9999-000001"))
    assert stranger.status_code == 422 and "not from a block" in stranger.json()["detail"]
    # Online receipts continue after the block.
    online = client.post("/cash/receipts", _body(unit, amount=100))
    assert online.json()["number"].endswith("-000004")
    assert CashReceipt.objects.count() == 2


def test_blocks_need_a_collector(world, api):
    for username in ("manager", "head"):
        response = api(world.users[username]).post("/cash/blocks")
        assert response.status_code == 403
    assert api(world.supervisor).post("/cash/blocks").status_code == 200
    assert ReceiptBlock.objects.count() == 1


def test_list_is_scoped_filtered_and_paged(world, api, unit, bill):
    for _ in range(3):
        services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=100)
    other_unit = make_unit(world.uc_b)
    make_bill(other_unit, current_month())
    services.cash_collect(actor=world.agent_b, unit_id=other_unit.pk, amount=100)
    mine = api(world.agent_a).get("/cash/receipts").json()
    assert {r["unit_id"] for r in mine["items"]} == {unit.pk}
    assert len(mine["items"]) == 3
    seen = api(world.supervisor).get("/cash/receipts", {"mine": "false"}).json()
    assert {r["collector"] for r in seen["items"]} == {"agent_a", "agent_b"}
    ids = [r["id"] for r in seen["items"]]
    assert ids == sorted(ids, reverse=True)
    by_unit = api(world.supervisor).get("/cash/receipts", {"unit": other_unit.pk}).json()
    assert [r["collector"] for r in by_unit["items"]] == ["agent_b"]
    today = timezone.localdate().isoformat()
    from_today = api(world.supervisor).get("/cash/receipts", {"collected_from": today}).json()
    assert len(from_today["items"]) == 4
    assert (
        api(world.supervisor).get("/cash/receipts", {"collected_to": "2020-01-01"}).json()["items"]
        == []
    )
    assert api(world.supervisor).get("/cash/receipts", {"status": 2}).json()["items"] == []
    # Days far off are refused clearly rather than overflowing.
    far = api(world.supervisor).get("/cash/receipts", {"collected_to": "9999-12-31"})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "collected_to"
    assert api(world.supervisor_multan).get("/cash/receipts").json()["items"] == []


def test_list_pages_by_cursor(world, api, unit):
    make_bill(unit, current_month())
    for _ in range(30):
        services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=1)
    client = api(world.agent_a)
    first = client.get("/cash/receipts", {"size": 25}).json()
    second = client.get("/cash/receipts", {"size": 25, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 25 and len(second["items"]) == 5
    assert second["next_cursor"] is None
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert len(set(ids)) == 30 and ids == sorted(ids, reverse=True)


def test_detail_is_404_out_of_scope(world, api, unit, bill):
    receipt, _ = services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=100)
    assert api(world.supervisor).get(f"/cash/receipts/{receipt.pk}").json()["number"] == (
        receipt.number
    )
    for username in ("agent_b", "supervisor_multan", "manager_multan"):
        response = api(world.users[username]).get(f"/cash/receipts/{receipt.pk}")
        assert response.status_code == 404
        assert response.json()["detail"] == "Not found."


def test_book_shows_today_in_hand_and_the_handovers(world, api, unit, bill):
    services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=300)
    services.handover_create(actor=world.agent_a, method=HandOverMethod.SUPERVISOR)
    services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=200)
    book = api(world.agent_a).get("/cash/book").json()
    assert book["collector"] == "agent_a" and book["may_collect"] is True
    assert (book["today_total"], book["in_hand"], book["not_handed_over"]) == (500, 500, 200)
    assert book["limit"] == 50_000 and book["over_limit"] is False
    assert [r["amount"] for r in book["today"]] == [200, 300]
    assert [(h["amount"], h["status"]) for h in book["handovers"]] == [(300, 1)]
    assert book["history"][0]["collected"] == 500
    # A manager collects nothing: an empty book of their own.
    managers = api(world.manager).get("/cash/book").json()
    assert (managers["may_collect"], managers["in_hand"], managers["today"]) == (False, 0, [])


def test_another_collectors_book_needs_a_supervisor_in_scope(world, api, unit, bill):
    services.cash_collect(actor=world.agent_a, unit_id=unit.pk, amount=300)
    path = f"/cash/book?collector={world.agent_a.pk}"
    seen = api(world.supervisor).get(path)
    assert seen.status_code == 200 and seen.json()["in_hand"] == 300
    assert api(world.agent_b).get(path).status_code == 403
    assert api(world.supervisor_multan).get(path).status_code == 404
    assert api(world.supervisor).get("/cash/book?collector=999999").status_code == 404
