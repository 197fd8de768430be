import datetime as dt

from suthra.billing.models import Adjustment, AdjustmentKind, AdjustmentReason, PaymentException
from suthra.imports.models import ImportBatch
from suthra.testing import make_bill, make_unit
from suthra.testing.access import Case

NOV = dt.date(2025, 11, 1)


def _unit(world):
    return {"pk": make_unit(world.uc_a).pk}


def _bill(world):
    return {"psid": make_bill(make_unit(world.uc_a), NOV).psid}


def _bill_with_arrears(world):
    return {"psid": make_bill(make_unit(world.uc_a), NOV, fee=300, arrears=600).psid}


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


def _adjustment(world, **extra):
    # Requested by the Lahore supervisor: every in-scope manager and head may decide it.
    bill = make_bill(make_unit(world.uc_a), NOV, fee=300, arrears=600)
    adjustment = Adjustment.objects.create(
        bill_id=bill.psid,
        unit_id=bill.unit_id,
        month=bill.month,
        kind=AdjustmentKind.WAIVER,
        reason=AdjustmentReason.HARDSHIP,
        note="hardship",
        amount=600,
        new_fee=300,
        new_arrears=0,
        requested_by=world.supervisor,
        **extra,
    )
    return {"pk": adjustment.pk}


def _adjustment_with_proof(world):
    from django.core.files.base import ContentFile

    from suthra.core.photos import photo_storage

    key = photo_storage().save(
        "adjustments/2025/11/" + "c" * 32 + ".pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")
    )
    return _adjustment(world, proof_key=key)


DECIDED = "a decision form always answers with a redirect (the message says what happened)"


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
    # Adjustments (maker–checker): supervisors request, managers (never the requester) decide.
    Case("billing:adjustments", "SUPERVISOR"),
    Case("billing:adjustments", "SUPERVISOR", data={"queue": "all"}, note="the area's"),
    Case("billing:adjustment", "SUPERVISOR", obj=_adjustment),
    Case("billing:adjustment_proof", "SUPERVISOR", obj=_adjustment_with_proof),
    Case("billing:adjustment_new", "SUPERVISOR", obj=_bill),
    # An empty POST is a form error (400) for allowed users; 404 out of scope.
    Case("billing:adjustment_new", "SUPERVISOR", obj=_bill, method="post", ok=(400,)),
    Case(
        "billing:adjustment_new",
        "SUPERVISOR",
        obj=_bill_with_arrears,
        method="post",
        data={"kind": "1", "new_fee": "300", "new_arrears": "0", "reason": "5", "note": "ok"},
        ok=(302, 400),
        note="the first allowed user's request is made (302); the next is refused (400): "
        "one request per bill waits at a time",
    ),
    Case("billing:adjustment_unit", "SUPERVISOR", obj=_unit, ok=(302,)),
    Case(
        "billing:adjustment_decide",
        "MANAGER",
        obj=_adjustment,
        method="post",
        data={"decision": "reject", "reason": "no proof"},
        ok=(302,),
        note=DECIDED,
    ),
]
