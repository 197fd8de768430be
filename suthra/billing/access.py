import datetime as dt

from suthra.billing.models import PaymentException
from suthra.core.access import Case
from suthra.core.testing import make_bill, make_unit
from suthra.imports.models import ImportBatch

NOV = dt.date(2025, 11, 1)


def _unit(world):
    return {"pk": make_unit(world.uc_a).pk}


def _bill(world):
    return {"psid": make_bill(make_unit(world.uc_a), NOV).psid}


def _exception(world):
    bill = make_bill(make_unit(world.uc_a), NOV)
    batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PAYMENTS, created_by=world.manager)
    exc = PaymentException.objects.create(
        batch=batch,
        row=2,
        kind=PaymentException.Kind.ALREADY_PAID,
        psid=bill.psid,
        bill=bill,
        paid_on=NOV,
        amount=300,
    )
    return {"pk": exc.pk}


def _uc(world):
    return {"pk": world.uc_a.pk}


CASES = [
    # The ledger check's discrepancies: the user's area; one UC is a 404 out of scope.
    Case("billing:ledger_check", "MANAGER"),
    Case("billing:ledger_check_uc", "MANAGER", obj=_uc),
    Case("billing:bills", "AGENT"),
    Case("billing:bills_export", "AGENT"),
    # Without a filter the bulk page sends the user back to the query tool.
    Case("billing:bulk", "SUPERVISOR", data={"month_from": "2025-11"}),
    Case("billing:payments", "SUPERVISOR"),
    Case("billing:exceptions", "SUPERVISOR"),
    Case("billing:ledger", "AGENT", obj=_unit),
    Case("billing:payment", "SUPERVISOR", obj=_bill),
    # An empty POST is a form error (400) for allowed users; 404 out of scope.
    Case("billing:payment", "SUPERVISOR", obj=_bill, method="post", ok=(400,)),
    Case(
        "billing:exception_resolve",
        "SUPERVISOR",
        obj=_exception,
        method="post",
        data={"resolution": "checked with bank"},
        ok=(302,),
    ),
]
