from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.core.months import current_month
from suthra.core.phone import InvalidMobile, normalise_mobile
from suthra.locations.models import City, UnionCouncil
from suthra.sms import selectors, texts
from suthra.sms.models import Kind, Language


class TemplateForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5, "data-sms-parts": "1", "dir": "auto"}),
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"].strip()
        texts.template_check(body)
        return body


def area_choices(actor: Any) -> list[tuple[str, str]]:
    """``city:<id>`` for each whole city in scope, ``uc:<id>`` for each UC in scope."""
    covered = selectors.covered_city_ids(actor)
    cities = scope.visible_cities(actor)
    choices: list[tuple[str, str]] = []
    all_ucs = _("all UCs")
    for city in cities:
        if covered is None or city.pk in covered:
            choices.append((f"city:{city.pk}", f"{city.name} ({all_ucs})"))
    for uc in scope.visible_ucs(actor):
        choices.append((f"uc:{uc.pk}", f"{uc.city.name} · {uc.name}"))
    return choices


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    area = forms.ChoiceField(label=gettext_lazy("Area"))
    month = forms.CharField(
        label=gettext_lazy("Bill month"), widget=forms.TextInput(attrs={"type": "month"})
    )
    min_arrears = forms.IntegerField(
        label=gettext_lazy("Minimum arrears (Rs), for arrears reminders"),
        min_value=1,
        max_value=10_000_000,
        initial=1,
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = area_choices(actor)
        area = self.fields["area"]
        if isinstance(area, forms.ChoiceField):
            area.choices = choices
        self.area_values = {value for value, _label in choices}
        self.fields["month"].initial = current_month().strftime("%Y-%m")

    def clean_month(self) -> dt.date:
        raw = self.cleaned_data["month"]
        try:
            return dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise ValidationError(_("Give the month as YYYY-MM.")) from None

    def area_objects(self) -> tuple[City, UnionCouncil | None]:
        kind, _sep, pk = self.cleaned_data["area"].partition(":")
        if kind == "uc":
            uc = UnionCouncil.objects.select_related("city").get(pk=int(pk))
            return uc.city, uc
        return City.objects.get(pk=int(pk)), None


class OptOutForm(forms.Form):
    mobile = forms.CharField(label=gettext_lazy("Mobile"), max_length=32)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def clean_mobile(self) -> str:
        try:
            return normalise_mobile(self.cleaned_data["mobile"])
        except InvalidMobile as exc:
            raise ValidationError(str(exc)) from None


class OptOutRemoveForm(OptOutForm):
    """Take a number off the opt-out list: the number and why (the consumer asked again)."""

    note = None  # type: ignore[assignment]
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    # Beside the add form on one page: fields ``remove-mobile``, ``remove-reason``.
    prefix = "remove"
