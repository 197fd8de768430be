"""Amounts in words for printed bills ("Rupees one thousand two hundred fifty only"); the
numbers themselves come from ``suthra.core.words``."""

from __future__ import annotations

from suthra.core.words import words_en, words_ur


def rupees_en(n: int) -> str:
    """``1250`` → ``"Rupees one thousand two hundred fifty only"``."""
    return f"Rupees {words_en(n)} only"


def rupees_ur(n: int) -> str:
    """``1250`` → ``"ایک ہزار دو سو پچاس روپے"``."""
    return f"{words_ur(n)} روپے"
