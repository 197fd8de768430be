"""Defaulter notices: the threshold per run, each notice recorded, the PDF, the unit page."""

import datetime as dt

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse

from suthra.consumers.models import Notice, NoticeBatch
from suthra.core.models import AuditEvent
from suthra.testing import make_bill, make_unit

SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (9, 10, 11))


@pytest.fixture
def units(world):
    """Three months unpaid, one month unpaid, and paid up — all in UC A."""
    three = make_unit(world.uc_a)
    make_bill(three, SEP, fee=300)
    make_bill(three, OCT, fee=300, arrears=300)
    make_bill(three, NOV, fee=300, arrears=600)
    one = make_unit(world.uc_a)
    make_bill(one, OCT, fee=1000, paid=1000, paid_on=OCT)
    make_bill(one, NOV, fee=1000)
    paid = make_unit(world.uc_a)
    make_bill(paid, NOV, fee=300, paid=300, paid_on=NOV)
    return three, one, paid


def _run(client, world, **data):
    return client.post(
        reverse("consumers:notices"), {"uc": world.uc_a.id, "deadline": "2026-12-15", **data}
    )


def test_months_threshold_picks_the_long_defaulters(world, login, units):
    three, one, _paid = units
    response = _run(login(world.manager), world, min_months=2)
    assert response.status_code == 302
    batch = NoticeBatch.objects.get()
    notice = Notice.objects.get()
    assert batch.notices == 1 and notice.unit == three and notice.amount == 900
    assert notice.months == ["2026-09-01", "2026-10-01", "2026-11-01"]
    assert notice.issued_by == world.manager and notice.batch == batch
    assert AuditEvent.objects.filter(action="notices.issue", object_id=str(batch.pk)).exists()


def test_amount_threshold(world, login, units):
    three, one, _paid = units
    _run(login(world.manager), world, min_amount=800)
    assert {n.unit for n in Notice.objects.all()} == {three, one}


def test_a_threshold_is_required_and_scope_holds(world, login, units):
    assert _run(login(world.manager), world).status_code == 400
    assert _run(login(world.manager_multan), world, min_months=1).status_code == 404
    assert _run(login(world.supervisor), world, min_months=1).status_code == 403
    assert not Notice.objects.exists()


def test_notice_pdf_scans_and_shows_on_the_unit_page(world, login, units):
    three = units[0]
    client = login(world.manager)
    _run(client, world, min_months=3)
    batch = NoticeBatch.objects.get()
    response = client.get(reverse("consumers:notice_batch_pdf", args=[batch.pk]))
    data = b"".join(response.streaming_content)
    page = pypdfium2.PdfDocument(data)[0]
    text = page.get_textpage().get_text_range()
    assert "DEFAULTER NOTICE" in text and "Rs 900" in text and "15 Dec 2026" in text
    psid = str(three.bills.get(month=NOV).psid)
    assert psid in {r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())}
    unit_page = login(world.agent_a).get(reverse("units:detail", args=[three.pk]))
    assert b'id="notices"' in unit_page.content and b"Rs 900" in unit_page.content
    other = login(world.agent_b).get(reverse("consumers:notice_batch_pdf", args=[batch.pk]))
    assert other.status_code == 403
