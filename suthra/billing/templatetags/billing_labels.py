"""Labels for the codes imports store in their counts (issue 19: "OVERPAID 1, UNKNOWN_PSID 1"
on the Urdu page). ``{{ code|exception_label }}`` → "Paid more than the amount due" in the
reader's language; an unknown code is shown as it is."""

from __future__ import annotations

from django import template

from suthra.billing.models import PaymentException

register = template.Library()


@register.filter
def exception_label(code: object) -> str:
    name = str(code)
    try:
        return str(PaymentException.Kind[name].label)
    except KeyError:
        return name
