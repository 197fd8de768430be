"""Domain rows in UC A, UC B and UC C for the API tests (see suthra/testing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from suthra.cash.models import CashReceipt
from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit
from suthra.tickets.models import Ticket, TicketType
from suthra.visits.models import ComplianceVisit, VisitOutcome


@dataclass
class Rows:
    units: dict[str, Any]
    bills: dict[str, Any]
    tickets: dict[str, Any]
    visits: dict[str, Any]
    batch: ImportBatch
    receipts: dict[str, Any]


def make_rows(world: Any) -> Rows:
    units, bills, tickets, visits, receipts = {}, {}, {}, {}, {}
    for key, uc, agent in (
        ("a", world.uc_a, world.agent_a),
        ("b", world.uc_b, world.agent_b),
        ("c", world.uc_c, world.head),
    ):
        unit = make_unit(uc, consumer_name=f"Shopkeeper {key.upper()}")
        units[key] = unit
        make_bill(unit, dt.date(2025, 10, 1), paid=300)
        bills[key] = make_bill(unit, dt.date(2025, 11, 1), arrears=0)
        tickets[key] = Ticket.objects.create(
            unit=unit, reported_by=agent, type=TicketType.WRONG_BILL, description="fee too high"
        )
        visits[key] = ComplianceVisit.objects.create(
            staff=agent,
            unit=unit,
            visited_at=timezone.now(),
            outcome=VisitOutcome.PROMISED,
            lat=31.5,
            lon=74.3,
        )
        # Written straight (not through cash_collect) so the head in UC C has one too.
        receipts[key] = CashReceipt.objects.create(
            number=f"API-{key.upper()}-000001",
            collector=agent,
            unit=unit,
            uc=uc,
            bill=bills[key],
            month=bills[key].month,
            amount=100,
            collected_at=timezone.now(),
        )
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.BILLS, file_name="bills.csv", rows_total=10, rows_done=5
    )
    return Rows(
        units=units, bills=bills, tickets=tickets, visits=visits, batch=batch, receipts=receipts
    )
