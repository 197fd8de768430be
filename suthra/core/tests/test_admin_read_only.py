"""The Django admin never writes money, status or scope: those rows are read-only there, so every
change goes through the services that require a reason and write an audit event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin

from suthra.billing.models import Bill
from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit
from suthra.tickets.models import Ticket
from suthra.units.models import SurveyUnit
from suthra.visits.models import ComplianceVisit

READ_ONLY = [Bill, SurveyUnit, ImportBatch, Ticket, ComplianceVisit]


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_money_and_field_models_offer_no_add_change_or_delete(rf, world, model):
    request = rf.get("/admin/")
    request.user = world.head
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
def test_admin_post_that_changes_a_bill_is_refused_and_changes_nothing(login, world):
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, dt.date(2026, 11, 1), fee=300, arrears=200)
    client = login(world.head)
    url = f"/admin/billing/bill/{bill.psid}/change/"
    response = client.post(
        url,
        {
            "unit": unit.pk,
            "month": "2026-11-01",
            "monthly_fee": 300,
            "arrears": 200,
            "paid_amount": 500,
            "paid_on": "2026-11-20",
        },
    )
    assert response.status_code == 403
    bill.refresh_from_db()
    assert bill.paid_amount == 0
    assert bill.paid_on is None
    # The add and delete pages are refused too; the change page is a read-only view.
    assert client.get("/admin/billing/bill/add/").status_code == 403
    assert (
        client.post(f"/admin/billing/bill/{bill.psid}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Bill.objects.filter(pk=bill.pk).exists()
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="paid_amount"' not in page.content
