"""The printed receipt: 58 mm and 80 mm thermal rolls, and A6, each bilingual (English and Urdu),
with fpdf2, HarfBuzz shaping and the Noto fonts of ``suthra.core.exports``."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from suthra.cash.models import CashReceipt, ReceiptStatus
from suthra.cash.months import receipt_months_active, receipt_months_label
from suthra.cash.words import rupees_en, rupees_ur
from suthra.core.exports import FONT_DIR, PROGRAMME

# (page width mm, page height mm or None for a roll, margin mm, base font size)
FORMATS: dict[str, tuple[float, float | None, float, float]] = {
    "58": (58, None, 3, 7),
    "80": (80, None, 4, 8.5),
    "a6": (105, 148, 8, 9.5),
}


def _lines(receipt: CashReceipt) -> list[tuple[str, str, str]]:
    """(English label, Urdu label, value) — labels in both languages whatever the UI's."""

    def both(text: str) -> tuple[str, str]:
        with translation.override("en"):
            en = _(text)
        with translation.override("ur"):
            ur = _(text)
        return en, ur

    when = timezone.localtime(receipt.collected_at)
    months_en, months_ur = receipt_months_label(receipt)
    months = months_en if months_en == months_ur else f"{months_en}\n{months_ur}"
    rows = [
        ("Receipt number", receipt.number),
        ("PSID", str(receipt.bill_id)),
        ("Unit", f"{receipt.unit.survey_id}"),
        ("Name", receipt.unit.billing_name_effective),
        ("Month(s) paid", months),
        ("Amount", f"Rs {receipt.amount:,}"),
        ("Received by", receipt.collector.full_name),
        ("Date and time", f"{when:%d-%m-%Y %H:%M}"),
    ]
    if receipt.payer_name:
        rows.insert(4, ("Paid by", receipt.payer_name))
    return [(*both(label), value) for label, value in rows]


def receipt_pdf(receipt: CashReceipt, size: str = "80") -> bytes:
    """The receipt as PDF; a thermal roll is cut as long as the receipt (laid out twice: once
    on a long page to measure it)."""
    width, height, margin, _base = FORMATS[size]
    if height is not None:
        return bytes(_render(receipt, size, height).output())
    used = _render(receipt, size, 400).get_y()
    return bytes(_render(receipt, size, used + margin).output())


def _render(receipt: CashReceipt, size: str, page_h: float) -> Any:
    from fpdf import FPDF

    width, height, margin, base = FORMATS[size]
    lines = _lines(receipt)
    roll = height is None
    pdf = FPDF(orientation="P", unit="mm", format=(width, page_h))
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(auto=not roll, margin=margin)
    pdf.add_font("sans", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    pdf.add_font("sans", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
    pdf.set_fallback_fonts(["naskh"], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_title(f"Receipt {receipt.number}")
    pdf.add_page()
    inner = width - 2 * margin
    line_h = base * 0.5
    pdf.set_font("sans", "B", base)
    with translation.override("en"):
        programme_en = str(PROGRAMME)
    with translation.override("ur"):
        programme_ur = str(PROGRAMME)
        title_ur = _("Cash receipt")
    pdf.multi_cell(inner, line_h, programme_en, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(inner, line_h, programme_ur, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", "B", base + 2)
    pdf.multi_cell(
        inner, line_h + 1, f"Cash receipt · {title_ur}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    if receipt.status == ReceiptStatus.CANCELLED:
        with translation.override("ur"):
            cancelled_ur = _("Cancelled")
        pdf.set_text_color(180, 0, 0)
        pdf.multi_cell(
            inner,
            line_h + 1,
            f"CANCELLED · {cancelled_ur}",
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(0, 0, 0)
    pdf.ln(1)
    half = inner / 2
    for en, ur, value in lines:
        pdf.set_font("sans", "", base - 1)
        pdf.cell(half, line_h, en, align="L")
        pdf.cell(half, line_h, ur, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "B", base)
        pdf.multi_cell(inner, line_h, value, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("sans", "", base - 1)
    pdf.multi_cell(
        inner, line_h, rupees_en(receipt.amount), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.multi_cell(
        inner, line_h, rupees_ur(receipt.amount), align="R", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(1)
    with translation.override("ur"):
        keep_ur = _("Keep this receipt. Check your payment with the PSID on e-Pay.")
    pdf.set_font("sans", "", base - 2)
    pdf.multi_cell(
        inner,
        line_h,
        "Keep this receipt. Check your payment with the PSID on e-Pay.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(inner, line_h, keep_ur, align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf


def receipt_context(receipt: CashReceipt) -> dict[str, Any]:
    return {
        "words_en": rupees_en(receipt.amount),
        "words_ur": rupees_ur(receipt.amount),
        "months_paid": receipt_months_active(receipt),
    }
