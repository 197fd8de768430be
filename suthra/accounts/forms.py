"""Forms check the shape of input; the rules (last HEAD, own role, scope) live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from suthra.accounts.models import Role, Staff
from suthra.core.phone import InvalidMobile, normalise_mobile
from suthra.locations.models import City, UnionCouncil

MOBILE_HELP = _("11 digits, e.g. 03001234567")


class StaffForm(forms.Form):
    """Create or edit a staff member. UCs are limited to the chosen city (htmx reloads them)."""

    username = forms.CharField(
        label=_("Username"), max_length=50, validators=[UnicodeUsernameValidator()]
    )
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    email = forms.EmailField(label=_("Email"), required=False)
    # The same phone rules as unit search and the units file: "0301-2345678", "+92 301 2345678".
    mobile = forms.CharField(label=_("Mobile"), required=False, help_text=MOBILE_HELP)
    language = forms.ChoiceField(label=_("Language"), choices=[("en", "English"), ("ur", "اردو")])
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    city = forms.ModelChoiceField(
        label=_("City (supervisor, agent)"),
        queryset=City.objects.order_by("name"),
        required=False,
    )
    cities = forms.ModelMultipleChoiceField(
        label=_("Cities (manager; none = all cities)"),
        queryset=City.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ucs = forms.ModelMultipleChoiceField(
        label=_("Union councils (agent)"),
        queryset=UnionCouncil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The person must choose their own password when they first log in."),
        strip=False,
    )

    def __init__(self, *args: Any, instance: Staff | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            first_city = instance.cities.order_by("name").first()
            kwargs["initial"] = {
                "username": instance.username,
                "full_name": instance.full_name,
                "email": instance.email,
                "mobile": instance.mobile,
                "language": instance.language,
                "role": instance.role,
                "city": first_city,
                "cities": list(instance.cities.all()),
                "ucs": list(instance.ucs.all()),
            }
        super().__init__(*args, **kwargs)
        if instance is not None:
            # The username is the login name and the audit key: fixed once created.
            del self.fields["username"]
            del self.fields["password"]
        else:
            self.fields["password"].help_text = password_validators_help_text_html()
        ucs_field = self.fields["ucs"]
        assert isinstance(ucs_field, forms.ModelMultipleChoiceField)
        ucs_field.queryset = UnionCouncil.objects.filter(city_id=self.chosen_city_id() or 0)

    def chosen_city_id(self) -> int | None:
        raw = self.data.get("city") if self.is_bound else None
        if raw is None and not self.is_bound:
            initial = self.initial.get("city")
            return initial.pk if initial is not None else None
        try:
            return int(raw) if raw else None
        except (TypeError, ValueError):
            return None

    def clean_mobile(self) -> str:
        raw = self.cleaned_data.get("mobile") or ""
        if not raw.strip():
            return ""
        try:
            return normalise_mobile(raw)
        except InvalidMobile as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role in (Role.SUPERVISOR, Role.AGENT) and not data.get("city"):
            self.add_error("city", _("Choose the city this person works in."))
        if role == Role.AGENT and data.get("city") and not data.get("ucs"):
            self.add_error("ucs", _("Choose at least one union council for an agent."))
        return data

    def scope(self) -> tuple[list[City], list[UnionCouncil]]:
        role = self.cleaned_data["role"]
        city = self.cleaned_data.get("city")
        if role == Role.MANAGER:
            return list(self.cleaned_data.get("cities") or []), []
        if role in (Role.SUPERVISOR, Role.AGENT):
            ucs = list(self.cleaned_data.get("ucs") or []) if role == Role.AGENT else []
            return ([city] if city else []), ucs
        return [], []

    def profile(self) -> dict[str, Any]:
        """The account's profile, role and geography as ``staff_create``/``staff_update`` take
        them (keyword arguments)."""
        data = self.cleaned_data
        cities, ucs = self.scope()
        return {
            "full_name": data["full_name"],
            "role": data["role"],
            "email": data["email"],
            "mobile": data["mobile"],
            "language": data["language"],
            "cities": cities,
            "ucs": ucs,
        }


class TemporaryPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=_("The person must choose their own password at their next login."),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"\d{6}"}
        ),
        error_messages={"invalid": _("Enter the 6 digits shown in your authenticator app.")},
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    role = forms.ChoiceField(required=False, choices=[("", _("All roles")), *Role.choices])
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("Active and inactive")), ("1", _("Active")), ("0", _("Inactive"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


class AuditFilterForm(forms.Form):
    actor = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    action = forms.RegexField(required=False, regex=r"^[a-z_.]{1,40}$", max_length=40)
    object_type = forms.RegexField(required=False, regex=r"^[a-z_]{1,20}$", max_length=20)
    object_id = forms.RegexField(required=False, regex=r"^[\w.:-]{1,40}$", max_length=40)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    before = forms.IntegerField(required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
