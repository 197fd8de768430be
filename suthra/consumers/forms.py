from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suthra.consumers.models import BillSettings


class BillSettingsForm(forms.ModelForm):
    class Meta:
        model = BillSettings
        fields = ["helpline", "due_day", "late_charge", "how_to_pay", "how_to_pay_ur"]
        widgets = {
            "how_to_pay": forms.Textarea(attrs={"rows": 3}),
            "how_to_pay_ur": forms.Textarea(attrs={"rows": 3, "dir": "rtl"}),
        }
        help_texts = {"late_charge": _("0 means no late charge.")}


class NoticeRunForm(forms.Form):
    """A run of defaulter notices for a UC (or a city): who passes the threshold."""

    min_months = forms.IntegerField(
        label=_("At least this many months unpaid"), min_value=1, max_value=60, required=False
    )
    min_amount = forms.IntegerField(
        label=_("At least this amount owed (Rs)"), min_value=1, required=False
    )
    deadline = forms.DateField(label=_("Pay by"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("min_months") and not data.get("min_amount"):
            raise forms.ValidationError(_("Set the months unpaid, the amount, or both."))
        return data
