import datetime as dt

from suthra.billing.models import PaymentChannel
from suthra.cash.models import CashReceipt, HandOver, HandOverMethod
from suthra.core.months import current_month
from suthra.testing import make_bill, make_unit
from suthra.testing.access import Case


def _unit(world):
    unit = make_unit(world.uc_a)
    make_bill(unit, current_month())
    return {"unit_pk": unit.pk}


def _receipt(world, **extra):
    unit = make_unit(world.uc_a)
    bill = make_bill(unit, current_month(), paid=100, channel=PaymentChannel.CASH_FIELD)
    n = CashReceipt.objects.count() + 1
    receipt = CashReceipt.objects.create(
        number=f"LAH-9999-{n:06d}",
        collector=world.agent_a,
        unit=unit,
        uc=world.uc_a,
        bill=bill,
        month=bill.month,
        amount=100,
        collected_at=dt.datetime.now(dt.UTC),
        **extra,
    )
    return receipt


def _receipt_pk(world):
    return {"pk": _receipt(world).pk}


def _handover(world):
    handover = HandOver.objects.create(
        collector=world.agent_a, method=HandOverMethod.SUPERVISOR, amount=100, receipts_count=1
    )
    _receipt(world, handover=handover)
    return {"pk": handover.pk}


CASES = [
    # Everyone has a cash book (their own; managers' is empty).
    Case("cash:book", "AGENT"),
    # The form opens for every role in scope; only agents and supervisors may submit it.
    Case("cash:collect", "AGENT", obj=_unit),
    Case("cash:receipt", "AGENT", obj=_receipt_pk),
    Case("cash:receipt_print", "AGENT", obj=_receipt_pk, data={"size": "58"}),
    Case(
        "cash:receipt_cancel",
        "SUPERVISOR",
        obj=_receipt_pk,
        method="post",
        data={"reason": "typed twice"},
        ok=(302,),
    ),
    # Managers and the head do not collect cash: 403 for them (tests check agents get 200).
    Case("cash:blocks", "AGENT", method="post", ok=(200, 403)),
    Case("cash:handover_new", "AGENT", method="post", data={"method": "1"}, ok=(302, 403)),
    Case("cash:handovers", "SUPERVISOR"),
    Case(
        "cash:handover_confirm",
        "SUPERVISOR",
        obj=_handover,
        method="post",
        data={"received_amount": "100"},
        ok=(302,),
    ),
    # No slip photo on this hand-over: 404 even in scope.
    Case("cash:handover_slip", "SUPERVISOR", obj=_handover, ok=(404,)),
    Case("cash:report", "SUPERVISOR"),
    Case("cash:report", "SUPERVISOR", data={"format": "csv"}, note="csv"),
]
