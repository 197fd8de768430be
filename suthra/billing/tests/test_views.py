"""Bill query tool, payments page, ledger, manual payment (no lost update) and bulk update."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from suthra.billing import services
from suthra.billing.models import Bill, BillStatus
from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)


@pytest.fixture
def data(world):
    a = [make_unit(world.uc_a, survey_id=f"SP-A-{i}") for i in range(3)]
    b = make_unit(world.uc_b, survey_id="SP-B-1")
    c = make_unit(world.uc_c, survey_id="SP-C-1")
    return {
        "a0_oct": make_bill(a[0], OCT, fee=300, paid=300, paid_on=dt.date(2025, 10, 12)),
        "a0_nov": make_bill(a[0], NOV, fee=300),
        "a1_nov": make_bill(a[1], NOV, fee=1000, arrears=1000),
        "a2_nov": make_bill(a[2], NOV, fee=300, paid=100, paid_on=dt.date(2025, 11, 5)),
        "b_nov": make_bill(b, NOV, fee=300),
        "c_nov": make_bill(c, NOV, fee=300, paid=300, paid_on=dt.date(2025, 11, 6)),
        "units": a,
    }


def psids(response):
    return {b.psid for b in response.context["page"].items}


@pytest.mark.django_db
def test_bill_query_is_scoped(world, data, login):
    agent = login(world.agent_a).get(reverse("billing:bills"))
    assert psids(agent) == {data[k].psid for k in ("a0_oct", "a0_nov", "a1_nov", "a2_nov")}
    head = login(world.head).get(reverse("billing:bills"))
    assert len(psids(head)) == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"month_from": "2025-11"}, {"a0_nov", "a1_nov", "a2_nov", "b_nov", "c_nov"}),
        ({"month_to": "2025-10"}, {"a0_oct"}),
        ({"status": "1"}, {"a2_nov"}),
        ({"status": "2"}, {"a0_oct", "c_nov"}),
        # The words people type, as well as the codes (issue 19).
        ({"status": "partial"}, {"a2_nov"}),
        ({"status": "Paid"}, {"a0_oct", "c_nov"}),
        ({"status": "unpaid", "month_from": "2025-11"}, {"a0_nov", "a1_nov", "b_nov"}),
        ({"status": "0", "month_from": "2025-11"}, {"a0_nov", "a1_nov", "b_nov"}),
        ({"uc": "UC_B"}, {"b_nov"}),
        ({"city": "MULTAN"}, {"c_nov"}),
        ({"due_min": "1000"}, {"a1_nov"}),
        ({"due_max": "300", "month_from": "2025-11", "status": "0"}, {"a0_nov", "b_nov"}),
        ({"paid_from": "2025-11-01", "paid_to": "2025-11-05"}, {"a2_nov"}),
        ({"psid": "A1"}, {"a1_nov"}),
    ],
)
def test_bill_query_filters(world, data, login, query, expected):
    values = {"UC_B": world.uc_b.pk, "MULTAN": world.multan.pk, "A1": data["a1_nov"].psid}
    query = {k: str(values.get(v, v)) for k, v in query.items()}
    response = login(world.head).get(reverse("billing:bills"), query)
    assert response.status_code == 200
    assert psids(response) == {data[k].psid for k in expected}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"month_from": "Nov"}, {"status": "9"}, {"due_min": "-1"}, {"psid": "abc"}, {"cursor": "!!"}],
)
def test_bad_filters_are_400(world, login, query):
    assert login(world.head).get(reverse("billing:bills"), query).status_code == 400


@pytest.mark.django_db
def test_a_bad_filter_is_explained_by_the_fields_label_in_the_readers_language(world, login):
    client = login(world.head)
    english = client.get(reverse("billing:bills"), {"month_from": "0000-13"}).content.decode()
    assert "This filter is not valid" in english and "From month" in english
    client.post("/language/", {"language": "ur", "next": "/"})
    urdu = client.get(reverse("billing:bills"), {"month_from": "0000-13"}).content.decode()
    assert "This filter is not valid" not in urdu and "یہ فلٹر درست نہیں" in urdu


@pytest.mark.django_db
def test_bill_query_pages_with_a_keyset_and_few_queries(
    world, login, django_assert_max_num_queries
):
    unit = make_unit(world.uc_a)
    for i in range(60):
        make_bill(unit, dt.date(2020 + i // 12, i % 12 + 1, 1))
    client = login(world.agent_a)
    client.get(reverse("billing:bills"))  # warm the session
    with django_assert_max_num_queries(8):
        first = client.get(reverse("billing:bills"), {"size": "25"})
    page = first.context["page"]
    assert len(page.items) == 25 and page.next_url
    second = client.get(reverse("billing:bills") + page.next_url)
    assert not psids(first) & psids(second)


@pytest.mark.django_db
def test_export_is_scoped_csv(world, data, login):
    response = login(world.agent_a).get(reverse("billing:bills_export"), {"month_from": "2025-11"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("psid,bill_month,survey_id")
    assert len(lines) == 4 and "SP-B-1" not in text
    rows = {r["psid"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[str(data["a0_nov"].psid)]["status"] == "Unpaid"
    assert rows[str(data["a2_nov"].psid)]["status"] == "Partly paid"
    assert rows[str(data["a2_nov"].psid)]["paid_amount"] == "100"
    assert rows[str(data["a1_nov"].psid)]["amount_due"] == "2000"


@pytest.mark.django_db
def test_payments_page_shows_collection(world, data, login):
    response = login(world.supervisor).get(
        reverse("billing:payments"), {"paid_from": "2025-10-01", "paid_to": "2025-11-30"}
    )
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["total"] == 400 and summary["count"] == 2  # Multan's payment is out of scope
    assert [d["paid_on"] for d in summary["per_day"]] == [
        dt.date(2025, 10, 12),
        dt.date(2025, 11, 5),
    ]


@pytest.mark.django_db
def test_ledger_running_balance(world, data, login):
    unit = data["units"][0]
    response = login(world.agent_a).get(reverse("billing:ledger", kwargs={"pk": unit.pk}))
    rows = response.context["rows"]
    assert [(r["month"], r["balance"]) for r in rows] == [(OCT, 0), (NOV, 300)]
    assert (
        login(world.agent_b).get(reverse("billing:ledger", kwargs={"pk": unit.pk})).status_code
        == 404
    )


@pytest.mark.django_db
def test_manual_payment_needs_a_reason_and_is_audited(world, data, login):
    bill = data["a0_nov"]
    client = login(world.supervisor)
    url = reverse("billing:payment", kwargs={"psid": bill.psid})
    seen = client.get(url).context["form"].initial["seen"]
    no_reason = client.post(
        url, {"paid_amount": 300, "paid_on": "2025-11-10", "channel": 1, "seen": seen}
    )
    assert no_reason.status_code == 400
    ok = client.post(
        url,
        {
            "paid_amount": 300,
            "paid_on": "2025-11-10",
            "channel": 1,
            "seen": seen,
            "reason": "receipt 55",
        },
    )
    assert ok.status_code == 302
    bill.refresh_from_db()
    assert (bill.status, bill.paid_amount, bill.paid_on) == (
        BillStatus.PAID,
        300,
        dt.date(2025, 11, 10),
    )
    event = AuditEvent.objects.get(action="bill.payment_manual")
    assert event.changes["status"] == [0, 2] and event.changes["reason"] == "receipt 55"
    assert event.changes["paid_amount"] == [0, 300]


@pytest.mark.django_db
def test_manual_payment_partial_and_cleared(world, data, login):
    bill = data["a1_nov"]  # Rs 2,000 due
    actor = world.supervisor
    services.bill_payment_record(
        actor=actor,
        psid=bill.psid,
        paid_amount=500,
        paid_on=dt.date(2025, 11, 3),
        channel=0,
        reason="part payment",
        seen=services.seen_token(bill),
    )
    bill.refresh_from_db()
    assert (bill.status, bill.paid_amount, bill.channel) == (BillStatus.PARTIAL, 500, 9)
    page = login(actor).get(reverse("billing:payment", kwargs={"psid": bill.psid}))
    assert b"status-1" in page.content
    services.bill_payment_record(
        actor=actor,
        psid=bill.psid,
        paid_amount=0,
        paid_on=None,
        channel=1,
        reason="bounced",
        seen=services.seen_token(bill),
    )
    bill.refresh_from_db()
    assert (bill.status, bill.paid_amount, bill.paid_on, bill.channel) == (0, 0, None, 0)
    events = AuditEvent.objects.filter(action="bill.payment_manual").order_by("id")
    assert [e.changes["status"] for e in events] == [[0, 1], [1, 0]]


@pytest.mark.django_db
def test_a_changed_fee_makes_the_form_stale(world, data):
    """The status follows from the fee and arrears too: a changed amount due is a change."""
    bill = data["a2_nov"]
    seen = services.seen_token(bill)
    Bill.objects.filter(pk=bill.pk).update(arrears=500)
    with pytest.raises(services.StaleBill):
        services.bill_payment_record(
            actor=world.manager,
            psid=bill.psid,
            paid_amount=300,
            paid_on=dt.date(2025, 11, 9),
            channel=1,
            reason="receipt",
            seen=seen,
        )


@pytest.mark.django_db
def test_second_writer_gets_a_clear_message_and_no_lost_update(world, data, login):
    bill = data["a0_nov"]
    url = reverse("billing:payment", kwargs={"psid": bill.psid})
    first, second = login(world.supervisor), None
    seen = first.get(url).context["form"].initial["seen"]
    # Someone else records a payment after the form was opened.
    services.bill_payment_record(
        actor=world.manager,
        psid=bill.psid,
        paid_amount=300,
        paid_on=dt.date(2025, 11, 9),
        channel=5,
        reason="wallet slip",
        seen=seen,
    )
    second = first.post(
        url,
        {
            "paid_amount": 100,
            "paid_on": "2025-11-10",
            "channel": 1,
            "seen": seen,
            "reason": "x y z",
        },
    )
    assert second.status_code == 409
    assert b"Someone else changed this bill" in second.content
    bill.refresh_from_db()
    assert (bill.paid_amount, bill.paid_on) == (300, dt.date(2025, 11, 9))


@pytest.mark.django_db
def test_payment_page_is_for_supervisors_in_scope(world, data, login):
    url = reverse("billing:payment", kwargs={"psid": data["a0_nov"].psid})
    assert login(world.agent_a).get(url).status_code == 403
    assert login(world.supervisor_multan).get(url).status_code == 404


@pytest.mark.django_db
def test_bulk_update_shows_count_and_sample(world, data, login):
    preview = login(world.supervisor).get(reverse("billing:bulk") + "?month_from=2025-11&status=0")
    assert preview.context["count"] == 3  # a0_nov, a1_nov, b_nov (all Lahore)
    assert len(preview.context["sample"]) == 3
    assert b"Update 3 bills" in preview.content


@pytest.mark.django_db
def test_bulk_update_confirms_the_count(world, data, login):
    client = login(world.manager)
    url = reverse("billing:bulk") + "?month_from=2025-11&status=0"
    count = client.get(url).context["count"]
    assert count == 3  # a0_nov, a1_nov, b_nov
    wrong = client.post(
        url,
        {
            "action": "paid",
            "paid_on": "2025-11-20",
            "channel": 1,
            "reason": "bank list",
            "expected": 2,
        },
    )
    assert wrong.status_code == 409 and b"selection changed" in wrong.content
    assert not Bill.objects.filter(paid_on=dt.date(2025, 11, 20)).exists()
    ok = client.post(
        url,
        {
            "action": "paid",
            "paid_on": "2025-11-20",
            "channel": 1,
            "reason": "bank list",
            "expected": 3,
        },
    )
    assert ok.status_code == 302
    paid = Bill.objects.filter(paid_on=dt.date(2025, 11, 20))
    assert paid.count() == 3 and all(b.paid_amount == b.amount_due for b in paid)
    assert AuditEvent.objects.filter(action="bill.bulk_status").count() == 3


@pytest.mark.django_db
def test_bulk_unpaid_clears_payments_and_audits_the_status(world, data, login):
    client = login(world.manager)
    url = reverse("billing:bulk") + "?month_from=2025-11&city=" + str(world.uc_a.city_id)
    count = client.get(url).context["count"]
    assert count == 4  # a0_nov, a1_nov, a2_nov (partly paid), b_nov
    ok = client.post(url, {"action": "unpaid", "reason": "bank reversal", "expected": count})
    assert ok.status_code == 302
    bill = Bill.objects.get(pk=data["a2_nov"].pk)
    assert (bill.status, bill.paid_amount, bill.paid_on, bill.channel) == (0, 0, None, 0)
    event = AuditEvent.objects.get(action="bill.bulk_status")  # only a2_nov was paid
    assert event.changes["status"] == [1, 0] and event.changes["paid_amount"] == [100, 0]
    assert Bill.objects.get(pk=data["c_nov"].pk).status == BillStatus.PAID  # Multan: untouched


@pytest.mark.django_db
def test_bulk_paid_completes_partial_payments_and_skips_nothing_due(world, data):
    from suthra.billing.selectors import bill_query

    free = make_bill(make_unit(world.uc_a), NOV, fee=0)  # an exempt unit: nothing due
    selection = bill_query(actor=world.manager, filters={"uc": world.uc_a.pk, "month_from": NOV})
    result = services.bills_bulk_status(
        actor=world.manager,
        selection=selection,
        action="paid",
        expected=4,
        reason="bank list",
        paid_on=dt.date(2025, 11, 20),
        channel=2,
    )
    assert result == {"selected": 4, "changed": 3, "skipped": 1}
    free.refresh_from_db()
    assert (free.status, free.paid_amount, free.paid_on) == (BillStatus.UNPAID, 0, None)
    partial = Bill.objects.get(pk=data["a2_nov"].pk)
    assert (partial.status, partial.paid_amount, partial.channel) == (BillStatus.PAID, 300, 2)
    changes = {e.object_id: e.changes for e in AuditEvent.objects.filter(action="bill.bulk_status")}
    assert changes[str(partial.psid)]["status"] == [1, 2]
    assert changes[str(data["a1_nov"].psid)]["paid_amount"] == [0, 2000]


@pytest.mark.django_db
def test_bulk_requires_a_filter_and_scope_limits_it(world, data, login):
    client = login(world.supervisor_multan)
    assert client.get(reverse("billing:bulk")).status_code == 302
    preview = client.get(reverse("billing:bulk") + "?month_from=2025-11")
    assert preview.context["count"] == 1  # only Multan's bill


@pytest.mark.django_db
def test_list_pages_do_not_grow_queries_with_rows(
    world, data, login, django_assert_max_num_queries
):
    from suthra.imports.models import ImportBatch

    for i in range(5):
        ImportBatch.objects.create(kind="BILLS", created_by=world.manager, file_name=f"f{i}.csv")
    client = login(world.head)
    client.get(reverse("imports:list"))  # warm the session
    with django_assert_max_num_queries(8):
        assert client.get(reverse("imports:list")).status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("billing:payments"), {"paid_from": "2025-10-01", "paid_to": "2025-11-30"}
        )
    assert response.status_code == 200
