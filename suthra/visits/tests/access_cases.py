from django.core.files.base import ContentFile

from suthra.core.photos import photo_storage
from suthra.testing import make_unit
from suthra.testing.access import Case
from suthra.visits.models import ComplianceVisit, VisitOutcome


def _unit(world):
    return {"unit_pk": make_unit(world.uc_a).pk}


def _visit(world, **extra):
    from django.utils import timezone

    visit = ComplianceVisit.objects.create(
        staff=world.agent_a,
        unit=make_unit(world.uc_a),
        visited_at=timezone.now(),
        outcome=VisitOutcome.PROMISED,
        **extra,
    )
    return {"pk": visit.pk}


def _visit_with_photo(world):
    key = photo_storage().save("visits/2025/01/" + "c" * 32 + ".jpg", ContentFile(b"\xff\xd8jpeg"))
    return _visit(world, photo_key=key, thumb_key=key)


CASES = [
    Case("visits:list", "AGENT"),
    Case("visits:worklist", "AGENT"),
    Case("visits:queue", "SUPERVISOR"),
    Case("visits:pick", "AGENT"),
    Case("visits:new", "AGENT", obj=_unit),
    # Without a photo the form is refused (400) — but only after the scope check (404).
    Case(
        "visits:new",
        "AGENT",
        obj=_unit,
        method="post",
        data={"outcome": "2"},
        ok=(400,),
        note="post",
    ),
    Case("visits:detail", "AGENT", obj=_visit),
    Case(
        "visits:decide",
        "SUPERVISOR",
        obj=_visit,
        method="post",
        data={"decision": "approve"},
        ok=(302,),
    ),
    Case("visits:photo", "AGENT", obj=_visit_with_photo),
]
