from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from suthra.tickets.models import TicketType


def normalise_mobile(raw: str) -> str:
    """ "0300-1234567", "+92 300 1234567", "923001234567" → "03001234567"; "" if empty."""
    digits = re.sub(r"\D", "", raw or "")
    if not digits:
        return ""
    if digits.startswith("92") and len(digits) == 12:
        digits = "0" + digits[2:]
    elif digits.startswith("3") and len(digits) == 10:
        digits = "0" + digits
    if not re.fullmatch(r"03\d{9}", digits):
        raise forms.ValidationError(_("A mobile number is 11 digits starting 03 (03XX-XXXXXXX)."))
    return digits


class TicketForm(forms.Form):
    type = forms.TypedChoiceField(label=_("Problem"), choices=TicketType.choices, coerce=int)
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_name = forms.CharField(label=_("New billing name"), max_length=120, required=False)
    new_mobile = forms.CharField(label=_("New billing mobile"), max_length=20, required=False)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean_new_mobile(self) -> str:
        return normalise_mobile(self.cleaned_data.get("new_mobile", ""))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("type") == TicketType.NAME_MOBILE_CHANGE and not (
            data.get("new_name") or data.get("new_mobile")
        ):
            raise forms.ValidationError(_("Give the new billing name or mobile."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
