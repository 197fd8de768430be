"""Reads of import batches, scoped like the rows they touch.

A batch only ever writes rows inside its uploader's geography (the imports check every row
against it), but its page, error report and counts quote the file, which may name units of
other cities. So a batch is visible to its uploader, and to a reader whose geography covers the
uploader's whole geography: HEAD and all-cities managers see every batch, a Multan manager sees
the batches of Multan-only uploaders and not a Lahore manager's. Generated demo data (no
uploader) is province-wide. The uploader's *current* assignment decides.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.imports.models import ImportBatch


def batch_visible_q(actor: Any) -> models.Q:
    """The filter on ``ImportBatch`` for what ``actor`` may see (see the module docstring)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return models.Q(pk__in=[])
    if scope.sees_everything(actor):
        return models.Q()
    if actor.role == Role.AGENT:
        return models.Q(created_by=actor)
    cities = list(actor.cities.values_list("id", flat=True))
    links = Staff.cities.through.objects
    inside = links.filter(city_id__in=cities).values("staff_id")
    outside = links.exclude(city_id__in=cities).values("staff_id")
    covered = (
        models.Q(created_by__in=inside)
        & ~models.Q(created_by__in=outside)
        & ~models.Q(created_by__role=Role.HEAD)
    )
    return models.Q(created_by=actor) | covered


def batch_list(*, actor: Any) -> models.QuerySet[ImportBatch]:
    """Batches the actor may see, newest first. Callers check the role (MANAGER for the pages)."""
    return (
        ImportBatch.objects.select_related("created_by")
        .filter(batch_visible_q(actor))
        .order_by("-id")
    )


def batch_get(*, actor: Any, pk: Any) -> ImportBatch:
    """One batch the actor may see, else 404 (out of scope is not confirmed to exist)."""
    try:
        return batch_list(actor=actor).get(pk=int(pk))
    except (ImportBatch.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("Not found") from exc
