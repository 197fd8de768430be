"""Numbers in words, English and Urdu, in the South-Asian grouping (thousand, lakh, crore):
the amount in words on printed bills (suthra.consumers) and cash receipts (suthra.cash), each
of which wraps it in its own phrase ("Rupees … only", "… rupees only")."""

from __future__ import annotations

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Urdu has a word of its own for every number below a hundred.
_UR = [
    "صفر",
    "ایک",
    "دو",
    "تین",
    "چار",
    "پانچ",
    "چھ",
    "سات",
    "آٹھ",
    "نو",
    "دس",
    "گیارہ",
    "بارہ",
    "تیرہ",
    "چودہ",
    "پندرہ",
    "سولہ",
    "سترہ",
    "اٹھارہ",
    "انیس",
    "بیس",
    "اکیس",
    "بائیس",
    "تئیس",
    "چوبیس",
    "پچیس",
    "چھبیس",
    "ستائیس",
    "اٹھائیس",
    "انتیس",
    "تیس",
    "اکتیس",
    "بتیس",
    "تینتیس",
    "چونتیس",
    "پینتیس",
    "چھتیس",
    "سینتیس",
    "اڑتیس",
    "انتالیس",
    "چالیس",
    "اکتالیس",
    "بیالیس",
    "تینتالیس",
    "چوالیس",
    "پینتالیس",
    "چھیالیس",
    "سینتالیس",
    "اڑتالیس",
    "انچاس",
    "پچاس",
    "اکاون",
    "باون",
    "ترپن",
    "چون",
    "پچپن",
    "چھپن",
    "ستاون",
    "اٹھاون",
    "انسٹھ",
    "ساٹھ",
    "اکسٹھ",
    "باسٹھ",
    "ترسٹھ",
    "چونسٹھ",
    "پینسٹھ",
    "چھیاسٹھ",
    "سڑسٹھ",
    "اڑسٹھ",
    "انہتر",
    "ستر",
    "اکہتر",
    "بہتر",
    "تہتر",
    "چوہتر",
    "پچھتر",
    "چھہتر",
    "ستتر",
    "اٹھہتر",
    "اناسی",
    "اسی",
    "اکیاسی",
    "بیاسی",
    "تراسی",
    "چوراسی",
    "پچاسی",
    "چھیاسی",
    "ستاسی",
    "اٹھاسی",
    "نواسی",
    "نوے",
    "اکانوے",
    "بانوے",
    "ترانوے",
    "چورانوے",
    "پچانوے",
    "چھیانوے",
    "ستانوے",
    "اٹھانوے",
    "ننانوے",
]
assert len(_UR) == 100  # noqa: S101 - a table typo must not ship
_GROUPS = ((10**7, "crore", "کروڑ"), (10**5, "lakh", "لاکھ"), (1000, "thousand", "ہزار"))


def _en_below_1000(n: int) -> str:
    parts = []
    if n >= 100:
        parts.append(f"{_ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        parts.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n:
        parts.append(_ONES[n])
    return " ".join(parts)


def _ur_below_1000(n: int) -> str:
    parts = []
    if n >= 100:
        parts.append(f"{_UR[n // 100]} سو")
        n %= 100
    if n:
        parts.append(_UR[n])
    return " ".join(parts)


def _split(n: int) -> list[tuple[int, int]]:
    """(count, group index) pairs, largest first; index 3 is the remainder below a thousand."""
    out = []
    for i, (size, _en, _ur) in enumerate(_GROUPS):
        if n >= size:
            out.append((n // size, i))
            n %= size
    if n:
        out.append((n, 3))
    return out


def words_en(n: int) -> str:
    """``1250`` → ``"one thousand two hundred fifty"``; ``0`` (or less) → ``"zero"``."""
    if n <= 0:
        return "zero"
    parts = []
    for count, i in _split(n):
        if i == 3:
            parts.append(_en_below_1000(count))
        else:
            head = words_en(count) if count >= 1000 else _en_below_1000(count)
            parts.append(f"{head} {_GROUPS[i][1]}")
    return " ".join(parts)


def words_ur(n: int) -> str:
    """``1250`` → ``"ایک ہزار دو سو پچاس"``; ``0`` (or less) → ``"صفر"``."""
    if n <= 0:
        return _UR[0]
    parts = []
    for count, i in _split(n):
        if i == 3:
            parts.append(_ur_below_1000(count))
        else:
            head = words_ur(count) if count >= 1000 else _ur_below_1000(count)
            parts.append(f"{head} {_GROUPS[i][2]}")
    return " ".join(parts)
