"""The one way to write an audit event. Call it inside the transaction that changes the data."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from suthra.core.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields only, as {"field": [before, after]}."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind one reverse proxy (BEHIND_PROXY=true) it is the last
    X-Forwarded-For entry, the one the proxy itself appended; anything left of it is client-made."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip() if forwarded else ""
        if last:
            address = last
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. Any service may call it; nothing may edit or delete one."""
    actor_obj = actor if getattr(actor, "pk", None) is not None else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes={k: v for k, v in (changes or {}).items()},
        ip=ip,
    )


def audit_bulk(
    *,
    actor: Any,
    action: str,
    object_type: str,
    items: Iterable[tuple[Any, Mapping[str, Any]]],
    ip: str | None = None,
) -> int:
    """Append one event per object in one INSERT (bulk operations write one event per row)."""
    actor_obj = actor if getattr(actor, "pk", None) is not None else None
    rows = [
        AuditEvent(
            actor=actor_obj,
            action=action,
            object_type=object_type,
            object_id=str(obj_id),
            changes=dict(changes),
            ip=ip,
        )
        for obj_id, changes in items
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
