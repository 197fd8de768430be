"""A printed bill: its PSID, barcode and QR code read back from the rendered page."""

import datetime as dt

import pypdfium2
import pytest
import zxingcpp
from django.urls import reverse

from suthra.consumers import printing, selectors
from suthra.consumers.models import BillSettings
from suthra.testing import make_bill, make_unit

NOV, OCT, SEP, AUG = (dt.date(2026, m, 1) for m in (11, 10, 9, 8))


def _codes(data: bytes, page: int = 0) -> list[tuple[str, str]]:
    doc = pypdfium2.PdfDocument(data)
    image = doc[page].render(scale=3).to_pil()
    return [(str(r.format), r.text) for r in zxingcpp.read_barcodes(image)]


def _text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.mark.django_db
def test_unit_page_pdf_decodes_to_the_psid_and_lookup_url(world, login):
    unit = make_unit(world.uc_a, billing_name="Muhammad Aslam")
    make_bill(unit, SEP, fee=300, arrears=0)
    make_bill(unit, OCT, fee=300, arrears=300)
    bill = make_bill(unit, NOV, fee=300, arrears=600, psid=12345678901234567)
    response = login(world.agent_a).get(reverse("consumers:unit_bill_pdf", args=[unit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    codes = _codes(data)
    assert ("Code128", str(bill.psid)) in [(f.replace(" ", ""), t) for f, t in codes]
    qr = [t for f, t in codes if "QR" in f]
    assert qr == [f"http://testserver/bill/?psid={bill.psid}"]
    text = _text(data)
    assert "Muhammad Aslam" in text and "UC-Ravi" in text and "Rs 900" in text
    assert "Sep 2026 – Oct 2026 (2)" in text  # the months the arrears come from
    assert "Rupees nine hundred only" in text
    assert "15 Nov 2026" in text  # the default due day


@pytest.mark.django_db
def test_settings_change_the_bill(world, login):
    BillSettings.objects.create(pk=1, helpline="042-99999", due_day=10, late_charge=75)
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, NOV, fee=400)
    response = login(world.manager).get(
        reverse("consumers:bill_pdf", args=[bill.psid]), {"layout": "a5"}
    )
    text = _text(b"".join(response.streaming_content))
    assert "042-99999" in text and "10 Nov 2026" in text
    assert "Rs 475" in text  # after the due date


@pytest.mark.django_db
def test_out_of_scope_bill_is_a_404(world, login):
    bill = make_bill(make_unit(world.uc_a), NOV)
    response = login(world.agent_b).get(reverse("consumers:bill_pdf", args=[bill.psid]))
    assert response.status_code == 404


def test_arrears_months_stop_at_a_paid_bill():
    history = [(OCT, 300, 300, 0), (SEP, 300, 0, 0), (AUG, 300, 0, 300)]
    assert selectors.arrears_months(NOV, 900, history) == ([OCT, SEP], False)
    assert selectors.arrears_months(NOV, 0, history) == ([], False)
    # Back to the end of what is known: "and earlier".
    assert selectors.arrears_months(NOV, 900, [(OCT, 300, 600, 0)]) == ([OCT], True)


def test_three_bills_a_page_each_scans():
    texts = printing.Texts("0800", "Pay at a bank.", "بینک میں ادا کریں۔", dt.date(2026, 11, 3))
    sheets = [
        printing.Sheet(
            psid=10_000_000_000_000_000 + i,
            name="A B",
            address="",
            survey_id="S",
            uc="U",
            city="C",
            business="Barber",
            business_ur="حجام",
            size="Small",
            size_code=1,
            month=NOV,
            fee=300,
            arrears=0,
            arrears_months=[],
            arrears_more=False,
            due_date=NOV.replace(day=15),
            late_charge=0,
            lookup_url=f"https://x.pk/bill/?psid={10_000_000_000_000_000 + i}",
        )
        for i in range(4)
    ]
    data = printing.render(sheets, layout="a4-3", texts=texts)
    assert len(pypdfium2.PdfDocument(data)) == 2
    first = {t for _f, t in _codes(data, 0)}
    assert {str(10_000_000_000_000_000 + i) for i in range(3)} <= first
    assert {f"https://x.pk/bill/?psid={10_000_000_000_000_000 + i}" for i in range(3)} <= first


@pytest.mark.django_db
def test_the_english_side_stays_english_for_an_urdu_reader(world, login):
    world.agent_a.language = "ur"
    world.agent_a.save()
    BillSettings.objects.create(pk=1, helpline="0800-78847")
    unit = make_unit(world.uc_a)
    make_bill(unit, NOV, fee=300)
    response = login(world.agent_a).get(reverse("consumers:unit_bill_pdf", args=[unit.pk]))
    text = _text(b"".join(response.streaming_content))
    # The size's English word on the English side, its Urdu word beside it (not twice Urdu).
    assert "Small چھوٹا" in text and "چھوٹا چھوٹا" not in text
    assert "0800-78847 :Helpline" in text


@pytest.mark.django_db
def test_the_bill_list_and_the_ledger_link_each_bills_pdf(world, login):
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, NOV, fee=300)
    client = login(world.agent_a)
    url = reverse("consumers:bill_pdf", args=[bill.psid])
    assert url in client.get(reverse("billing:bills")).content.decode()
    assert url in client.get(reverse("billing:ledger", args=[unit.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
