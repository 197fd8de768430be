from suthra.core.access import Case
from suthra.core.testing import make_bill, make_unit


def _bill(world):
    import datetime as dt

    return {"psid": make_bill(make_unit(world.uc_a), dt.date(2026, 11, 1)).psid}


def _unit_with_bill(world):
    import datetime as dt

    unit = make_unit(world.uc_a)
    make_bill(unit, dt.date(2026, 11, 1))
    return {"pk": unit.pk}


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
]
