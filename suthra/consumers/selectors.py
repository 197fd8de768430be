"""Reads of the consumers app: printable sheets of bills and notices, the public lookup."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from suthra.accounts import scope
from suthra.billing.models import Bill, BillStatus, bill_status
from suthra.consumers.models import BillSettings, Notice
from suthra.consumers.printing import Sheet, Texts, site_base
from suthra.units.models import SizeCategory

CHUNK = 500
# How far back the months of the arrears are looked for (older ones print "and earlier").
ARREARS_LOOKBACK = 24


def month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def texts(settings_row: BillSettings | None = None, today: dt.date | None = None) -> Texts:
    s = settings_row or BillSettings.load()
    return Texts(
        helpline=s.helpline,
        how_to_pay=s.how_to_pay,
        how_to_pay_ur=s.how_to_pay_ur,
        issued=today or timezone.localdate(),
    )


def due_date(month: dt.date, settings_row: BillSettings | None = None) -> dt.date:
    """The one due date of a bill month (the bill settings HEAD edits); every caller — printed
    bills, the lookup, the API, SMS — asks here."""
    return (settings_row or BillSettings.load()).due_date(month)


def lookup_url(psid: int, base: str = "") -> str:
    return f"{site_base(base)}{reverse('consumers:lookup')}?psid={psid}"


def arrears_months(bill_month: dt.date, arrears: int, history: Sequence[tuple[Any, ...]]):
    """The months the arrears come from: walking back from the month before, each bill that
    was not paid in full, until one whose own arrears were nil. ``history`` holds (month, fee,
    arrears, paid) of the unit's earlier bills, newest first. Returns (months, more)."""
    if arrears <= 0:
        return [], False
    months: list[dt.date] = []
    for month, fee, prev_arrears, paid in history:
        if month >= bill_month:
            continue
        if bill_status(paid, fee + prev_arrears) == BillStatus.PAID:
            return months, False
        months.append(month)
        if prev_arrears == 0:
            return months, False
    return months, True


_FIELDS = (
    "psid",
    "month",
    "monthly_fee",
    "arrears",
    "unit_id",
    "unit__survey_id",
    "unit__consumer_name",
    "unit__billing_name",
    "unit__address",
    "unit__billing_address",
    "unit__category",
    "unit__business_type__name",
    "unit__business_type__name_ur",
    "unit__uc__name",
    "unit__uc__city__name",
    "unit__uc__city__name_ur",
)


def _histories(unit_ids: Sequence[int], newest: dt.date) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    rows = (
        Bill.objects.filter(unit_id__in=unit_ids, month__lt=newest)
        .filter(month__gte=month_add(newest, -ARREARS_LOOKBACK))
        .order_by("unit_id", "-month")
        .values_list("unit_id", "month", "monthly_fee", "arrears", "paid_amount")
    )
    for unit_id, *rest in rows:
        out[unit_id].append(tuple(rest))
    return out


def _sheets(rows: Sequence[tuple[Any, ...]], settings_row: BillSettings, base: str) -> list[Sheet]:
    histories = _histories([r[4] for r in rows], max(r[1] for r in rows)) if rows else {}
    # The English side of the bill says the size in English whatever the reader's language
    # (the Urdu side has its own words, printing.SIZE_UR).
    with translation.override("en"):
        sizes = {value: str(label) for value, label in SizeCategory.choices}
    out = []
    for r in rows:
        (
            psid,
            month,
            fee,
            arrears,
            unit_id,
            survey_id,
            consumer,
            billing_name,
            address,
            billing_address,
            category,
            business,
            business_ur,
            uc,
            city,
            city_ur,
        ) = r
        months, more = arrears_months(month, arrears, histories.get(unit_id, []))
        out.append(
            Sheet(
                psid=psid,
                name=billing_name or consumer,
                address=billing_address or address,
                survey_id=survey_id,
                uc=uc,
                city=city,
                city_ur=city_ur or "",
                business=business,
                business_ur=business_ur or "",
                size=str(sizes.get(category, category)),
                size_code=category,
                month=month,
                fee=fee,
                arrears=arrears,
                arrears_months=months,
                arrears_more=more,
                due_date=settings_row.due_date(month),
                late_charge=settings_row.late_charge,
                lookup_url=lookup_url(psid, base),
            )
        )
    return out


def bill_sheets(
    bills: QuerySet[Bill], *, base: str = "", settings_row: BillSettings | None = None
) -> Iterator[Sheet]:
    """Sheets of ``bills`` (already scoped and filtered) by UC, survey id, month — the order a
    field team hands them out — read in chunks of ``CHUNK`` (memory stays flat)."""
    s = settings_row or BillSettings.load()
    keys = list(
        bills.order_by("unit__uc_id", "unit__survey_id", "month").values_list("psid", flat=True)
    )
    for i in range(0, len(keys), CHUNK):
        part = keys[i : i + CHUNK]
        rows = Bill.objects.filter(psid__in=part).values_list(*_FIELDS)
        order = {p: n for n, p in enumerate(part)}
        yield from _sheets(sorted(rows, key=lambda r: order[r[0]]), s, base)


def bill_for(*, actor: Any, psid: int) -> Bill:
    """One bill in the actor's scope, or 404."""
    return scope.get_or_404(
        actor, Bill.objects.select_related("unit__uc__city"), "unit__uc", psid=psid
    )


def current_bill(unit: Any) -> Bill | None:
    return Bill.objects.filter(unit=unit).order_by("-month").first()


# --- notices ----------------------------------------------------------------------------------


def unit_notices(*, actor: Any, unit: Any, limit: int = 20) -> list[Notice]:
    """The notices issued for one unit, newest first (the unit page; ``units.history``)."""
    qs = scope.scoped(actor, Notice.objects.filter(unit=unit), "unit__uc")
    return list(qs.select_related("issued_by", "served_by").order_by("-issued_on", "-id")[:limit])


def notice_to_serve(unit_id: int) -> Notice | None:
    """The unit's newest notice when it is still to be handed over (else None): what the visit
    form offers as "Notice handed over". The caller has checked the unit is in scope."""
    newest = Notice.objects.filter(unit_id=unit_id).order_by("-issued_on", "-id").first()
    return newest if newest is not None and newest.served_at is None else None


def notice_states(unit_ids: Sequence[int]) -> dict[int, Notice]:
    """The newest notice of each of ``unit_ids`` (units with none are left out): the agent's
    worklist shows "notice to serve" or "notice served". One query; the caller scopes the ids."""
    out: dict[int, Notice] = {}
    if not unit_ids:
        return out
    rows = (
        Notice.objects.filter(unit_id__in=list(unit_ids))
        .order_by("unit_id", "-issued_on", "-id")
        .only("id", "unit_id", "issued_on", "served_at", "deadline")
    )
    for notice in rows:
        out.setdefault(notice.unit_id, notice)
    return out


def notices_in_background(count: int) -> bool:
    """A run's PDF is built by the background export above ``NOTICE_PDF_BACKGROUND_ABOVE``."""
    return count > int(getattr(settings, "NOTICE_PDF_BACKGROUND_ABOVE", 200))


def notice_sheets(notices: QuerySet[Notice], *, base: str = "") -> Iterator[Sheet]:
    s = BillSettings.load()
    ids = list(notices.order_by("unit__uc_id", "unit__survey_id").values_list("pk", "psid"))
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        by_psid = {n.psid: n for n in Notice.objects.filter(pk__in=[p for p, _ in part])}
        rows = Bill.objects.filter(psid__in=[q for _, q in part]).values_list(*_FIELDS)
        order = {q: n for n, (_, q) in enumerate(part)}
        for sheet in _sheets(sorted(rows, key=lambda r: order[r[0]]), s, base):
            n = by_psid[sheet.psid]
            sheet.notice = True
            sheet.deadline = n.deadline
            sheet.owed = n.amount
            sheet.owed_months = [dt.date.fromisoformat(m) for m in n.months]
            yield sheet


# --- the public lookup ------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """``"Muhammad Ali"`` → ``"M**** A****"``: the first letter of each word, a fixed tail."""
    return " ".join(f"{w[0]}****" for w in name.split()[:4]) or "****"


@dataclass(frozen=True)
class PublicBill:
    psid: int
    month: dt.date
    amount_due: int
    due_date: dt.date
    after_due: int | None
    status: int
    status_label: str
    paid_on: dt.date | None
    paid_amount: int
    channel: str
    uc: str
    city: str
    name: str


def public_bill(bill: Bill) -> PublicBill:
    s = BillSettings.load()
    unit = bill.unit
    return PublicBill(
        psid=bill.psid,
        month=bill.month,
        amount_due=bill.amount_due,
        due_date=s.due_date(bill.month),
        after_due=bill.amount_due + s.late_charge if s.late_charge else None,
        status=bill.status,
        status_label=bill.get_status_display(),
        paid_on=bill.paid_on,
        paid_amount=bill.paid_amount,
        channel=bill.get_channel_display() if bill.paid_amount else "",
        uc=unit.uc.name,
        city=unit.uc.city.name,
        name=mask_name(unit.billing_name or unit.consumer_name),
    )


def find_public(*, psid: str = "", survey_id: str = "", mobile4: str = "") -> Bill | None:
    """The bill a consumer asks for: by PSID, or the newest bill of a survey id whose billing
    mobile ends in ``mobile4``. The caller has validated the shapes; None when not found."""
    qs = Bill.objects.select_related("unit__uc__city")
    if psid:
        return qs.filter(psid=int(psid)).first()
    if survey_id and mobile4:
        bill = qs.filter(unit__survey_id=survey_id).order_by("-month").first()
        if bill is None:
            return None
        mobile = bill.unit.billing_mobile or bill.unit.mobile
        return bill if mobile and mobile[-4:] == mobile4 else None
    return None


def defaulters(bills: QuerySet[Bill]) -> Iterator[tuple[int, int, int, list[dt.date]]]:
    """(psid, unit id, balance, months unpaid oldest first) of each bill of ``bills`` with a
    balance: the bill's own month when unpaid, plus the months its arrears come from."""
    rows = list(
        bills.order_by("unit_id").values_list(
            "psid", "unit_id", "month", "monthly_fee", "arrears", "paid_amount"
        )
    )
    for i in range(0, len(rows), CHUNK):
        part = rows[i : i + CHUNK]
        histories = _histories([r[1] for r in part], max(r[2] for r in part))
        for psid, unit_id, month, fee, arrears, paid in part:
            balance = fee + arrears - paid
            if balance <= 0:
                continue
            months, _more = arrears_months(month, arrears, histories.get(unit_id, []))
            yield psid, unit_id, balance, sorted([*months, month])
