"""Shapes of billing input. Rules (who, when, what may change) live in services."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.utils.translation import gettext_lazy as _

from suthra.billing.models import BillStatus, PaymentChannel

BULK_MAX = 5000
# Labels stay lazy so each page shows them in the reader's language (English or Urdu).
STATUS_CHOICES = [("", _("Any status"))] + [(str(v), label) for v, label in BillStatus.choices]
CHANNEL_CHOICES = [("", _("Any channel"))] + [
    (str(v), label) for v, label in PaymentChannel.choices if v
]
MONTH_RE = r"\d{4}-\d{2}"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (``<input type=month>``) → the date of its 1st."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-11"})

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        raw = super().to_python(value)
        if not raw:
            return None
        if not re.fullmatch(MONTH_RE, raw):
            raise forms.ValidationError(_("Use a month like 2025-11."))
        try:
            return dt.date(int(raw[:4]), int(raw[5:7]), 1)
        except ValueError as exc:
            raise forms.ValidationError(_("Use a month like 2025-11.")) from exc


class DateInput(forms.DateInput):
    input_type = "date"


class GetForm(forms.Form):
    """A filter form read from the query string: invalid input is a 400, not a 500."""

    def clean_or_400(self) -> dict[str, Any]:
        if not self.is_valid():
            # Named by the field's label in the reader's language ("From month: …"), not by
            # the parameter ("month_from"), issue 19.
            problems = "; ".join(
                f"{self._label(name)}: {' '.join(str(e) for e in errs)}"
                for name, errs in self.errors.items()
            )
            raise BadRequest(_("This filter is not valid — %(problems)s") % {"problems": problems})
        return self.cleaned_data

    def _label(self, name: str) -> str:
        field = self.fields.get(name)
        return str(field.label) if field is not None and field.label else name


# What people type in an address (?status=unpaid) as well as the codes the form sends.
STATUS_WORDS = {
    "unpaid": BillStatus.UNPAID,
    "partial": BillStatus.PARTIAL,
    "partly_paid": BillStatus.PARTIAL,
    "partly-paid": BillStatus.PARTIAL,
    "paid": BillStatus.PAID,
}


class StatusField(forms.ChoiceField):
    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip().lower()
        return str(int(STATUS_WORDS[text])) if text in STATUS_WORDS else text


class BillFilterForm(GetForm):
    month_from = MonthField(required=False, label=_("From month"))
    month_to = MonthField(required=False, label=_("To month"))
    status = StatusField(choices=STATUS_CHOICES, required=False, label=_("Status"))
    city = forms.IntegerField(required=False, min_value=1, label=_("City"))
    uc = forms.IntegerField(required=False, min_value=1, label=_("Union council"))
    due_min = forms.IntegerField(required=False, min_value=0, label=_("Amount due from"))
    due_max = forms.IntegerField(required=False, min_value=0, label=_("Amount due to"))
    paid_from = forms.DateField(required=False, widget=DateInput, label=_("Paid from"))
    paid_to = forms.DateField(required=False, widget=DateInput, label=_("Paid to"))
    psid = forms.CharField(required=False, max_length=20, label="PSID")
    # Bulk updates: a pasted bank list of PSIDs.
    psids = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_psid(self) -> int | None:
        raw = (self.cleaned_data.get("psid") or "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError(_("A PSID has digits only."))
        return int(raw)

    def clean_psids(self) -> list[int]:
        raw = self.cleaned_data.get("psids") or ""
        parts = [p for p in re.split(r"[\s,;]+", raw) if p]
        bad = [p for p in parts if not p.isdigit() or len(p) > 18]
        if bad:
            raise forms.ValidationError(_("Not PSIDs: %(list)s") % {"list": ", ".join(bad[:5])})
        if len(parts) > BULK_MAX:
            raise forms.ValidationError(_("At most %(n)s PSIDs at once.") % {"n": BULK_MAX})
        return sorted({int(p) for p in parts})


class PaymentFilterForm(GetForm):
    paid_from = forms.DateField(required=False, widget=DateInput, label=_("Paid from"))
    paid_to = forms.DateField(required=False, widget=DateInput, label=_("Paid to"))
    channel = forms.ChoiceField(choices=CHANNEL_CHOICES, required=False, label=_("Channel"))
    city = forms.IntegerField(required=False, min_value=1)
    uc = forms.IntegerField(required=False, min_value=1, label=_("Union council"))
    amount_min = forms.IntegerField(required=False, min_value=0, label=_("Amount from"))
    amount_max = forms.IntegerField(required=False, min_value=0, label=_("Amount to"))


class PaymentForm(forms.Form):
    """Record or correct the payment of one bill. The hidden fields are what the user saw."""

    paid_amount = forms.IntegerField(min_value=0, max_value=10_000_000, label=_("Paid amount (Rs)"))
    paid_on = forms.DateField(required=False, widget=DateInput, label=_("Paid date"))
    channel = forms.TypedChoiceField(
        choices=[(v, label) for v, label in PaymentChannel.choices if v],
        coerce=int,
        required=False,
        empty_value=PaymentChannel.NONE,  # type: ignore[arg-type]
        label=_("Channel"),
    )
    reason = forms.CharField(max_length=255, label=_("Reason (required)"))
    seen = forms.CharField(widget=forms.HiddenInput)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 3:
            raise forms.ValidationError(_("Give a reason for the change."))
        return reason


class BulkForm(forms.Form):
    ACTIONS = [
        ("paid", _("Mark PAID (paid in full)")),
        ("unpaid", _("Mark UNPAID (clear payment)")),
    ]

    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    paid_on = forms.DateField(required=False, widget=DateInput, label=_("Paid date"))
    channel = forms.TypedChoiceField(
        choices=[(v, label) for v, label in PaymentChannel.choices if v],
        coerce=int,
        required=False,
        empty_value=PaymentChannel.BANK_COUNTER,  # type: ignore[arg-type]
        label=_("Channel"),
    )
    reason = forms.CharField(max_length=255, label=_("Reason (required)"))
    expected = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "paid" and not data.get("paid_on"):
            self.add_error("paid_on", "Give the paid date.")
        return data


class ResolveForm(forms.Form):
    resolution = forms.CharField(max_length=255, label=_("What was done"))
    # For a double payment: what became of the second payment.
    outcome = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("refund", _("Refund noted")),
            ("credit", _("Carried forward as credit")),
        ],
        required=False,
        label=_("Second payment"),
    )


class AdjustmentForm(forms.Form):
    """Request an adjustment of one bill. Which figures count depends on the kind (services)."""

    kind = forms.TypedChoiceField(
        label=_("Kind"),
        coerce=int,
        choices=[],
    )
    new_fee = forms.IntegerField(
        label=_("Corrected monthly fee (Rs)"), required=False, min_value=0, max_value=32_767
    )
    new_arrears = forms.IntegerField(
        label=_("Corrected arrears (Rs)"), required=False, min_value=0, max_value=100_000_000
    )
    reason = forms.TypedChoiceField(label=_("Reason"), coerce=int, choices=[])
    note = forms.CharField(
        label=_("Note (required)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    proof = forms.FileField(
        label=_("Proof: photo or PDF (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from suthra.billing.models import AdjustmentKind, AdjustmentReason

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = AdjustmentKind.choices  # type: ignore[attr-defined]
        self.fields["reason"].choices = AdjustmentReason.choices  # type: ignore[attr-defined]

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if len(note) < 3:
            raise forms.ValidationError(_("Write a note: why the bill is wrong."))
        return note


class AdjustmentDecisionForm(forms.Form):
    # The bill as the approver saw it (``services.seen_token``): a changed bill is not approved.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    # No default: the approver chooses.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
