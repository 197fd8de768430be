"""Approve or reject: the part of a decision POST that tickets and visits share.

The view checks role and scope and finds the object; this runs the service with the form's
answer and says on the next page what happened. Refusals of the service's rules
(``ValidationError``, ``PermissionDenied``) are shown, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _


def decision_apply(
    request: HttpRequest, form: forms.Form, decide: Callable[..., Any], *, invalid: str
) -> bool:
    """Call ``decide(approve=..., reason=...)`` with a valid decision form's answer (fields
    ``decision``: approve/reject, ``reason``) and flash the outcome: ``invalid`` when the form is
    not valid, the rule's message when the service refuses, "Decision saved." otherwise.
    True when the decision was saved."""
    if not form.is_valid():
        messages.error(request, invalid)
        return False
    try:
        decide(
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data.get("reason", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return False
    messages.success(request, _("Decision saved."))
    return True
