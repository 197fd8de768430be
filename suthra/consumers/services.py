"""Writes of the consumers app: bill settings, lookups counted, notices issued (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from suthra.consumers.models import BillSettings, LookupCount
from suthra.core.audit import audit_record


def settings_update(*, actor: Any, data: dict[str, Any], ip: str | None = None) -> BillSettings:
    """Save the bill settings (HEAD; the view checks the role)."""
    row = BillSettings.load()
    before = {k: getattr(row, k) for k in data}
    with transaction.atomic():
        for key, value in data.items():
            setattr(row, key, value)
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        audit_record(
            actor=actor,
            action="bills.settings",
            object_type="bill_settings",
            object_id=1,
            changes={k: [str(before[k]), str(v)] for k, v in data.items() if before[k] != v},
            ip=ip,
        )
    return row


def lookup_counted(*, channel: int, outcome: int, day: dt.date | None = None) -> None:
    """Count one public lookup: the day, channel and outcome only (nothing personal)."""
    day = day or timezone.localdate()
    updated = LookupCount.objects.filter(day=day, channel=channel, outcome=outcome).update(
        count=F("count") + 1
    )
    if updated:
        return
    try:
        with transaction.atomic():
            LookupCount.objects.create(day=day, channel=channel, outcome=outcome, count=1)
    except IntegrityError:  # another request created it first
        LookupCount.objects.filter(day=day, channel=channel, outcome=outcome).update(
            count=F("count") + 1
        )


def bill_printed(*, actor: Any, psid: int, layout: str, ip: str | None = None) -> None:
    audit_record(
        actor=actor,
        action="bills.print",
        object_type="bill",
        object_id=psid,
        changes={"layout": layout},
        ip=ip,
    )
