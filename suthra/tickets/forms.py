from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suthra.core import phone
from suthra.tickets.models import TicketType


def normalise_mobile(raw: str) -> str:
    """The project's phone rules (``suthra.core.phone``) as a form check; "" if empty."""
    if not (raw or "").strip():
        return ""
    try:
        return phone.normalise_mobile(raw)
    except phone.InvalidMobile as exc:
        raise forms.ValidationError(str(exc)) from exc


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

    # Fields that belong to one problem type only: shown for it (static/js/ticket-form.js),
    # ignored for the others.
    FIELDS_OF_TYPE = {
        "new_name": TicketType.NAME_MOBILE_CHANGE,
        "new_mobile": TicketType.NAME_MOBILE_CHANGE,
    }

    def clean(self) -> dict:
        data = super().clean() or {}
        for name, kind in self.FIELDS_OF_TYPE.items():
            if data.get("type") != kind:
                data[name] = ""
        if data.get("type") == TicketType.NAME_MOBILE_CHANGE and not (
            data.get("new_name") or data.get("new_mobile")
        ):
            raise forms.ValidationError(_("Give the new billing name or mobile."))
        return data


class DecisionForm(forms.Form):
    # No default: the person deciding chooses (issue 19: it used to start on "Approve").
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
