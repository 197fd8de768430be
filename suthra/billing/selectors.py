"""Reads of bills and payments, always starting from the actor's scoped queryset."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from suthra.accounts import scope
from suthra.accounts.scope import get_or_404, scoped, uc_ids
from suthra.billing.archive import archived_bills
from suthra.billing.models import (
    Adjustment,
    AdjustmentStatus,
    ArchivedMonth,
    Bill,
    BillQuerySet,
    BillStatus,
    PaymentException,
    status_q,
)
from suthra.imports.models import BILL_WRITERS, ImportBatch, PsidBlock, block_holds
from suthra.units import history
from suthra.units.models import SurveyUnit


def bills_for(actor: Any) -> BillQuerySet:
    """Every bill the actor may see (any role; geography from scope.py)."""
    return cast(BillQuerySet, Bill.objects.visible_to(actor))


def bill_get(*, actor: Any, psid: Any) -> Bill:
    """One bill (with its unit and UC) in the actor's scope, or 404. Any role; pages and API
    endpoints check the role themselves."""
    return Bill.objects.select_related("unit", "unit__uc").get_visible(actor, psid=psid)


def adjustment_get(*, actor: Any, pk: Any) -> Adjustment:
    """One adjustment request (unit, requester, decider) in the actor's scope, or 404."""
    return get_or_404(
        actor,
        Adjustment.objects.select_related(
            "unit", "unit__uc", "unit__uc__city", "requested_by", "decided_by"
        ),
        "unit__uc",
        pk=pk,
    )


def ledger_discrepancy_count(*, actor: Any, run: Any, uc_id: int | None) -> int:
    """How many of the check's discrepancies lie in one UC, or in the actor's whole area."""
    return int(run.count_for(frozenset({uc_id}) if uc_id is not None else scope.uc_ids(actor)))


def bill_query(*, actor: Any, filters: dict[str, Any]) -> QuerySet[Bill]:
    """The bill query tool: filters of ``BillFilterForm`` on the actor's bills."""
    qs = _month_status_place(bills_for(actor).with_amount_due(), filters, uc="unit__uc", bills=True)
    f = filters
    if f.get("due_min") is not None:
        qs = qs.filter(amount_due_db__gte=f["due_min"])  # type: ignore[misc]
    if f.get("due_max") is not None:
        qs = qs.filter(amount_due_db__lte=f["due_max"])  # type: ignore[misc]
    if f.get("paid_from"):
        qs = qs.filter(paid_on__gte=f["paid_from"])
    if f.get("paid_to"):
        qs = qs.filter(paid_on__lte=f["paid_to"])
    if f.get("psid"):
        qs = qs.filter(psid=f["psid"])
    if f.get("psids"):
        qs = qs.filter(psid__in=f["psids"])
    return qs


# Filters of the bill query that the month × UC × status summaries can count.
SUMMARY_FILTERS = {"month_from", "month_to", "status", "uc", "city"}


def summary_countable(filters: dict[str, Any]) -> bool:
    return all(v in (None, "", []) for k, v in filters.items() if k not in SUMMARY_FILTERS)


def bill_count_estimate(*, actor: Any, filters: dict[str, Any]) -> int | None:
    """How many bills ``bill_query`` finds, added up from the bill summaries (suthra/stats,
    kept equal to the bills by every service that writes them) instead of counting millions of
    rows — or None when a filter (amounts, paid dates, PSIDs) is beyond the summaries.
    Archived months have summaries but no bills here, so they are left out."""
    from suthra.stats.models import MonthlyStat

    if not summary_countable(filters):
        return None
    qs = scoped(actor, MonthlyStat.objects.all(), "uc").exclude(
        month__in=ArchivedMonth.objects.filter(state=ArchivedMonth.State.ARCHIVED).values("month")
    )
    qs = _month_status_place(qs, filters, uc="uc", bills=False)
    return int(qs.aggregate(n=Sum("bills"))["n"] or 0)


def _month_status_place(
    qs: QuerySet[Any], f: dict[str, Any], *, uc: str, bills: bool
) -> QuerySet[Any]:
    """The month range, status and city/UC filters (``SUMMARY_FILTERS``), on bills
    (``uc="unit__uc"``, ``bills=True``) or on their month summaries (``uc="uc"``) alike.
    A bill's status is not stored: on bills it is ``status_q`` (a condition on the paid amount);
    the summaries keep it as a grouping column."""
    if f.get("month_from"):
        qs = qs.filter(month__gte=f["month_from"])
    if f.get("month_to"):
        qs = qs.filter(month__lte=f["month_to"])
    if f.get("status") not in (None, ""):
        status = int(f["status"])
        qs = qs.filter(status_q(status) if bills else Q(status=status))
    if f.get("uc"):
        qs = qs.filter(**{f"{uc}_id": f["uc"]})
    elif f.get("city"):
        qs = qs.filter(**{f"{uc}__city_id": f["city"]})
    return qs


def bill_rows(qs: QuerySet[Bill]) -> QuerySet[Bill]:
    """What a list of bills shows: the unit, its UC and city in the same query."""
    return qs.select_related("unit", "unit__uc", "unit__uc__city")


def payments_query(*, actor: Any, filters: dict[str, Any]) -> QuerySet[Bill]:
    """Paid and partly paid bills in the actor's area (SUPERVISOR and up)."""
    qs = bills_for(actor).filter(status_q(BillStatus.PARTIAL, BillStatus.PAID))
    f = filters
    if f.get("paid_from"):
        qs = qs.filter(paid_on__gte=f["paid_from"])
    if f.get("paid_to"):
        qs = qs.filter(paid_on__lte=f["paid_to"])
    if f.get("channel") not in (None, ""):
        qs = qs.filter(channel=int(f["channel"]))
    if f.get("uc"):
        qs = qs.filter(unit__uc_id=f["uc"])
    elif f.get("city"):
        qs = qs.filter(unit__uc__city_id=f["city"])
    if f.get("amount_min") is not None:
        qs = qs.filter(paid_amount__gte=f["amount_min"])
    if f.get("amount_max") is not None:
        qs = qs.filter(paid_amount__lte=f["amount_max"])
    return qs


# What the bill and payment pages show of a unit: the other 20-odd columns (addresses, GPS,
# photos …) would only be read and turned into Python objects for nothing.
UNIT_COLUMNS = ("survey_id", "consumer_name", "billing_name", "uc__name", "uc__city__name")


def bill_page_rows(qs: QuerySet[Bill]) -> QuerySet[Bill]:
    """A page of the bill query: ``bill_rows`` with only the unit columns the page shows."""
    bill_fields = [f.name for f in Bill._meta.concrete_fields]
    return bill_rows(qs).only(*bill_fields, *(f"unit__{c}" for c in UNIT_COLUMNS))


def payment_rows(qs: QuerySet[Bill]) -> QuerySet[Bill]:
    """A page of payments: the bills alone in the page query, their units (with UC and city)
    in one more query. Ordered by paid date, the page is a top-N sort of the period's payments;
    joining every one of them to its unit before the LIMIT cost a third of the page."""
    units = SurveyUnit.objects.select_related("uc", "uc__city").only(*UNIT_COLUMNS)
    return qs.prefetch_related(Prefetch("unit", queryset=units))


def collection(qs: QuerySet[Bill]) -> dict[str, Any]:
    """Collection per day and per channel, and the total, of a payments query: one grouped
    query (per day × channel, a few hundred rows) instead of one scan per breakdown."""
    days: dict[Any, dict[str, Any]] = {}
    channels: dict[int, dict[str, Any]] = {}
    grouped = qs.values("paid_on", "channel").annotate(n=Count("psid"), total=Sum("paid_amount"))
    row: dict[str, Any]
    for row in grouped.order_by():  # type: ignore[assignment]
        for key, field, out in (("paid_on", "paid_on", days), ("channel", "channel", channels)):
            entry = out.setdefault(row[key], {field: row[key], "n": 0, "total": 0})
            entry["n"] += row["n"]
            entry["total"] += row["total"] or 0
    per_day = [days[d] for d in sorted(days)]
    per_channel = sorted(channels.values(), key=lambda c: -c["total"])
    return {
        "per_day": per_day,
        "per_channel": per_channel,
        "total": sum(d["total"] for d in per_day),
        "count": sum(d["n"] for d in per_day),
    }


def exceptions_for(actor: Any, *, open_only: bool = True) -> QuerySet[PaymentException]:
    """The payment exceptions queue. Unknown PSIDs have no place: only everywhere-staff see them."""
    qs = PaymentException.objects.select_related("batch", "bill", "bill__unit")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    ids = uc_ids(actor)
    if ids is None:
        return qs
    return qs.filter(bill__unit__uc_id__in=sorted(ids))


def unit_ledger(*, actor: Any, unit_id: int) -> tuple[SurveyUnit, list[dict[str, Any]]]:
    """One unit's bills (and archived months) with payments and a running balance.

    The running balance is what was billed as new fees minus what was paid, month by month;
    it equals the last bill's amount due minus its payment when e-Pay carried arrears forward.
    """
    unit = get_or_404(actor, SurveyUnit.objects.select_related("uc", "uc__city"), "uc", pk=unit_id)
    rows: list[dict[str, Any]] = []
    # Archived months come from the months' archive files (suthra/billing/archive.py).
    bills = [(b, True) for b in archived_bills(unit.pk)]
    bills += [(b, False) for b in Bill.objects.filter(unit=unit).order_by("month")]
    for b, archived in bills:
        rows.append(
            {
                "month": b.month,
                "psid": b.psid,
                "fee": b.monthly_fee,
                "arrears": b.arrears,
                "due": b.amount_due,
                "paid": b.paid_amount,
                "paid_on": b.paid_on,
                "status": BillStatus(b.status),
                "channel": b.get_channel_display() if b.paid_amount else "",
                "archived": archived,
                "bill": b,
            }
        )
    rows.sort(key=lambda r: r["month"])
    by_psid = _unit_adjustments(unit.pk)
    balance = 0
    for r in rows:
        # Adjustment lines: an approved one rewrote the bill's fee/arrears (billing.adjustments),
        # so the original fee is the charge and the amount it took off is a line of its own.
        lines = by_psid.get(r["psid"], [])
        approved = [a for a in lines if a.status == AdjustmentStatus.APPROVED]
        r["adjustments"] = lines
        r["adjusted"] = sum(a.amount for a in approved)
        fee = r["fee"]
        if approved and fee is not None and approved[0].fee_before is not None:
            fee = approved[0].fee_before
        # Arrears are last month's balance carried forward: only the fee is a new charge.
        charge = fee if fee is not None else max(0, r["due"] - balance)
        balance += charge - r["adjusted"] - r["paid"]
        r["balance"] = balance
    if rows and not rows[-1]["archived"]:
        rows[-1]["latest"] = True
    return unit, rows


def ledger_notices(*, actor: Any, unit: SurveyUnit, rows: list[dict[str, Any]]) -> None:
    """Set ``notices`` on each ledger row: the defaulter notices naming that bill's PSID, issued
    and (when an agent recorded the hand-over on a visit) served. A notice whose bill is no
    longer a row goes with the newest row. Read by the consumers app (``units.history``)."""
    notices = history.read("notices", actor=actor, unit=unit, limit=100)
    by_psid: dict[int | None, list[Any]] = {}
    psids = {r["psid"] for r in rows}
    for n in sorted(notices, key=lambda n: (n.issued_on, n.pk)):
        psid = n.psid if n.psid in psids else (rows[-1]["psid"] if rows else None)
        by_psid.setdefault(psid, []).append(n)
    for r in rows:
        r["notices"] = by_psid.get(r["psid"], [])


def _unit_adjustments(unit_id: int) -> dict[int, list[Adjustment]]:
    out: dict[int, list[Adjustment]] = {}
    for a in Adjustment.objects.filter(unit_id=unit_id).select_related("decided_by").order_by("id"):
        out.setdefault(a.bill_id, []).append(a)
    return out


def month_bounds(today: dt.date, days: int = 30) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=days - 1), today


def bill_import_batch(psid: int, month: dt.date | None = None) -> ImportBatch | None:
    """The import that last wrote the bill (created or changed it): the newest finished bill
    import (or generated data) of the bill's month that holds the PSID. Two or three small
    queries: the candidate batches, one block of a few KB per candidate that keeps blocks.
    ``psid`` is an existing bill's (a month's first import is taken to hold all of its bills)."""
    batches = ImportBatch.objects.filter(
        status=ImportBatch.Status.DONE,
        kind__in=BILL_WRITERS,
        psid_first__lte=psid,
        psid_last__gte=psid,
    )
    if month is not None:
        batches = batches.filter(
            Q(month_first__isnull=True) | Q(month_first__lte=month, month_last__gte=month)
        )
    candidates = list(
        batches.order_by("-id").only("id", "kind", "file_name", "finished_at", "psids_all")[:50]
    )
    explicit = [b.pk for b in candidates if not b.psids_all]
    holding = set()
    if explicit:
        blocks = PsidBlock.objects.filter(
            batch_id__in=explicit, first__lte=psid, last__gte=psid
        ).values_list("batch_id", "first", "data")
        holding = {pk for pk, first, data in blocks if block_holds(first, data, psid)}
    for batch in candidates:  # newest first; a month's first import wrote all of its bills
        if batch.psids_all or batch.pk in holding:
            return batch
    return None


def ledger_warning(actor: Any) -> dict[str, Any] | None:
    """For MANAGER and HEAD: the newest ledger check's discrepancies in their area, if any."""
    from suthra.accounts.models import Role
    from suthra.billing.ledger_check import latest_run

    if not getattr(actor, "is_authenticated", False) or not actor.at_least(Role.MANAGER):
        return None
    run = latest_run()
    if run is None:
        return None
    count = run.count_for(uc_ids(actor))
    return {"run": run, "count": count} if count else None


def ledger_discrepancies(actor: Any, *, uc_id: int | None = None) -> tuple[Any, QuerySet[Any]]:
    """The newest ledger check and its listed discrepancies in the actor's area (figures of
    no single UC, e.g. an archive's totals, only for those who see everything)."""
    from suthra.billing.ledger_check import latest_run
    from suthra.billing.models import LedgerDiscrepancy

    run = latest_run()
    qs = scoped(
        actor,
        LedgerDiscrepancy.objects.filter(run=run).select_related("uc__city", "unit"),
        "uc",
    )
    if uc_id is not None:
        qs = qs.filter(uc_id=uc_id)
    return run, qs
