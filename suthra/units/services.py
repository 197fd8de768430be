"""Writes to units: billing details, activation, bulk activation.

Each service runs in one transaction and writes its audit events in that transaction. Callers
must already hold the role (SUPERVISOR and up, checked by the view) and the unit must be in the
actor's scope; the services check the scope again so no caller can bypass it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from suthra.accounts import scope
from suthra.accounts.models import Role
from suthra.core.audit import audit_bulk, audit_record, diff
from suthra.core.phone import InvalidMobile, normalise_mobile
from suthra.units import hooks
from suthra.units.models import SurveyUnit

BULK_MAX = 20_000


def _require_supervisor(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.at_least(Role.SUPERVISOR):
        raise PermissionError("Only supervisors and above may change units.")


def _locked_unit(actor: Any, unit_id: int) -> SurveyUnit:
    return scope.get_or_404(actor, SurveyUnit.objects.select_for_update(), "uc", pk=unit_id)


def unit_update_billing(
    *,
    actor: Any,
    unit_id: int,
    billing_name: str,
    billing_mobile: str,
    billing_address: str,
    reason: str = "",
    ip: str | None = None,
) -> SurveyUnit:
    """Set the billing name, mobile and address (SUPERVISOR and up, in scope).

    A value equal to the surveyed one is stored blank ("same as survey"). The mobile is
    normalised to 03XXXXXXXXX; an invalid mobile raises ``ValidationError``. ``reason`` (e.g.
    the ticket that asked for it) goes into the audit event.
    """
    _require_supervisor(actor)
    name = " ".join(billing_name.split())
    address = " ".join(billing_address.split())
    mobile = ""
    if billing_mobile.strip():
        try:
            mobile = normalise_mobile(billing_mobile)
        except InvalidMobile as exc:
            raise ValidationError({"billing_mobile": str(exc)}) from exc
    with transaction.atomic():
        unit = _locked_unit(actor, unit_id)
        after = {
            "billing_name": "" if name == unit.consumer_name else name,
            "billing_mobile": "" if mobile == unit.mobile else mobile,
            "billing_address": "" if address == unit.address else address,
        }
        before = {key: getattr(unit, key) for key in after}
        changes = diff(before, after)
        if changes:
            for key, value in after.items():
                setattr(unit, key, value)
            unit.save(update_fields=list(after))
            audit_record(
                actor=actor,
                action="unit.billing",
                object_type="unit",
                object_id=unit.pk,
                changes={**changes, "reason": reason} if reason else changes,
                ip=ip,
            )
    return unit


def _clean_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise ValidationError({"reason": "Give a reason (at least 3 characters)."})
    return text[:500]


def _refresh_unit_stats(uc_ids: Sequence[int]) -> None:
    # The dashboard counts active units per UC; keep its summary in step (same transaction).
    hooks.units_changed(uc_ids)


def unit_set_active(
    *, actor: Any, unit_id: int, active: bool, reason: str, ip: str | None = None
) -> SurveyUnit:
    """Activate or deactivate one unit with a reason (SUPERVISOR and up, in scope)."""
    _require_supervisor(actor)
    text = _clean_reason(reason)
    with transaction.atomic():
        unit = _locked_unit(actor, unit_id)
        if unit.is_active != active:
            unit.is_active = active
            unit.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="unit.activate" if active else "unit.deactivate",
                object_type="unit",
                object_id=unit.pk,
                changes={"is_active": [not active, active], "reason": text},
                ip=ip,
            )
            _refresh_unit_stats([unit.uc_id])
    return unit


def unit_bulk_set_active(
    *,
    actor: Any,
    unit_ids: Sequence[int],
    active: bool,
    reason: str,
    ip: str | None = None,
) -> int:
    """Activate or deactivate many units (SUPERVISOR and up): one transaction, one audit event
    per unit actually changed. Units outside the actor's scope are ignored. Returns the count."""
    _require_supervisor(actor)
    text = _clean_reason(reason)
    if len(unit_ids) > BULK_MAX:
        raise ValidationError(
            gettext("At most %(n)s units at a time; narrow the filters.") % {"n": f"{BULK_MAX:,}"}
        )
    with transaction.atomic():
        targets = scope.scoped(
            actor, SurveyUnit.objects.filter(pk__in=list(unit_ids)), "uc"
        ).exclude(is_active=active)
        rows = list(targets.select_for_update().values_list("pk", "uc_id"))
        ids = [pk for pk, _ in rows]
        if not ids:
            return 0
        for start in range(0, len(ids), 2000):
            SurveyUnit.objects.filter(pk__in=ids[start : start + 2000]).update(is_active=active)
        audit_bulk(
            actor=actor,
            action="unit.activate" if active else "unit.deactivate",
            object_type="unit",
            items=(
                (pk, {"is_active": [not active, active], "reason": text, "bulk": True})
                for pk in ids
            ),
            ip=ip,
        )
        _refresh_unit_stats([uc for _, uc in rows])
    return len(ids)
