"""Reads for SMS: who a campaign reaches (and who it skips, and why), campaigns in scope."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum

from suthra.accounts import scope
from suthra.billing.models import Bill, BillStatus, status_q
from suthra.consumers.models import Notice
from suthra.consumers.selectors import due_date
from suthra.core.phone import try_normalise_mobile
from suthra.locations.models import City, UnionCouncil
from suthra.sms import texts
from suthra.sms.models import Campaign, Kind, MessageStatus, OptOut, SkipReason, SmsMessage
from suthra.sms.parts import count_parts


def covered_city_ids(actor: Any) -> set[int] | None:
    """Cities all of whose UCs are in the actor's scope (``None``: every city)."""
    ids = scope.uc_ids(actor)
    if ids is None:
        return None
    total = dict(
        City.objects.annotate(n=Count("ucs")).values_list("id", "n")  # type: ignore[arg-type]
    )
    mine = Counter(
        UnionCouncil.objects.filter(id__in=sorted(ids)).values_list("city_id", flat=True)
    )
    return {city for city, n in mine.items() if n == total.get(city)}


def campaigns_for(actor: Any) -> QuerySet[Campaign]:
    """Campaigns on a UC in the actor's scope, or on a whole city all of whose UCs are."""
    qs = Campaign.objects.select_related("city", "uc", "created_by")
    ids = scope.uc_ids(actor)
    if ids is None:
        return qs
    cities = covered_city_ids(actor) or set()
    return qs.filter(Q(uc_id__in=sorted(ids)) | Q(uc__isnull=True, city_id__in=sorted(cities)))


def audience(campaign: Campaign) -> QuerySet[Bill]:
    """The bills a campaign is about: the month's bills of its UC or city, by kind."""
    qs = Bill.objects.filter(month=campaign.month, unit__is_active=True)
    if campaign.uc_id:
        qs = qs.filter(unit__uc_id=campaign.uc_id)
    else:
        qs = qs.filter(unit__uc__city_id=campaign.city_id)
    kind = campaign.kind
    if kind == Kind.DUE_REMINDER:
        qs = qs.filter(status_q(BillStatus.UNPAID, BillStatus.PARTIAL))
    elif kind == Kind.ARREARS_REMINDER:
        qs = qs.filter(status_q(BillStatus.UNPAID, BillStatus.PARTIAL)).filter(
            arrears__gte=max(1, campaign.min_arrears)
        )
    elif kind == Kind.NOTICE_SERVED:
        # Units whose defaulter notice (issued in or after the bill month) an agent recorded
        # as handed over, still owing; {due_date} is then the notice's deadline (see plan).
        qs = qs.filter(status_q(BillStatus.UNPAID, BillStatus.PARTIAL)).filter(
            Exists(_served_notices(campaign))
        )
    elif kind == Kind.PAYMENT_RECEIVED:
        qs = qs.filter(paid_amount__gt=0)
    return qs.order_by("unit__uc_id", "unit_id")


def _served_notices(campaign: Campaign) -> QuerySet[Notice]:
    return Notice.objects.filter(
        unit_id=OuterRef("unit_id"), served_at__isnull=False, issued_on__gte=campaign.month
    ).order_by("-issued_on", "-id")


@dataclass
class Recipient:
    unit_id: int
    psid: int
    to: str
    text: str
    parts: int
    skip: str  # SkipReason value; "" to send


@dataclass
class Plan:
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def sending(self) -> list[Recipient]:
        return [r for r in self.recipients if not r.skip]

    @property
    def skipped(self) -> dict[str, int]:
        counts = Counter(r.skip for r in self.recipients if r.skip)
        return {str(SkipReason(k).label): counts[k] for k in SkipReason.values if counts.get(k)}

    @property
    def total_parts(self) -> int:
        return sum(r.parts for r in self.sending)

    @property
    def parts_range(self) -> tuple[int, int]:
        parts = [r.parts for r in self.sending] or [0]
        return min(parts), max(parts)

    @property
    def sample(self) -> Recipient | None:
        return next(iter(self.sending), None)


def opted_out() -> set[str]:
    return set(OptOut.objects.values_list("mobile", flat=True))


def plan(campaign: Campaign, body: str) -> Plan:
    """Every recipient of the campaign with the rendered text, or why the number is skipped."""
    blocked = opted_out()
    seen: set[str] = set()
    result = Plan()
    qs = audience(campaign)
    notice = campaign.kind == Kind.NOTICE_SERVED
    if notice:
        qs = qs.annotate(deadline=Subquery(_served_notices(campaign).values("deadline")[:1]))
    rows = qs.annotate(due=F("monthly_fee") + F("arrears")).values_list(
        "psid",
        "unit_id",
        "unit__billing_name",
        "unit__consumer_name",
        "unit__billing_mobile",
        "unit__mobile",
        "paid_amount",
        "due",
        *(["deadline"] if notice else []),
    )
    payment = campaign.kind == Kind.PAYMENT_RECEIVED
    # The due day HEAD sets for the printed bill (one source for bills, lookup and SMS).
    due_on = due_date(campaign.month)
    for psid, unit_id, bname, cname, bmobile, mobile, paid, due, *deadline in _iter(rows):
        raw = bmobile or mobile or ""
        normal = try_normalise_mobile(raw)
        values = texts.bill_values(
            name=bname or cname,
            psid=psid,
            due=deadline[0] if deadline and deadline[0] else due_on,
            balance=max(0, due - paid),
            paid=paid,
            payment=payment,
        )
        text = texts.render(body, values)
        if normal is None:
            skip, to = SkipReason.INVALID, raw[:32]
        elif normal in blocked:
            skip, to = SkipReason.OPTED_OUT, normal
        elif normal in seen:
            skip, to = SkipReason.DUPLICATE, normal
        else:
            skip, to = SkipReason.NONE, normal
            seen.add(normal)
        result.recipients.append(
            Recipient(unit_id, psid, to, text, count_parts(text).parts, str(skip))
        )
    return result


def _iter(rows: QuerySet[Any]) -> Iterator[Any]:
    return rows.iterator(chunk_size=2000)


def message_counts(campaign: Campaign) -> dict[str, int]:
    counts = dict(
        campaign.messages.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in MessageStatus.values}


def parts_sent(campaign: Campaign) -> int:
    total = campaign.messages.filter(status=MessageStatus.SENT).aggregate(n=Sum("parts"))["n"]
    return int(total or 0)


def messages_page(campaign: Campaign, status: str | None) -> QuerySet[SmsMessage]:
    qs = campaign.messages.all()
    if status:
        qs = qs.filter(status=status)
    return qs
