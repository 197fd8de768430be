"""One due day: the bill settings HEAD edits give the due date of the printed bill, the public
lookup and its API, and the SMS ``{due_date}``; ``BILL_DUE_DAY`` only seeds them."""

import datetime as dt

import pypdfium2
import pytest
from django.core.cache import cache
from django.urls import reverse

from suthra.consumers.models import BillSettings
from suthra.core.models import AuditEvent
from suthra.sms import services as sms_services
from suthra.sms.models import Kind, SmsTemplate
from suthra.sms.selectors import plan
from suthra.testing import make_bill, make_unit

NOV = dt.date(2026, 11, 1)
BODY = "Dear {name}, Rs {amount} on PSID {psid} is due by {due_date}."


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _text(response) -> str:
    doc = pypdfium2.PdfDocument(b"".join(response.streaming_content))
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _save_due_day(client, day: int):
    return client.post(
        reverse("consumers:settings"),
        {
            "helpline": "042-111",
            "due_day": str(day),
            "late_charge": "0",
            "how_to_pay": "Pay at a bank.",
            "how_to_pay_ur": "بینک میں ادا کریں۔",
        },
    )


def _sms_sample(world) -> str:
    sms_services.templates_ensure()
    SmsTemplate.objects.filter(kind=Kind.DUE_REMINDER, language="en").update(body=BODY)
    campaign = sms_services.campaign_create(
        actor=world.manager,
        kind=Kind.DUE_REMINDER,
        language="en",
        city=world.lahore,
        uc=world.uc_a,
        month=NOV,
    )
    return plan(campaign, BODY).sample.text


def test_the_settings_page_moves_the_due_date_of_the_bill_and_the_sms(world, login, settings):
    settings.BILL_DUE_DAY = 20  # the starting value only
    unit = make_unit(world.uc_a, mobile="03001110001")
    bill = make_bill(unit, NOV, fee=400)
    client = login(world.head)

    # Before HEAD saves anything, both start from BILL_DUE_DAY.
    pdf = client.get(reverse("consumers:bill_pdf", args=[bill.psid]))
    assert "20 Nov 2026" in _text(pdf)
    assert "due by 20/11/2026" in _sms_sample(world)

    assert _save_due_day(client, 10).status_code == 302
    assert BillSettings.objects.get().due_day == 10
    audit = AuditEvent.objects.get(action="bills.settings")
    assert audit.changes["due_day"] == ["20", "10"]

    text = _text(client.get(reverse("consumers:bill_pdf", args=[bill.psid])))
    assert "10 Nov 2026" in text and "20 Nov 2026" not in text
    sample = _sms_sample(world)
    assert "due by 10/11/2026" in sample and "20/11" not in sample

    # The template editor's live sample uses the same day.
    template = SmsTemplate.objects.get(kind=Kind.DUE_REMINDER, language="en")
    editor = client.get(reverse("sms:template_edit", args=[template.pk])).content.decode()
    assert "10/11/2025" in editor and "20/11/2025" not in editor

    # BILL_DUE_DAY no longer counts once the row exists.
    settings.BILL_DUE_DAY = 25
    assert "due by 10/11/2026" in _sms_sample(world)


def test_lookup_and_api_follow_the_settings(world, client):
    BillSettings.objects.create(pk=1, due_day=7)
    unit = make_unit(world.uc_a)
    make_bill(unit, dt.date(2026, 10, 1), fee=300)
    bill = make_bill(unit, NOV, fee=300, arrears=300)

    page = client.get(reverse("consumers:lookup"), {"psid": str(bill.psid)}).content.decode()
    assert "7 November 2026" in page
    api = client.get("/api/v1/public/bill", {"psid": str(bill.psid)})
    assert api.status_code == 200 and api.json()["due_date"] == "2026-11-07"


@pytest.mark.django_db
def test_bill_due_day_is_only_a_starting_value(settings):
    settings.BILL_DUE_DAY = 12
    assert BillSettings.load().due_day == 12
    assert BillSettings.load().due_date(NOV) == dt.date(2026, 11, 12)
    settings.BILL_DUE_DAY = 31  # clamped: every month has the day
    assert BillSettings.load().due_day == 28
