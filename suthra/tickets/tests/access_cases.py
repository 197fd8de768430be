from django.core.files.base import ContentFile

from suthra.core.photos import photo_storage
from suthra.testing import make_unit
from suthra.testing.access import Case
from suthra.tickets.models import Ticket, TicketType


def _unit(world):
    return {"unit_pk": make_unit(world.uc_a).pk}


def _ticket(world, **extra):
    unit = make_unit(world.uc_a)
    ticket = Ticket.objects.create(
        unit=unit, reported_by=world.agent_a, type=TicketType.OTHER, description="x", **extra
    )
    return {"pk": ticket.pk}


def _ticket_with_photo(world):
    key = photo_storage().save("tickets/2025/01/" + "b" * 32 + ".jpg", ContentFile(b"\xff\xd8jpeg"))
    return _ticket(world, photo_key=key, thumb_key=key)


CASES = [
    Case("tickets:queue", "AGENT"),
    Case("tickets:new", "AGENT", obj=_unit),
    Case(
        "tickets:new",
        "AGENT",
        obj=_unit,
        method="post",
        data={"type": "9", "description": "Shop shut"},
        ok=(302,),
        note="raise",
    ),
    Case("tickets:detail", "AGENT", obj=_ticket),
    Case(
        "tickets:decide",
        "SUPERVISOR",
        obj=_ticket,
        method="post",
        data={"decision": "reject", "reason": "duplicate"},
        ok=(302,),
    ),
    Case("tickets:comment", "AGENT", obj=_ticket, method="post", data={"body": "hi"}, ok=(302,)),
    Case("tickets:photo", "AGENT", obj=_ticket_with_photo),
]
