"""Writes of the consumers app: bill settings, lookups counted, notices issued (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from suthra.consumers.models import BillSettings, LookupCount, Notice
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
    from suthra.consumers.models import NoticeBatch

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


def notice_serve(
    *, actor: Any, unit: Any, visit: Any, served_at: dt.datetime, notice_id: int | None = None
) -> Any:
    """Record that the agent of ``visit`` handed the unit its notice (called by
    ``visits.services.visit_record`` inside its transaction, the unit already checked to be in
    the actor's scope). ``notice_id`` (the notice the form offered) must be this unit's; without
    it, the unit's newest unserved notice. Returns the notice served, or None when none was
    waiting (already served, e.g. a visit queued offline arriving late). Audited."""
    qs = Notice.objects.select_for_update().filter(unit_id=unit.pk)
    day = timezone.localdate(served_at)
    if notice_id is not None:
        notice = qs.filter(pk=notice_id).first()
        if notice is None:
            raise ValidationError(_("This notice is not one of this unit's notices."))
        if notice.issued_on > day:
            raise ValidationError(_("This notice was issued after the visit."))
        if notice.served_at is not None:
            return None
    else:
        notice = (
            qs.filter(served_at__isnull=True, issued_on__lte=day)
            .order_by("-issued_on", "-id")
            .first()
        )
        if notice is None:
            return None
    notice.served_at = served_at
    notice.served_by = actor
    notice.served_visit = visit
    notice.save(update_fields=["served_at", "served_by", "served_visit"])
    audit_record(
        actor=actor,
        action="notice.serve",
        object_type="notice",
        object_id=notice.pk,
        changes={
            "unit": unit.survey_id,
            "visit": visit.pk,
            "psid": notice.psid,
            "served_at": served_at.isoformat(),
        },
    )
    return notice


def notices_unserve(*, actor: Any, visit: Any, reason: str = "") -> int:
    """A rejected visit proves nothing: the notices it recorded as served are to be served
    again (called by ``visits.services.visit_decide`` in its transaction). Audited."""
    count = 0
    for notice in Notice.objects.select_for_update().filter(served_visit_id=visit.pk):
        notice.served_at = None
        notice.served_by = None
        notice.served_visit = None
        notice.save(update_fields=["served_at", "served_by", "served_visit"])
        audit_record(
            actor=actor,
            action="notice.unserve",
            object_type="notice",
            object_id=notice.pk,
            changes={"visit": visit.pk, "reason": reason},
        )
        count += 1
    return count
