"""Adjustments: a correction of what a bill asks for, requested by one person, decided by another.

- ``adjustment_request`` (SUPERVISOR and up, the bill in scope): on the unit's latest bill only
  (its current bill — waiving old arrears means lowering that bill's arrears, so the chain of
  bills stays sound), a reason from the fixed list, a note, optionally a proof (a photo or a
  PDF, stored by ``suthra.core.photos.document_store``).
- ``adjustment_approve`` / ``adjustment_reject`` (MANAGER and up, in scope, never the
  requester; above ``ADJUSTMENT_HEAD_ABOVE`` rupees only HEAD approves): approval rewrites the
  bill's ``monthly_fee`` and/or ``arrears`` to the corrected figures in one transaction with the
  audit events (old and new values) and the summaries (``stats_refresh``).

The arithmetic (docs/BILLING.md, "Adjustments"): original due = ``fee_before + arrears_before``,
corrected due = ``new_fee + new_arrears``, ``amount`` = original due − corrected due.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.billing.models import (
    MAX_FEE,
    Adjustment,
    AdjustmentKind,
    AdjustmentReason,
    AdjustmentStatus,
    ArchivedMonth,
    Bill,
)
from suthra.billing.services import BillingError, seen_token
from suthra.core.audit import audit_record
from suthra.notifications.services import notify
from suthra.stats.services import stats_refresh

# Kinds after which a payment for the bill goes to the exceptions queue (billing.importing).
FORGIVING_KINDS = (AdjustmentKind.WAIVER, AdjustmentKind.WRITE_OFF)


class AdjustmentError(BillingError):
    """A rule of adjustments was broken; the message is safe to show."""


def head_above() -> int:
    """Rupees above which only HEAD approves (``ADJUSTMENT_HEAD_ABOVE``, default 10,000)."""
    return int(getattr(settings, "ADJUSTMENT_HEAD_ABOVE", 10_000))


def needs_head(amount: int) -> bool:
    return abs(amount) > head_above()


@dataclass(frozen=True)
class Corrected:
    fee: int
    arrears: int

    @property
    def due(self) -> int:
        return self.fee + self.arrears


def corrected_figures(
    *, bill: Bill, kind: int, new_fee: int | None, new_arrears: int | None
) -> Corrected:
    """The bill's fee and arrears after an adjustment of ``kind``; ``AdjustmentError`` when the
    figures do not fit the kind.

    - waiver (full or part): a lower fee and/or lower arrears, never higher;
    - write-off: nothing left owed (what was already paid stays the amount due);
    - fee correction: a new fee, the arrears unchanged;
    - arrears correction: new arrears, the fee unchanged.
    """
    fee, arrears, paid = bill.monthly_fee, bill.arrears, bill.paid_amount
    if kind == AdjustmentKind.WRITE_OFF:
        if paid >= fee + arrears:
            raise AdjustmentError(_("Nothing is owed on this bill: there is nothing to write off."))
        kept_fee = min(fee, paid)
        result = Corrected(kept_fee, paid - kept_fee)
    elif kind == AdjustmentKind.WAIVER:
        result = Corrected(
            fee if new_fee is None else new_fee, arrears if new_arrears is None else new_arrears
        )
        if result.fee > fee or result.arrears > arrears:
            raise AdjustmentError(_("A waiver only lowers the fee or the arrears."))
    elif kind == AdjustmentKind.FEE_CORRECTION:
        if new_fee is None:
            raise AdjustmentError(_("Give the corrected monthly fee."))
        result = Corrected(new_fee, arrears)
    elif kind == AdjustmentKind.ARREARS_CORRECTION:
        if new_arrears is None:
            raise AdjustmentError(_("Give the corrected arrears."))
        result = Corrected(fee, new_arrears)
    else:
        raise AdjustmentError(_("Unknown kind of adjustment."))
    if result.fee < 0 or result.arrears < 0:
        raise AdjustmentError(_("Amounts cannot be negative."))
    if result.fee > MAX_FEE:
        raise AdjustmentError(_("The monthly fee can be at most Rs %(max)s.") % {"max": MAX_FEE})
    if (result.fee, result.arrears) == (fee, arrears):
        raise AdjustmentError(_("The corrected figures are the same as the bill's."))
    if result.due < paid:
        raise AdjustmentError(
            _("Rs %(paid)s was already paid on this bill: the corrected amount due cannot be less.")
            % {"paid": paid}
        )
    return result


def bill_refusal(bill: Bill) -> str | None:
    """Why this bill cannot be adjusted now (a newer bill exists, or its month is archived)."""
    if ArchivedMonth.objects.filter(month=bill.month, state=ArchivedMonth.State.ARCHIVED).exists():
        return _("This bill's month is archived: restore it first.")
    newer = (
        Bill.objects.filter(unit_id=bill.unit_id, month__gt=bill.month)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    if newer is not None:
        return _(
            "The unit has a newer bill (%(month)s): adjust that one, its arrears carry this one."
        ) % {"month": f"{newer:%b-%Y}"}
    return None


def latest_bill(unit_id: int) -> Bill | None:
    """The unit's current bill: the one an adjustment is requested on."""
    return Bill.objects.filter(unit_id=unit_id).order_by("-month").first()


def approvers_for(*, unit: Any, amount: int, exclude: int) -> list[Staff]:
    """Who is asked to decide a request on ``unit``: the active managers of its city or of
    everything; above the threshold (or when there is no such manager) head office. Never the
    requester. (Head office may decide any request; it is only not notified of every one.)"""
    people = Staff.objects.filter(is_active=True).exclude(pk=exclude)
    heads = people.filter(role=Role.HEAD)
    if needs_head(amount):
        return list(heads.order_by("id"))
    managers = people.filter(
        Q(role=Role.MANAGER) & (Q(cities=unit.uc.city_id) | Q(cities__isnull=True))
    )
    found = list(managers.distinct().order_by("id"))
    return found or list(heads.order_by("id"))


def _url(adjustment: Adjustment) -> str:
    return reverse("billing:adjustment", args=[adjustment.pk])


def _in_scope(actor: Any, psid: int) -> QuerySet[Bill]:
    return scope.scoped(actor, Bill.objects.filter(psid=psid), "unit__uc")


def adjustment_request(
    *,
    actor: Any,
    psid: int,
    kind: int,
    reason: int,
    note: str,
    new_fee: int | None = None,
    new_arrears: int | None = None,
    proof_key: str = "",
    ticket_id: int | None = None,
    ip: str | None = None,
) -> Adjustment:
    """Ask for a correction of a unit's latest bill (SUPERVISOR and up, the bill in scope)."""
    if not actor.at_least(Role.SUPERVISOR):
        raise AdjustmentError(_("Only supervisors and above request adjustments."))
    note = (note or "").strip()
    if len(note) < 3:
        raise AdjustmentError(_("Write a note: why the bill is wrong."))
    if reason not in AdjustmentReason.values:
        raise AdjustmentError(_("Choose a reason from the list."))
    if kind not in AdjustmentKind.values:
        raise AdjustmentError(_("Unknown kind of adjustment."))
    with transaction.atomic():
        bill = (
            _in_scope(actor, psid)
            .select_for_update(of=("self",))
            .select_related("unit", "unit__uc")
            .first()
        )
        if bill is None:
            raise AdjustmentError(_("No such bill in your area."))
        refusal = bill_refusal(bill)
        if refusal:
            raise AdjustmentError(refusal)
        pending = (
            Adjustment.objects.filter(bill_id=bill.psid, status=AdjustmentStatus.REQUESTED)
            .values_list("pk", flat=True)
            .first()
        )
        if pending is not None:
            raise AdjustmentError(
                _("This bill already has a request waiting for a decision (#%(n)s).")
                % {"n": pending}
            )
        figures = corrected_figures(bill=bill, kind=kind, new_fee=new_fee, new_arrears=new_arrears)
        amount = bill.amount_due - figures.due
        adjustment = Adjustment.objects.create(
            bill_id=bill.psid,
            unit_id=bill.unit_id,
            month=bill.month,
            kind=kind,
            reason=reason,
            note=note[:2000],
            amount=amount,
            new_fee=figures.fee,
            new_arrears=figures.arrears,
            proof_key=proof_key,
            requested_by=actor,
            ticket_id=ticket_id,
        )
        audit_record(
            actor=actor,
            action="adjustment.request",
            object_type="adjustment",
            object_id=adjustment.pk,
            changes={
                "psid": str(bill.psid),
                "kind": AdjustmentKind(kind).name,
                "reason": AdjustmentReason(reason).name,
                "monthly_fee": [bill.monthly_fee, figures.fee],
                "arrears": [bill.arrears, figures.arrears],
                "amount": amount,
                "note": note[:300],
                **({"ticket": ticket_id} if ticket_id else {}),
                **({"proof": True} if proof_key else {}),
            },
            ip=ip,
        )
        notify(
            recipients=approvers_for(unit=bill.unit, amount=amount, exclude=actor.pk),
            kind="adjustment.requested",
            title=format_lazy(
                gettext_lazy("Adjustment #{id} to decide: {kind} Rs {amount} ({unit})"),
                id=adjustment.pk,
                kind=AdjustmentKind(kind).label,
                amount=amount,
                unit=bill.unit.survey_id,
            ),
            url=_url(adjustment),
            body=note[:300],
        )
    return adjustment


def _decidable(actor: Any, adjustment: Adjustment) -> None:
    if not actor.at_least(Role.MANAGER):
        raise AdjustmentError(_("Only managers and head office decide adjustments."))
    in_scope = scope.scoped(actor, Adjustment.objects.filter(pk=adjustment.pk), "unit__uc").exists()
    if not in_scope:
        raise AdjustmentError(_("This adjustment is outside your area."))
    # Maker–checker: whoever asked never decides.
    if adjustment.requested_by_id == actor.pk:
        raise AdjustmentError(_("You requested this adjustment: another manager decides it."))


def _lock(adjustment: Adjustment) -> Adjustment:
    locked = (
        Adjustment.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__uc", "requested_by")
        .get(pk=adjustment.pk)
    )
    if locked.status != AdjustmentStatus.REQUESTED:
        raise AdjustmentError(_("This adjustment has already been decided."))
    return locked


def adjustment_approve(
    *,
    actor: Any,
    adjustment: Adjustment,
    reason: str,
    seen: str | None = None,
    ip: str | None = None,
) -> Adjustment:
    """Apply a requested correction to its bill (MANAGER+, in scope, not the requester; above
    the threshold HEAD only). Refused when the unit has a newer bill by now or the month is
    archived, or — with ``seen`` (``services.seen_token`` of the bill as the approver saw it) —
    when the bill changed since; nothing is written then."""
    reason = (reason or "").strip()
    _decidable(actor, adjustment)
    if not reason:
        raise AdjustmentError(_("Give a reason for the decision."))
    with transaction.atomic():
        locked = _lock(adjustment)
        bill = (
            Bill.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(psid=locked.bill_id)
            .first()
        )
        if bill is None:
            raise AdjustmentError(_("The bill is no longer in the bills table (archived?)."))
        refusal = bill_refusal(bill)
        if refusal:
            raise AdjustmentError(refusal)
        if seen is not None and seen != seen_token(bill):
            raise AdjustmentError(
                _("The bill changed since you opened this page: check the figures again.")
            )
        if bill.paid_amount > locked.new_fee + locked.new_arrears:
            raise AdjustmentError(
                _("The bill has been paid Rs %(paid)s since: the corrected amount is too low.")
                % {"paid": bill.paid_amount}
            )
        fee_before, arrears_before = bill.monthly_fee, bill.arrears
        amount = fee_before + arrears_before - locked.new_fee - locked.new_arrears
        if needs_head(amount) and not actor.at_least(Role.HEAD):
            raise AdjustmentError(
                _("Above Rs %(limit)s only head office approves an adjustment.")
                % {"limit": head_above()}
            )
        bill.monthly_fee, bill.arrears = locked.new_fee, locked.new_arrears
        bill.save(update_fields=["monthly_fee", "arrears"])
        now = timezone.now()
        locked.fee_before, locked.arrears_before, locked.amount = fee_before, arrears_before, amount
        locked.status = AdjustmentStatus.APPROVED
        locked.decided_by, locked.decided_at, locked.decision_reason = actor, now, reason[:2000]
        locked.save(
            update_fields=[
                "fee_before",
                "arrears_before",
                "amount",
                "status",
                "decided_by",
                "decided_at",
                "decision_reason",
            ]
        )
        changes = {}
        if fee_before != bill.monthly_fee:
            changes["monthly_fee"] = [fee_before, bill.monthly_fee]
        if arrears_before != bill.arrears:
            changes["arrears"] = [arrears_before, bill.arrears]
        audit_record(
            actor=actor,
            action="bill.adjust",
            object_type="bill",
            object_id=bill.psid,
            changes={
                **changes,
                "amount_due": [fee_before + arrears_before, bill.amount_due],
                "adjustment": locked.pk,
                "kind": AdjustmentKind(locked.kind).name,
                "reason": reason[:300],
            },
            ip=ip,
        )
        audit_record(
            actor=actor,
            action="adjustment.approve",
            object_type="adjustment",
            object_id=locked.pk,
            changes={
                "status": [AdjustmentStatus.REQUESTED.name, AdjustmentStatus.APPROVED.name],
                "amount": amount,
                "reason": reason[:300],
            },
            ip=ip,
        )
        stats_refresh(keys=[(int(locked.unit.uc_id), bill.month)])
        notify(
            recipients=[locked.requested_by],
            kind="adjustment.approved",
            title=format_lazy(
                gettext_lazy("Adjustment #{id} approved ({unit})"),
                id=locked.pk,
                unit=locked.unit.survey_id,
            ),
            url=_url(locked),
            body=reason[:300],
        )
    return locked


def adjustment_reject(
    *, actor: Any, adjustment: Adjustment, reason: str, ip: str | None = None
) -> Adjustment:
    """Refuse a request (MANAGER+, in scope, not the requester) with a reason; the bill stays."""
    reason = (reason or "").strip()
    _decidable(actor, adjustment)
    if not reason:
        raise AdjustmentError(_("Give a reason for the decision."))
    with transaction.atomic():
        locked = _lock(adjustment)
        locked.status = AdjustmentStatus.REJECTED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.decision_reason = reason[:2000]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor,
            action="adjustment.reject",
            object_type="adjustment",
            object_id=locked.pk,
            changes={
                "status": [AdjustmentStatus.REQUESTED.name, AdjustmentStatus.REJECTED.name],
                "reason": reason[:300],
            },
            ip=ip,
        )
        notify(
            recipients=[locked.requested_by],
            kind="adjustment.rejected",
            title=format_lazy(
                gettext_lazy("Adjustment #{id} rejected ({unit})"),
                id=locked.pk,
                unit=locked.unit.survey_id,
            ),
            url=_url(locked),
            body=reason[:300],
        )
    return locked


def adjustment_decide(
    *,
    actor: Any,
    adjustment: Adjustment,
    approve: bool,
    reason: str,
    seen: str | None = None,
    ip: str | None = None,
) -> Adjustment:
    """``adjustment_approve`` or ``adjustment_reject``."""
    if approve:
        return adjustment_approve(
            actor=actor, adjustment=adjustment, reason=reason, seen=seen, ip=ip
        )
    return adjustment_reject(actor=actor, adjustment=adjustment, reason=reason, ip=ip)


# --- reads --------------------------------------------------------------------------------------


def adjustments_visible(actor: Any) -> QuerySet[Adjustment]:
    return scope.scoped(actor, Adjustment.objects.all(), "unit__uc")


QUEUES = ("decide", "mine", "all")


def adjustment_queue(*, actor: Any, queue: str = "decide") -> QuerySet[Adjustment]:
    """``decide``: requests waiting in the actor's area that they may decide (never their own;
    nothing for roles below MANAGER); ``mine``: what they requested; ``all``: their area."""
    qs = adjustments_visible(actor).select_related("unit", "unit__uc", "requested_by", "decided_by")
    if queue == "decide":
        if not actor.at_least(Role.MANAGER):
            return qs.none()
        return qs.filter(status=AdjustmentStatus.REQUESTED).exclude(requested_by=actor)
    if queue == "mine":
        return qs.filter(requested_by=actor)
    return qs


def pending_count(actor: Any) -> int:
    """Requests the actor may decide (the dashboard's and the menu's counter)."""
    return adjustment_queue(actor=actor, queue="decide").count()
