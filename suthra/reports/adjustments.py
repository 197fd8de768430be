"""The adjustments report: waivers, write-offs and corrections by place, month, kind and approver.

Registered in ``REPORTS`` (so the reports index, the page and the CSV/XLSX/PDF downloads are
the same machinery as every other report). Months are the bill months of the adjustments;
"adjusted" is the rupees approved adjustments took off what was owed (``Adjustment.amount``,
negative when a correction raised it) — the *adjusted* of docs/REPORTS.md.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Staff
from suthra.billing.models import Adjustment, AdjustmentKind, AdjustmentReason, AdjustmentStatus
from suthra.core.validators import int_param
from suthra.reports.filters import place_param
from suthra.reports.reports import REPORTS, Result, Spec, Table, _base_filters, _period

GROUPS = (
    ("city", gettext_lazy("City / tehsil")),
    ("uc", gettext_lazy("Union council")),
    ("month", gettext_lazy("Month")),
    ("kind", gettext_lazy("Kind")),
    ("approver", gettext_lazy("Approver")),
)
_FIELDS = {
    "city": ("unit__uc__city_id", "unit__uc__city__name"),
    "uc": ("unit__uc_id", "unit__uc__name"),
    "month": ("month", "month"),
    "kind": ("kind", "kind"),
    "approver": ("decided_by_id", "decided_by__username"),
}
LIST_MAX = 500
KIND_LABELS = dict(AdjustmentKind.choices)
REASON_LABELS = dict(AdjustmentReason.choices)


def _label(group: str, value: Any) -> Any:
    if group == "month":
        return f"{value:%Y-%m}"
    if group == "kind":
        return str(KIND_LABELS.get(value, value))
    if value is None:
        return _("(not decided)")
    return value


def adjustments_query(actor: Any, data: QueryDict) -> tuple[QuerySet[Adjustment], Any, Any, list]:
    place = place_param(actor, data)
    period = _period(actor, data, place)
    qs = scope.scoped(actor, Adjustment.objects.all(), "unit__uc").filter(
        month__gte=period.start, month__lte=period.end, **place.filter_kwargs("unit__uc")
    )
    filters = _base_filters(place, period)
    kind = int_param(data.get("kind"), name="kind", minimum=1, maximum=max(AdjustmentKind.values))
    if kind is not None:
        qs = qs.filter(kind=kind)
        filters.append((_("Kind"), str(KIND_LABELS.get(kind, kind))))
    approver = int_param(data.get("approver"), name="approver", minimum=1)
    if approver is not None:
        qs = qs.filter(decided_by_id=approver)
        name = Staff.objects.filter(pk=approver).values_list("username", flat=True).first()
        filters.append((_("Approver"), str(name or approver)))
    return qs, place, period, filters


def adjustments_report(actor: Any, data: QueryDict) -> Result:
    """Adjustments by city, UC, month, kind or approver, and the approved ones listed."""
    from suthra.core.validators import choice_param

    qs, place, period, filters = adjustments_query(actor, data)
    group = (
        choice_param(data.get("group"), name="group", allowed=_FIELDS, default="month") or "month"
    )
    key, label = _FIELDS[group]
    approved = Q(status=AdjustmentStatus.APPROVED)
    grouped = (
        qs.values(*dict.fromkeys([key, label]))
        .annotate(
            n_approved=Count("id", filter=approved),
            adjusted=Sum("amount", filter=approved, default=0),
            n_waiting=Count("id", filter=Q(status=AdjustmentStatus.REQUESTED)),
            n_rejected=Count("id", filter=Q(status=AdjustmentStatus.REJECTED)),
        )
        .order_by(label)
    )
    rows, totals = [], [0, 0, 0, 0]
    for row in grouped:
        values = [row["n_approved"], row["adjusted"], row["n_waiting"], row["n_rejected"]]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append([_label(group, row[label]), *values])
    group_label = str(dict(GROUPS)[group])
    filters.append((_("Grouped by"), group_label))
    summary = Table(
        title=_("Adjustments by %(group)s") % {"group": group_label.lower()},
        columns=[
            group_label,
            _("Approved"),
            _("Adjusted (Rs)"),
            _("Waiting"),
            _("Rejected"),
        ],
        rows=rows,
        footer=[_("Total"), *totals],
        chart={
            "type": "bar",
            "labels": [str(r[0]) for r in rows],
            "series": [{"label": _("Adjusted (Rs)"), "data": [r[2] for r in rows]}],
        },
    )
    listed = (
        qs.filter(approved)
        .order_by("month", "id")
        .values_list(
            "id",
            "month",
            "bill_id",
            "unit__survey_id",
            "unit__uc__name",
            "kind",
            "reason",
            "fee_before",
            "arrears_before",
            "new_fee",
            "new_arrears",
            "amount",
            "requested_by__username",
            "decided_by__username",
            "decided_at",
        )[:LIST_MAX]
    )
    detail = Table(
        title=_("Approved adjustments (at most %(n)s)") % {"n": LIST_MAX},
        columns=[
            _("Adjustment"),
            _("Bill month"),
            "PSID",
            _("Survey id"),
            _("UC"),
            _("Kind"),
            _("Reason"),
            _("Fee before"),
            _("Arrears before"),
            _("Fee after"),
            _("Arrears after"),
            _("Adjusted (Rs)"),
            _("Requested by"),
            _("Approved by"),
            _("Approved on"),
        ],
        rows=[
            [
                r[0],
                f"{r[1]:%Y-%m}",
                str(r[2]),
                r[3],
                r[4],
                str(KIND_LABELS.get(r[5], r[5])),
                str(REASON_LABELS.get(r[6], r[6])),
                *r[7:14],
                r[14].date().isoformat() if r[14] else "",
            ]
            for r in listed
        ],
        first_num=7,
    )
    approvers = list(
        Staff.objects.filter(
            pk__in=scope.scoped(actor, Adjustment.objects.all(), "unit__uc")
            .exclude(decided_by=None)
            .values("decided_by_id")
        )
        .order_by("username")
        .values_list("id", "username")
    )
    return Result(
        [summary, detail],
        filters,
        period,
        place,
        {
            "group": group,
            "kinds": AdjustmentKind.choices,
            "approvers": approvers,
            "kind": data.get("kind", ""),
            "approver": data.get("approver", ""),
        },
    )


REPORTS["adjustments"] = Spec(
    "adjustments",
    gettext_lazy("Adjustments"),
    gettext_lazy(
        "Waivers, write-offs and bill corrections by city, UC, month, kind or approver, with "
        "the approved ones listed."
    ),
    adjustments_report,
    ("range", "place", "group", "kind", "approver"),
    GROUPS,
)


def dashboard_adjustments(actor: Any, place: Any, month: Any) -> dict[str, Any] | None:
    """The dashboard's adjustments card: approved in the month (count, rupees), the newest
    approved, and how many requests wait for the actor's decision. None for agents."""
    from suthra.billing.adjustments import pending_count

    if not actor.at_least("SUPERVISOR"):
        return None
    qs = scope.scoped(actor, Adjustment.objects.all(), "unit__uc").filter(
        month=month, status=AdjustmentStatus.APPROVED, **place.filter_kwargs("unit__uc")
    )
    totals = qs.aggregate(n=Count("id"), rs=Sum("amount", default=0))
    can_decide = actor.at_least("MANAGER")
    return {
        "approved": totals["n"],
        "adjusted": totals["rs"],
        "recent": list(qs.select_related("unit").order_by("-decided_at")[:5]),
        "can_decide": can_decide,
        "pending": pending_count(actor) if can_decide else 0,
    }
