from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suthra.visits.models import VisitOutcome

# Visits queued offline are posted later with the time they were recorded; older than this is
# refused (and a clock far in the future too).
MAX_BACKDATE = dt.timedelta(days=7)
MAX_AHEAD = dt.timedelta(minutes=10)


class VisitForm(forms.Form):
    """The phone-first visit form. The POST fields are documented in docs/FIELD_WORK.md (the
    offline queue of the PWA posts the same fields)."""

    outcome = forms.TypedChoiceField(
        label=_("Outcome"), choices=VisitOutcome.choices, coerce=int, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "photo-input"}
        ),
    )
    lat = forms.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.HiddenInput(attrs={"id": "gps-lat"}),
    )
    lon = forms.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput(attrs={"id": "gps-lon"}),
    )
    accuracy = forms.FloatField(
        required=False,
        min_value=0,
        max_value=100_000,
        widget=forms.HiddenInput(attrs={"id": "gps-accuracy"}),
    )
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    visited_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    # Offered (shown) only when the unit has a defaulter notice still to be handed over; the
    # notice's id travels with the form, so a visit queued offline serves the notice the agent
    # saw, not one issued since.
    notice_served = forms.BooleanField(label=_("Notice handed over"), required=False)
    notice = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args, notice=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4())
            if notice is not None:
                self.initial["notice"] = notice.pk
        self.fields["photo"].required = getattr(settings, "VISIT_PHOTO_REQUIRED", True)
        self.offered_notice = notice

    def clean_visited_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("visited_at")
        if value is None:
            return None
        now = timezone.now()
        if value > now + MAX_AHEAD:
            raise forms.ValidationError(_("The visit time is in the future."))
        if value < now - MAX_BACKDATE:
            raise forms.ValidationError(_("The visit is more than 7 days old."))
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("GPS position is incomplete."))
        if not data.get("notice_served"):
            data["notice"] = None
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
