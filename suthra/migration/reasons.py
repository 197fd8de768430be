"""The reasons of ``manage.py import_legacy``'s error report: stable codes, translatable texts.

Every row of the error report has a ``code`` (one of ``REASONS``, stable across versions: a
spreadsheet can filter on it) beside its ``reason``. In English the reason is the detailed
message the checks gave (e.g. "monthly fee is more than 32,767"); in another language
(``--language ur``) it is the code's text below, translated, with the column and the value (and
the few extra figures named in the text). Codes are never renamed; new ones are added.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

REASONS: dict[str, str] = {
    # Any table
    "missing_value": gettext_noop("%(column)s is missing"),
    "invalid_value": gettext_noop("'%(value)s' is not valid for %(column)s"),
    "invalid_choice": gettext_noop("'%(value)s' is not one of the values allowed in %(column)s"),
    "duplicate_in_source": gettext_noop(
        "'%(value)s' appears again in the table; only its first row is imported"
    ),
    "id_invalid": gettext_noop("the id '%(value)s' must be a whole number"),
    "date_invalid": gettext_noop("'%(value)s' is not a date (use 2025-11-15 or 15/11/2025)"),
    "datetime_invalid": gettext_noop(
        "'%(value)s' is not a date and time (use 2024-04-13 06:02:00)"
    ),
    "number_invalid": gettext_noop("'%(value)s' in %(column)s is not a valid number"),
    "boolean_invalid": gettext_noop("'%(value)s' in %(column)s must be TRUE or FALSE"),
    "unit_unknown": gettext_noop("no unit with the survey id '%(value)s'"),
    "staff_unknown": gettext_noop("no staff member with the old id '%(value)s' was imported"),
    # Units
    "survey_id_invalid": gettext_noop("the survey id is missing, too long or a formula"),
    "gps_invalid": gettext_noop("'%(value)s' in %(column)s is not a valid GPS coordinate"),
    "mobile_left_blank": gettext_noop("'%(value)s' is not a mobile number; left blank"),
    "photo_left_blank": gettext_noop("'%(value)s' is not a photo; left blank"),
    # Staff (the password is never a value in the report)
    "username_invalid": gettext_noop(
        "the username is empty, longer than 50 characters or has characters that are not allowed"
    ),
    "role_invalid": gettext_noop(
        "the role '%(value)s' is not one of AGENT, SUPERVISOR, MANAGER, HEAD"
    ),
    "password_missing": gettext_noop("the password is empty"),
    "ucs_invalid": gettext_noop('assigned_ucs must look like {"UC-1","UC-2"}'),
    "city_unknown": gettext_noop("unknown city '%(value)s'; row skipped"),
    "city_missing": gettext_noop("a supervisor or an agent needs a city; row skipped"),
    "uc_unknown": gettext_noop("unknown union council(s) '%(value)s'; imported without them"),
    # Bills
    "psid_invalid": gettext_noop("'%(value)s' is not a valid PSID (12 to 18 digits)"),
    "month_invalid": gettext_noop("'%(value)s' is not a bill month (use Nov-2025 or 2025-11)"),
    "amount_invalid": gettext_noop(
        "'%(value)s' in %(column)s is not a whole number of rupees within the limit"
    ),
    "amount_due_mismatch": gettext_noop(
        "the amount due %(value)s is not monthly fee + arrears (%(expected)s)"
    ),
    "paid_date_missing": gettext_noop("a paid bill needs a paid date"),
    "paid_date_dropped": gettext_noop("nothing was paid; the date %(value)s is left out"),
    "unit_month_duplicate": gettext_noop("a second bill for this unit and month in the table"),
    "psid_taken": gettext_noop(
        "the PSID %(value)s is already the bill of another unit or month (%(month)s)"
    ),
    "unit_month_taken": gettext_noop("the unit already has a bill for this month (PSID %(psid)s)"),
    # Tickets and visits
    "ticket_type_unknown": gettext_noop("unknown ticket type '%(value)s'; imported as Other"),
    "status_invalid": gettext_noop(
        "the status '%(value)s' is not one of PENDING, APPROVED, REJECTED"
    ),
    "resolved_at_missing": gettext_noop("decided without a time; the created time is used"),
    "outcome_unknown": gettext_noop("unknown visit outcome '%(value)s'"),
    "gps_left_blank": gettext_noop("'%(value)s' is not a GPS coordinate; left blank"),
    "photo_missing": gettext_noop(
        "photo missing: '%(value)s' is not a photo reference in this storage (PHOTO_STORAGE)"
    ),
}


class _Params(dict[str, Any]):
    """A missing figure shows as empty rather than failing the whole report."""

    def __missing__(self, key: str) -> str:
        return ""


def reason_text(code: str, column: str, value: str, params: dict[str, Any] | None) -> str:
    """The code's text in the active language, filled in; "" for an unknown code."""
    template = REASONS.get(code)
    if template is None:
        return ""
    return gettext(template) % _Params({"column": column, "value": value, **(params or {})})


def localised_reason(
    language: str, code: str, column: str, value: str, params: dict[str, Any] | None, reason: str
) -> str:
    """The error report's reason: the detailed English one, or the code's text translated."""
    if language.split("-")[0] == "en":
        return reason
    with translation.override(language):
        return reason_text(code, column, value, params) or reason
