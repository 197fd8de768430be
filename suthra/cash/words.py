"""Amounts in words for cash receipts ("One thousand two hundred fifty rupees only"); the
numbers themselves come from ``suthra.core.words``."""

from __future__ import annotations

from suthra.core.words import words_en, words_ur


def rupees_en(n: int) -> str:
    """``1250`` → "One thousand two hundred fifty rupees only"."""
    text = words_en(n)
    return f"{text[0].upper()}{text[1:]} {'rupee' if n == 1 else 'rupees'} only"


def rupees_ur(n: int) -> str:
    """``1250`` → "ایک ہزار دو سو پچاس روپے"."""
    return words_ur(n) + " روپے"
