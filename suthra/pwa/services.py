"""Writes of the pwa app: the user's interface language."""

from __future__ import annotations

from django.conf import settings

from suthra.accounts.models import Staff


def staff_set_language(*, staff: Staff, language: str) -> None:
    """Save ``language`` (a code from settings.LANGUAGES) on the staff profile.

    Any logged-in user may call it for themselves; it is a preference, not audited.
    """
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    Staff.objects.filter(pk=staff.pk).update(language=language)
    staff.language = language
