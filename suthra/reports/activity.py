"""The dashboard's activity feed: the latest visits, ticket decisions and imports in the
reader's area. It reads several apps, so it lives here at the top (reports), not in
notifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from suthra.imports.models import ImportBatch
from suthra.imports.selectors import batch_visible_q
from suthra.tickets.models import Ticket
from suthra.visits.models import ComplianceVisit


@dataclass(frozen=True)
class ActivityItem:
    at: dt.datetime
    kind: str  # "visit", "ticket", "import"
    text: str
    url: str


def activity_for(actor: Any, limit: int = 20) -> list[ActivityItem]:
    """Latest imports, ticket decisions and visits in the actor's scope, newest first.

    For the dashboard (any logged-in staff). At most three small queries.
    """
    if not getattr(actor, "is_authenticated", False):
        return []
    items: list[ActivityItem] = []
    visits = (
        ComplianceVisit.objects.select_related("unit", "staff").order_by("-id").visible_to(actor)
    )[:limit]
    for v in visits:
        items.append(
            ActivityItem(
                at=v.created_at,
                kind="visit",
                text=_("%(staff)s visited %(unit)s: %(outcome)s (%(status)s)")
                % {
                    "staff": v.staff,
                    "unit": v.unit.survey_id,
                    "outcome": v.get_outcome_display(),
                    "status": v.get_status_display(),
                },
                url=reverse("visits:detail", args=[v.pk]),
            )
        )
    decided = (
        Ticket.objects.select_related("unit", "decided_by")
        .filter(decided_at__isnull=False)
        .order_by("-decided_at")
        .visible_to(actor)
    )[:limit]
    for t in decided:
        assert t.decided_at is not None
        items.append(
            ActivityItem(
                at=t.decided_at,
                kind="ticket",
                text=_("Ticket #%(id)s (%(type)s, %(unit)s) %(status)s by %(staff)s")
                % {
                    "id": t.pk,
                    "type": t.get_type_display(),
                    "unit": t.unit.survey_id,
                    "status": str(t.get_status_display()).lower(),
                    "staff": t.decided_by,
                },
                url=reverse("tickets:detail", args=[t.pk]),
            )
        )
    # Imports are province-wide; they concern supervisors and above.
    if actor.at_least("SUPERVISOR"):
        batches = ImportBatch.objects.filter(
            batch_visible_q(actor), finished_at__isnull=False
        ).only("id", "kind", "status", "file_name", "finished_at")
        batches = batches.order_by("-id")[:limit]
        for b in batches:
            assert b.finished_at is not None
            items.append(
                ActivityItem(
                    at=b.finished_at,
                    kind="import",
                    text=_("Import #%(id)s (%(kind)s) %(status)s: %(file)s")
                    % {
                        "id": b.pk,
                        "kind": b.get_kind_display(),
                        "status": b.get_status_display(),
                        "file": b.file_name,
                    },
                    url="",
                )
            )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
