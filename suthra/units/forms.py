"""Shapes of input for the unit pages. Rules (scope, roles, normalisation) live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from suthra.billing.models import BillStatus
from suthra.core.phone import InvalidMobile, normalise_mobile
from suthra.units.models import BusinessType, SizeCategory
from suthra.units.selectors import NO_BILL, SORTS, BrowseFilters


class FastSelect(forms.Select):
    """A <select> rendered in Python: the browser's filters are on every list page, and the
    template-based widget rendering (one template per <option>) cost more than the query."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        current = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(v), mark_safe(" selected") if str(v) == current else "", label)
                for v, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class FastInput(forms.TextInput):
    """An <input> rendered in Python (see FastSelect)."""

    def __init__(self, input_type: str = "text", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.input_type = input_type

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final.update(type=self.input_type, name=name)
        formatted = self.format_value(value)
        if formatted not in (None, ""):
            final["value"] = formatted
        return format_html("<input{}>", flatatt(final))


ACTIVE_CHOICES = [("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive"))]
STATUS_CHOICES = [
    ("", _("Any bill status")),
    *[(str(value), label) for value, label in BillStatus.choices],
    (NO_BILL, _("No bill this month")),
]
SORT_CHOICES = [
    ("name", _("Name A–Z")),
    ("-name", _("Name Z–A")),
    ("-arrears", _("Arrears, highest first")),
    ("arrears", _("Arrears, lowest first")),
    ("-surveyed", _("Surveyed, newest first")),
    ("surveyed", _("Surveyed, oldest first")),
    ("survey_id", _("Survey id")),
]
assert {value for value, _label in SORT_CHOICES} <= set(SORTS)


class BrowseForm(forms.Form):
    """The browser's filters (GET). Every field is optional; the URL is the state."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    city = forms.IntegerField(label=_("City"), required=False, min_value=1)
    uc = forms.IntegerField(label=_("Union council"), required=False, min_value=1)
    business_type = forms.ModelChoiceField(
        label=_("Business type"),
        queryset=BusinessType.objects.order_by("name"),
        required=False,
        empty_label=_("Any business type"),
        widget=FastSelect,
    )
    category = forms.TypedChoiceField(
        label=_("Size"),
        choices=[("", _("Any size")), *[(str(v), lbl) for v, lbl in SizeCategory.choices]],
        coerce=int,
        required=False,
        empty_value=None,
        widget=FastSelect,
    )
    active = forms.ChoiceField(
        label=_("Active"), choices=ACTIVE_CHOICES, required=False, widget=FastSelect
    )
    status = forms.ChoiceField(
        label=_("Latest bill"), choices=STATUS_CHOICES, required=False, widget=FastSelect
    )
    arrears_above = forms.IntegerField(
        label=_("Arrears above (Rs)"),
        required=False,
        min_value=0,
        max_value=100_000_000,
        widget=FastInput("number", attrs={"inputmode": "numeric"}),
    )
    surveyed_from = forms.DateField(
        label=_("Surveyed from"), required=False, widget=FastInput("date")
    )
    surveyed_to = forms.DateField(label=_("Surveyed to"), required=False, widget=FastInput("date"))
    sort = forms.ChoiceField(
        label=_("Sort"), choices=SORT_CHOICES, required=False, widget=FastSelect
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("surveyed_from"), data.get("surveyed_to")
        if start and end and start > end:
            self.add_error("surveyed_to", _("The end date is before the start date."))
        return data

    def filters(self) -> BrowseFilters:
        d = self.cleaned_data
        status = d.get("status") or None
        return BrowseFilters(
            business_type=d["business_type"].pk if d.get("business_type") else None,
            category=d.get("category"),
            active={"1": True, "0": False}.get(d.get("active") or ""),
            status=status if status in (None, NO_BILL) else int(status),
            arrears_above=d.get("arrears_above"),
            surveyed_from=d.get("surveyed_from"),
            surveyed_to=d.get("surveyed_to"),
            sort=d.get("sort") or "name",
        )

    def has_filters(self) -> bool:
        names = ["business_type", "category", "active", "status", "arrears_above"]
        names += ["surveyed_from", "surveyed_to"]
        return any(self.cleaned_data.get(n) not in (None, "") for n in names)


class BillingForm(forms.Form):
    billing_name = forms.CharField(label=_("Billing name"), max_length=120, required=False)
    billing_mobile = forms.CharField(
        label=_("Billing mobile"),
        max_length=20,
        required=False,
        help_text=_("03XX-XXXXXXX or +92 3XX XXXXXXX; leave blank to use the surveyed one."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    billing_address = forms.CharField(label=_("Billing address"), max_length=255, required=False)

    def clean_billing_mobile(self) -> str:
        raw: str = self.cleaned_data.get("billing_mobile", "")
        if not raw.strip():
            return ""
        try:
            return normalise_mobile(raw)
        except InvalidMobile as exc:
            raise forms.ValidationError(str(exc)) from exc


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        label=_("Action"),
        choices=[("1", _("Activate")), ("0", _("Deactivate"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), min_length=3, max_length=500)


class BulkForm(ActiveForm):
    # The action the preview showed ("0"/"1"): a changed action asks for a new preview.
    confirm = forms.CharField(required=False, max_length=1, widget=forms.HiddenInput)
    # How many units the user saw in the preview; a changed selection asks again.
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
