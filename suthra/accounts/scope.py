"""The ONE place geography is enforced.

It knows geography, not the domain: each scoped model's queryset (a ``ScopedQuerySet``)
declares its path to the union council once (``UC_PATH``: ``"uc"`` for units, ``"unit__uc"`` for
bills, tickets and visits), and ``Model.objects.visible_to(actor)`` limits it to the actor's union
councils. Views and API endpoints never name a UC path: they call one ``<kind>_get(actor=, ...)``
selector per kind (``unit_get``, ``bill_get``, ``ticket_get``, ``visit_get``) or a list selector
(test: suthra/core/tests/test_scope_getters.py). An object outside the scope is a 404 — never
confirm it exists.

- AGENT: their assigned UCs.
- SUPERVISOR: every UC of their assigned city.
- MANAGER: every UC of their assigned cities, or everything when no city is assigned.
- HEAD: everything.
- Inactive or anonymous actors: nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from suthra.accounts.models import Role
from suthra.locations.models import City, UnionCouncil

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_scope_uc_ids"


def uc_ids(actor: Any) -> frozenset[int] | None:
    """The actor's UC ids, or ``None`` meaning "every UC". Cached on the actor object."""
    if hasattr(actor, _CACHE_ATTR):
        cached: frozenset[int] | None = getattr(actor, _CACHE_ATTR)
        return cached
    result: frozenset[int] | None
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        result = frozenset()
    elif actor.role == Role.HEAD:
        result = None
    elif actor.role == Role.AGENT:
        result = frozenset(actor.ucs.values_list("id", flat=True))
    else:
        city_list = list(actor.cities.values_list("id", flat=True))
        if actor.role == Role.MANAGER and not city_list:
            result = None
        else:
            result = frozenset(
                UnionCouncil.objects.filter(city_id__in=city_list).values_list("id", flat=True)
            )
    setattr(actor, _CACHE_ATTR, result)
    return result


def forget(actor: Any) -> None:
    """Drop the cached scope (after the actor's assignment changed)."""
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def sees_everything(actor: Any) -> bool:
    return uc_ids(actor) is None


def _uc_field(uc_path: str) -> str:
    # "" means the queryset is of UnionCouncil itself.
    return f"{uc_path}_id" if uc_path else "id"


def scope_q(actor: Any, uc_path: str) -> models.Q:
    """A filter on the UC id at ``uc_path`` limiting rows to the actor's UCs."""
    ids = uc_ids(actor)
    if ids is None:
        return models.Q()
    return models.Q(**{f"{_uc_field(uc_path)}__in": sorted(ids)})


def scoped(actor: Any, queryset: models.QuerySet[M], uc_path: str) -> models.QuerySet[M]:
    """Limit any queryset to the actor's geography. ``uc_path`` is the path to the UC."""
    ids = uc_ids(actor)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(scope_q(actor, uc_path))


def get_or_404(actor: Any, queryset: models.QuerySet[M], uc_path: str, **lookup: Any) -> M:
    """One object in the actor's scope, or 404 whether it is missing or merely out of scope."""
    try:
        return scoped(actor, queryset, uc_path).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset of a geographic model: ``UC_PATH`` (set once per model) is its path to the
    union council, so callers ask ``Model.objects.visible_to(actor)`` instead of naming it."""

    UC_PATH: ClassVar[str]

    def visible_to(self, actor: Any) -> Any:
        """The rows of this queryset in the actor's geography (same queryset class)."""
        return scoped(actor, self, self.UC_PATH)

    def get_visible(self, actor: Any, **lookup: Any) -> M:
        """One row in the actor's geography, or 404 (missing and out of scope look the same)."""
        return cast(M, get_or_404(actor, self, self.UC_PATH, **lookup))


def visible_ucs(actor: Any) -> models.QuerySet[UnionCouncil]:
    """The union councils the actor may pick from (for dependent selects and filters)."""
    ids = uc_ids(actor)
    qs = UnionCouncil.objects.select_related("city").order_by("city__name", "name")
    if ids is None:
        return qs
    return qs.filter(id__in=sorted(ids))


def visible_cities(actor: Any) -> models.QuerySet[City]:
    """Cities with at least one UC in the actor's scope."""
    ids = uc_ids(actor)
    qs = City.objects.order_by("name")
    if ids is None:
        return qs
    return qs.filter(ucs__id__in=sorted(ids)).distinct()


def uc_or_404(actor: Any, uc_id: Any) -> UnionCouncil:
    return get_or_404(actor, UnionCouncil.objects.select_related("city"), "", id=uc_id)
