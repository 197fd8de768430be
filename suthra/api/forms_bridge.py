"""Validate API input with the same Django forms as the pages, so both refuse the same things."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def cleaned(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or a ValidationError with its field errors (→ 422)."""
    if not form.is_valid():
        errors = {
            ("" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in form.errors.items()
        }
        raise ValidationError(errors)
    return form.cleaned_data
