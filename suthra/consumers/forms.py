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
