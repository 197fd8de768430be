from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suthra.cash.models import HandOverMethod
from suthra.core.phone import InvalidMobile, normalise_mobile


class CollectForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount received (Rs)"),
        min_value=1,
        max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"min_value": _("The amount must be more than zero.")},
    )
    payer_name = forms.CharField(label=_("Payer's name (optional)"), max_length=120, required=False)
    payer_mobile = forms.CharField(
        label=_("Payer's mobile for an SMS receipt (optional)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "03001234567"}),
    )
    client_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    # Filled by the phone from its reserved block when the receipt is written offline.
    receipt_number = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    collected_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def clean_payer_mobile(self) -> str:
        raw = self.cleaned_data.get("payer_mobile", "").strip()
        if not raw:
            return ""
        try:
            return normalise_mobile(raw)
        except InvalidMobile as exc:
            raise forms.ValidationError(str(exc)) from exc


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255)


class HandOverForm(forms.Form):
    method = forms.TypedChoiceField(
        label=_("How"),
        choices=HandOverMethod.choices,
        coerce=int,
        initial=HandOverMethod.SUPERVISOR,
        widget=forms.RadioSelect,
    )
    slip_number = forms.CharField(label=_("Deposit slip number"), max_length=40, required=False)
    slip_photo = forms.ImageField(label=_("Photo of the deposit slip"), required=False)


class ConfirmForm(forms.Form):
    received_amount = forms.IntegerField(label=_("Amount received (Rs)"), min_value=0)
    note = forms.CharField(
        label=_("Note (required when it differs)"), max_length=255, required=False
    )
