"""Recording payments through the API: role, scope, no lost update, idempotency keys."""

from __future__ import annotations

import datetime as dt

import pytest

from suthra.api.models import IdempotencyKey
from suthra.billing.models import Bill
from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit

pytestmark = pytest.mark.django_db

NOV = dt.date(2025, 11, 1)


def _bill(world, uc=None):
    return make_bill(make_unit(uc or world.uc_a), NOV, fee=300, arrears=200)


def _pay(bill, **extra):
    data = {
        "psid": str(bill.psid),
        "paid_amount": 500,
        "paid_on": "2025-11-12",
        "channel": 5,
        "reason": "JazzCash receipt shown",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("agent_a", 403),
        ("agent_b", 403),
        ("supervisor", 200),
        ("supervisor_multan", 404),
        ("manager", 200),
        ("manager_multan", 404),
        ("head", 200),
    ],
)
def test_record_payment_role_and_scope(world, api, username, expected):
    bill = _bill(world)
    response = api(world.users[username]).post("/payments", _pay(bill))
    assert response.status_code == expected, response.content
    bill.refresh_from_db()
    assert (bill.paid_amount == 500) == (expected == 200)
    if expected == 200:
        body = response.json()
        assert body["status"] == 2 and body["channel"] == 5 and body["balance"] == 0
        assert AuditEvent.objects.filter(
            action="bill.payment_manual", object_id=str(bill.psid)
        ).exists()


def test_partial_payment_and_bad_date_are_refused_clearly(world, api):
    bill = _bill(world)
    client = api(world.supervisor)
    partial = client.post("/payments", _pay(bill, paid_amount=100))
    assert partial.status_code == 200 and partial.json()["status"] == 1
    before_month = client.post("/payments", _pay(bill, paid_on="2025-10-01"))
    assert before_month.status_code == 422
    assert "before the bill month" in before_month.json()["detail"]


def test_stale_seen_is_409_and_nothing_is_written(world, api):
    bill = _bill(world)
    client = api(world.supervisor)
    seen = client.get(f"/bills/{bill.psid}").json()["seen"]
    # Someone else records a payment meanwhile.
    api(world.manager).post("/payments", _pay(bill, paid_amount=300))
    late = client.post("/payments", _pay(bill, seen=seen))
    assert late.status_code == 409
    assert "Someone else changed this bill" in late.json()["detail"]
    bill.refresh_from_db()
    assert bill.paid_amount == 300


def test_idempotency_key_makes_retries_safe(world, api):
    bill = _bill(world)
    client = api(world.supervisor)
    seen = client.get(f"/bills/{bill.psid}").json()["seen"]
    headers = {"HTTP_IDEMPOTENCY_KEY": "0b4d2c1e-retry-key-1"}
    first = client.client.post(
        "/api/v1/payments",
        _pay(bill, seen=seen),
        content_type="application/json",
        headers=client.headers,
        **headers,
    )
    # The phone lost the answer and sends the same request again (its `seen` is now stale).
    again = client.client.post(
        "/api/v1/payments",
        _pay(bill, seen=seen),
        content_type="application/json",
        headers=client.headers,
        **headers,
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(action="bill.payment_manual").count() == 1
    assert IdempotencyKey.objects.count() == 1
    # The same key for a different request is refused.
    other = client.client.post(
        "/api/v1/payments",
        _pay(bill, paid_amount=1),
        content_type="application/json",
        headers=client.headers,
        **headers,
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Bill.objects.get(pk=bill.pk).paid_amount == 500


def test_payments_list_filters_and_scope(world, api):
    paid_a = make_bill(make_unit(world.uc_a), NOV, paid=300, channel=5)
    make_bill(make_unit(world.uc_a), NOV)
    make_bill(make_unit(world.uc_c), NOV, paid=300, channel=5)
    body = api(world.supervisor).get("/payments", {"channel": "5"}).json()
    assert [b["psid"] for b in body["items"]] == [str(paid_a.psid)]
