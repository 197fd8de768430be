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


def notices_issue(
    *,
    actor: Any,
    bills: Any,
    min_months: int | None,
    min_amount: int | None,
    deadline: dt.date,
    params: dict[str, str],
    ip: str | None = None,
) -> Any:
    """Issue a defaulter notice for each bill of ``bills`` (the newest month of a place, scoped
    by the caller) whose unpaid months reach ``min_months`` and whose balance reaches
    ``min_amount`` (each when given). One batch, one notice per unit; audited."""
    from suthra.consumers import selectors
    from suthra.consumers.models import Notice, NoticeBatch

    today = timezone.localdate()
    with transaction.atomic():
        batch = NoticeBatch.objects.create(
            created_by=actor,
            params=params,
            min_months=min_months,
            min_amount=min_amount,
            deadline=deadline,
        )
        rows = []
        for psid, unit_id, owed, months in selectors.defaulters(bills):
            if min_months and len(months) < min_months:
                continue
            if min_amount and owed < min_amount:
                continue
            rows.append(
                Notice(
                    batch=batch,
                    unit_id=unit_id,
                    psid=psid,
                    issued_on=today,
                    amount=owed,
                    months=[m.isoformat() for m in months],
                    deadline=deadline,
                    issued_by=actor,
                )
            )
        Notice.objects.bulk_create(rows, batch_size=1000)
        batch.notices = len(rows)
        batch.save(update_fields=["notices"])
        audit_record(
            actor=actor,
            action="notices.issue",
            object_type="notice_batch",
            object_id=batch.pk,
            changes={
                **params,
                "min_months": min_months,
                "min_amount": min_amount,
                "deadline": deadline.isoformat(),
                "notices": len(rows),
            },
            ip=ip,
        )
    return batch
