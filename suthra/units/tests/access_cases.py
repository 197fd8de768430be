"""The units app's URLs in the access matrix (see suthra/testing/access.py)."""

from __future__ import annotations

from typing import Any

from suthra.testing import make_unit
from suthra.testing.access import Case


def _unit(world: Any) -> dict[str, Any]:
    return {"pk": make_unit(world.uc_a).pk}


def _unit_with_photo(world: Any) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from suthra.core.photos import photo_storage

    key = photo_storage().save(
        "units/2025/01/" + "a" * 32 + ".jpg", ContentFile(b"\xff\xd8\xff\xe0 not-really-a-jpeg")
    )
    return {"pk": make_unit(world.uc_a, photo_ref=key).pk}


def _uc(world: Any) -> dict[str, Any]:
    return {"uc": world.uc_a.pk}


CASES = [
    Case("units:browse", "AGENT"),
    Case("units:uc_options", "AGENT", data=lambda w: {"city": w.lahore.pk}),
    Case("units:detail", "AGENT", obj=_unit),
    Case("units:photo", "AGENT", obj=_unit_with_photo),
    Case("units:edit_billing", "SUPERVISOR", obj=_unit),
    Case(
        "units:edit_billing",
        "SUPERVISOR",
        obj=_unit,
        method="post",
        data={"billing_name": "New Name", "billing_mobile": "+92 300 7654321"},
        ok=(302,),
    ),
    Case(
        "units:set_active",
        "SUPERVISOR",
        obj=_unit,
        method="post",
        data={"active": "0", "reason": "Shop closed"},
        ok=(302,),
    ),
    Case("units:bulk", "SUPERVISOR", obj=_uc),
    Case(
        "units:bulk",
        "SUPERVISOR",
        obj=_uc,
        method="post",
        data={"active": "0", "reason": "Market demolished"},
    ),
    Case("units:map", "AGENT", obj=_uc),
    Case("units:map_points", "AGENT", obj=_uc, data={"bbox": "30,70,32,76"}),
]
