"""How many SMS parts a text takes (the cost of a message). Pure functions, no database.

A text made only of GSM 03.38 characters is sent as GSM-7: 160 septets in one part, 153 per
part when split (the rest is the concatenation header). The extension characters (``^{}\\[~]|€``
and form feed) take two septets each, and an escape pair is never split across parts. Any other
character (Urdu, for one) makes the whole message UCS-2: 70 UTF-16 code units in one part, 67 per
part when split; a character outside the Basic Multilingual Plane takes two units and is not split.
``static/js/sms_parts.js`` does the same count live in the template editor.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)

GSM7, UCS2 = "GSM-7", "UCS-2"
# (single part, each part of a split message)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Parts:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int

    @property
    def unicode(self) -> bool:
        return self.encoding == UCS2


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def _cost(ch: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if ch in _EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def count_parts(text: str) -> Parts:
    """The encoding, length in units and number of parts of ``text`` (0 parts when empty)."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    single, split = LIMITS[encoding]
    costs = [_cost(ch, encoding) for ch in text]
    units = sum(costs)
    if units == 0:
        return Parts(encoding, 0, 0)
    if units <= single:
        return Parts(encoding, units, 1)
    parts, used = 1, 0
    for cost in costs:
        # A two-unit character (escape pair, surrogate pair) never straddles two parts.
        if used + cost > split:
            parts, used = parts + 1, 0
        used += cost
    return Parts(encoding, units, parts)
