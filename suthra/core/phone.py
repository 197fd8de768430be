"""Pakistani mobile numbers: the one normal form ``03XXXXXXXXX`` (11 digits).

The same number is written many ways in the field: ``0300-1234567``, ``0300 1234567``,
``+92 300 1234567``, ``92-300-1234567``, ``0092 300 1234567``, ``300 1234567``. All of them
normalise to ``03001234567``. Pure functions, no database.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-().]")
_NORMAL = re.compile(r"03\d{9}")


class InvalidMobile(ValueError):
    """Not a Pakistani mobile number; the message is safe to show."""


def normalise_mobile(raw: str) -> str:
    """``raw`` as ``03XXXXXXXXX``; ``InvalidMobile`` if it is not a Pakistani mobile number.

    >>> normalise_mobile("+92 300-123 4567")
    '03001234567'
    """
    text = _SEPARATORS.sub("", raw or "")
    # Arabic-Indic and Urdu (extended) digits typed on an Urdu keyboard count as digits.
    text = text.translate(_EASTERN_DIGITS)
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("92"):
            raise InvalidMobile(_("Only Pakistani numbers (+92) are accepted."))
    if not text.isdigit():
        raise InvalidMobile(_("A mobile number has only digits, spaces, dashes and a leading +."))
    if text.startswith("0092"):
        text = text[4:]
    elif text.startswith("92") and len(text) == 12:
        text = text[2:]
    if len(text) == 10 and text.startswith("3"):
        text = "0" + text
    if not _NORMAL.fullmatch(text):
        raise InvalidMobile(_("A mobile number looks like 03XX-XXXXXXX or +92 3XX XXXXXXX."))
    return text


def try_normalise_mobile(raw: str) -> str | None:
    """The normal form, or ``None`` when ``raw`` is not a mobile number (for search)."""
    try:
        return normalise_mobile(raw)
    except InvalidMobile:
        return None


def format_mobile(normal: str) -> str:
    """``03001234567`` → ``0300-1234567`` for display; other text unchanged."""
    return f"{normal[:4]}-{normal[4:]}" if _NORMAL.fullmatch(normal or "") else normal


_EASTERN_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "01234567890123456789",
)
