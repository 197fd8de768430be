"""Amounts in words for receipts, in English and Urdu, in the South Asian system (thousand,
lakh, crore) that receipts in Pakistan use."""

from __future__ import annotations

_EN_ONES = [
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
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# Urdu has a word of its own for every number up to 99.
_UR_1_99 = [
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
    "اکیاون",
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
    "اکاسی",
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
assert len(_UR_1_99) == 99

_SCALES = ((10_000_000, "crore", "کروڑ"), (100_000, "lakh", "لاکھ"), (1000, "thousand", "ہزار"))


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    tens, ones = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_EN_ONES[hundreds]} hundred")
    if rest:
        parts.append(_en_below_100(rest))
    return " ".join(parts)


def _ur_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(f"{_UR_1_99[hundreds - 1]} سو")
    if rest:
        parts.append(_UR_1_99[rest - 1])
    return " ".join(parts)


def _words(n: int, below_1000, scale_index: int, zero: str) -> str:  # type: ignore[no-untyped-def]
    if n == 0:
        return zero
    parts = []
    for size, en, ur in _SCALES:
        count, n = divmod(n, size)
        if count:
            # A count of crores may itself be large: say it in words as well.
            head = (
                _words(count, below_1000, scale_index, zero) if count >= 1000 else below_1000(count)
            )
            parts.append(f"{head} {en if scale_index == 0 else ur}")
    if n:
        parts.append(below_1000(n))
    return " ".join(parts)


def rupees_en(n: int) -> str:
    """``1250`` → "One thousand two hundred fifty rupees only"."""
    text = _words(n, _en_below_1000, 0, "zero")
    return f"{text[0].upper()}{text[1:]} {'rupee' if n == 1 else 'rupees'} only"


def rupees_ur(n: int) -> str:
    """``1250`` → "ایک ہزار دو سو پچاس روپے"."""
    return _words(n, _ur_below_1000, 1, "صفر") + " روپے"
