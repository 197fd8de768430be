from suthra.testing import make_bill, make_unit
from suthra.testing.access import Case


def _bill(world):
    import datetime as dt

    return {"psid": make_bill(make_unit(world.uc_a), dt.date(2026, 11, 1)).psid}


def _unit_with_bill(world):
    import datetime as dt

    unit = make_unit(world.uc_a)
    make_bill(unit, dt.date(2026, 11, 1))
    return {"pk": unit.pk}


def _uc_query(world):
    return {"uc": world.uc_a.id}


def _notice(world):
    import datetime as dt

    from suthra.consumers.models import Notice, NoticeBatch

    unit = make_unit(world.uc_a)
    bill = make_bill(unit, dt.date(2026, 11, 1))
    batch = NoticeBatch.objects.create(
        created_by=world.head, deadline=dt.date(2026, 12, 15), notices=1
    )
    notice = Notice.objects.create(
        batch=batch,
        unit=unit,
        psid=bill.psid,
        issued_on=dt.date(2026, 11, 20),
        amount=300,
        months=["2026-11-01"],
        deadline=dt.date(2026, 12, 15),
        issued_by=world.head,
    )
    return {"pk": notice.pk, "_batch": batch.pk}


def _batch(world):
    return {"pk": _notice(world)["_batch"]}


def _one_notice(world):
    return {"pk": _notice(world)["pk"]}


CASES = [
    Case("consumers:bill_pdf", "AGENT", obj=_bill),
    Case("consumers:unit_bill_pdf", "AGENT", obj=_unit_with_bill),
    Case("consumers:settings", "HEAD"),
    Case(
        "consumers:settings",
        "HEAD",
        method="post",
        data={
            "helpline": "042-111",
            "due_day": "10",
            "late_charge": "0",
            "how_to_pay": "x",
            "how_to_pay_ur": "y",
        },
        ok=(302,),
        note="post",
    ),
    # Public: no login; an unknown PSID is the same page for everyone.
    Case("consumers:lookup", "PUBLIC"),
    Case("consumers:lookup", "PUBLIC", data={"psid": "123456789"}, note="unknown"),
    Case("consumers:lookup_pdf", "PUBLIC", data={"psid": "987654321"}, ok=(404,), note="unknown"),
    # Notices for UC A: out of scope is a 404 (the UC, or a batch with none of its notices).
    Case("consumers:notices", "MANAGER", obj=lambda w: {}, data=_uc_query),
    Case("consumers:notice_batch", "MANAGER", obj=_batch),
    Case("consumers:notice_batch_pdf", "MANAGER", obj=_batch),
    Case("consumers:notice_pdf", "AGENT", obj=_one_notice),
]
