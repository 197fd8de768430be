"""Reads for field cash: a unit's receipts, a collector's cash book, the hand-overs waiting for a
supervisor, and the cash report (per day, collector and UC). All through the actor's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from suthra.accounts import scope
from suthra.accounts.models import Staff
from suthra.cash.models import CashReceipt, HandOver, HandOverStatus, ReceiptStatus
from suthra.cash.services import cash_in_hand, cash_limit, handover_scope_q
from suthra.units.models import SurveyUnit


def receipts_for(actor: Any) -> QuerySet[CashReceipt]:
    return scope.scoped(
        actor,
        CashReceipt.objects.select_related("unit", "uc", "collector", "handover", "cancelled_by"),
        "uc",
    )


def unit_receipts(*, actor: Any, unit: SurveyUnit, limit: int = 20) -> list[CashReceipt]:
    """The unit page's section (registered in ``units.history`` by ``CashConfig.ready``)."""
    return list(receipts_for(actor).filter(unit=unit).order_by("-collected_at")[:limit])


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of ``day`` (aware)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = day_start(day)
    return start, start + dt.timedelta(days=1)


def collector_in_scope(*, actor: Any, collector_id: int) -> Staff | None:
    """The collector whose cash book the actor may open: one with receipts in the actor's
    area (the caller checks the role), else None."""
    if not receipts_for(actor).filter(collector_id=collector_id).exists():
        return None
    return Staff.objects.filter(pk=collector_id).first()


def cash_book(*, actor: Any, collector: Any, day: dt.date | None = None) -> dict[str, Any]:
    """A collector's cash book: the day's receipts, cash in hand and the limit, the hand-overs,
    and the history by day (collected, cancelled)."""
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    mine = receipts_for(actor).filter(collector=collector)
    today = list(
        mine.filter(collected_at__gte=start, collected_at__lt=end).order_by("-collected_at")
    )
    history = list(
        mine.annotate(day=TruncDate("collected_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            receipts=Count("id", filter=Q(status=ReceiptStatus.ISSUED)),
            collected=Sum("amount", filter=Q(status=ReceiptStatus.ISSUED)),
            cancelled=Count("id", filter=Q(status=ReceiptStatus.CANCELLED)),
        )
        .order_by("-day")[:31]
    )
    in_hand = cash_in_hand(collector)
    return {
        "collector": collector,
        "day": day,
        "today": today,
        "today_total": sum(r.amount for r in today if r.status == ReceiptStatus.ISSUED),
        "in_hand": in_hand,
        "not_handed_over": sum(
            r.amount for r in mine.filter(status=ReceiptStatus.ISSUED, handover__isnull=True)
        ),
        "limit": cash_limit(),
        "over_limit": in_hand >= cash_limit(),
        "handovers": list(HandOver.objects.filter(collector=collector).order_by("-id")[:10]),
        "history": history,
    }


def handovers_for(actor: Any) -> QuerySet[HandOver]:
    return HandOver.objects.filter(handover_scope_q(actor)).select_related(
        "collector", "confirmed_by"
    )


def handovers_pending(actor: Any) -> QuerySet[HandOver]:
    """Hand-overs in the actor's area waiting for confirmation, not their own."""
    return (
        handovers_for(actor)
        .filter(status=HandOverStatus.PENDING)
        .exclude(collector=actor)
        .order_by("id")
    )


REPORT_COLUMNS = (
    "day",
    "collector",
    "uc",
    "receipts",
    "collected",
    "handed_over",
    "in_hand",
    "difference",
    "cancelled",
    "cancelled_amount",
)


def cash_report(
    *, actor: Any, start: dt.date, end: dt.date, uc_id: int | None = None
) -> list[dict[str, Any]]:
    """One row per day × collector × UC in the actor's scope, from ``start`` to ``end``
    (inclusive): receipts and cash collected, of it handed over (confirmed) and still in hand,
    the hand-over difference (shared out to the rows of the receipts it closed, on the day of
    the hand-over's first receipt) and the cancelled receipts."""
    lo, _ = _day_bounds(start)
    _, hi = _day_bounds(end)
    qs = receipts_for(actor).filter(collected_at__gte=lo, collected_at__lt=hi)
    if uc_id:
        qs = qs.filter(uc_id=uc_id)
    tz = timezone.get_current_timezone()
    rows = (
        qs.annotate(day=TruncDate("collected_at", tzinfo=tz))
        .values("day", "collector_id", "collector__full_name", "uc_id", "uc__name")
        .annotate(
            receipts=Count("id", filter=Q(status=ReceiptStatus.ISSUED)),
            collected=Sum("amount", filter=Q(status=ReceiptStatus.ISSUED), default=0),
            handed_over=Sum(
                "amount",
                filter=Q(status=ReceiptStatus.ISSUED, handover__status=HandOverStatus.CONFIRMED),
                default=0,
            ),
            cancelled=Count("id", filter=Q(status=ReceiptStatus.CANCELLED)),
            cancelled_amount=Sum("amount", filter=Q(status=ReceiptStatus.CANCELLED), default=0),
        )
        .order_by("day", "collector__full_name", "uc__name")
    )
    # Hand-over differences: on the row of the hand-over's first receipt.
    diffs: dict[tuple, int] = defaultdict(int)
    confirmed = (
        HandOver.objects.filter(status=HandOverStatus.CONFIRMED, receipts__in=qs)
        .exclude(difference=0)
        .distinct()
    )
    for h in confirmed:
        first = h.receipts.order_by("collected_at").first()
        if first is not None:
            key = (timezone.localtime(first.collected_at).date(), h.collector_id, first.uc_id)
            diffs[key] += h.difference
    out = []
    for r in rows:
        key = (r["day"], r["collector_id"], r["uc_id"])
        out.append(
            {
                "day": r["day"],
                "collector": r["collector__full_name"],
                "collector_id": r["collector_id"],
                "uc": r["uc__name"],
                "uc_id": r["uc_id"],
                "receipts": r["receipts"],
                "collected": r["collected"],
                "handed_over": r["handed_over"],
                "in_hand": r["collected"] - r["handed_over"],
                "difference": diffs.get(key, 0),
                "cancelled": r["cancelled"],
                "cancelled_amount": r["cancelled_amount"],
            }
        )
    return out
