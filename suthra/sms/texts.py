"""Template placeholders: which exist, checking a template, filling one in. No database."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "name": gettext_lazy("the billing name"),
    "psid": gettext_lazy("the PSID"),
    "amount": gettext_lazy("the amount (Rs): still owed, or paid for a payment message"),
    "due_date": gettext_lazy("the due date of the bill"),
    "link": gettext_lazy("the link to the public bill lookup"),
}
# What the editor's live counter fills in (a long name, a 17-digit PSID), so the count is of a
# typical message rather than of the template text.
SAMPLE_VALUES = {
    "name": "Muhammad Aslam Khan",
    "psid": "10012025110012345",
    "amount": "1,500",
}
SAMPLE_MONTH = dt.date(2025, 11, 1)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def template_check(body: str) -> None:
    """``ValidationError`` for an unknown ``{placeholder}`` or a brace without its partner."""
    if not body.strip():
        raise ValidationError(_("The text is empty."))
    unknown = sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use only: %(known)s.")
            % {
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
            }
        )
    if "{" in _PLACEHOLDER.sub("", body) or "}" in _PLACEHOLDER.sub("", body):
        raise ValidationError(_("A brace { or } has no partner."))


def due_date_text(due: dt.date) -> str:
    """``DD/MM/YYYY``: slashes, since a dashed date in Urdu text shows with its parts reversed."""
    return due.strftime("%d/%m/%Y")


def lookup_link(psid: int) -> str:
    """The public bill lookup of one PSID (the page ``/bill/`` of the consumer pages)."""
    base = str(getattr(settings, "PUBLIC_BASE_URL", "") or getattr(settings, "SITE_URL", ""))
    return f"{base.rstrip('/')}/bill/?psid={psid}"


def sample_values(*, due: dt.date) -> dict[str, object]:
    """What the editor fills in; ``due`` is the due date of ``SAMPLE_MONTH`` (bill settings)."""
    return {
        **SAMPLE_VALUES,
        "due_date": due_date_text(due),
        "link": lookup_link(int(SAMPLE_VALUES["psid"])),
    }


def render(body: str, values: dict[str, object]) -> str:
    """Fill in ``{placeholders}`` (the body was checked; an unknown name is left as it is)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(fill, body)


def bill_values(
    *, name: str, psid: int, due: dt.date, balance: int, paid: int, payment: bool
) -> dict[str, object]:
    """The values of one bill; ``due`` is its due date (``consumers.selectors.due_date``)."""
    return {
        "name": name,
        "psid": psid,
        "amount": paid if payment else balance,
        "due_date": due_date_text(due),
        "link": lookup_link(psid),
    }
