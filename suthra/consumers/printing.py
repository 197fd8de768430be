"""Printed bills (challans) and defaulter notices as PDF: bilingual, PSID barcode and QR.

One drawing routine lays out one bill in a 210 × 99 mm block; layouts put three blocks on an A4
page with cut lines (bulk), or one on an A4 or A5 page. Urdu is shaped by HarfBuzz (fpdf2 with
``uharfbuzz``, the Noto fonts vendored in ``static/fonts/``, as ``suthra.core.exports``).

Speed: shaping one Urdu string costs ~5 ms, and a bill has twenty; the labels repeat on every
bill and amounts repeat across bills, so each document caches the shaped glyphs per (font,
text, size) (``_cache_shaping``) and only Urdu text is shaped at all. The Code 128 barcode is
drawn as vector bars (crisp for laser scanners); the QR code is a 1-bit image of one pixel per
module (a few hundred bytes; PDF viewers scale it without smoothing).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from suthra.consumers.words import rupees_en, rupees_ur
from suthra.core.exports import FONT_DIR

LAYOUTS = ("a4-3", "a4", "a5")
BLOCK_H = 99.0  # mm: three blocks fill an A4 page
PROGRAMME_EN = "Suthra Punjab — Sanitation fee"
PROGRAMME_UR = "ستھرا پنجاب: صفائی فیس"
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

# The printed labels: (English, Urdu).
L = {
    "bill": ("Sanitation fee bill", "صفائی فیس بل"),
    "notice": ("DEFAULTER NOTICE", "نادہندگی نوٹس"),
    "helpline": ("Helpline", "ہیلپ لائن"),
    "name": ("Name", "نام"),
    "address": ("Address", "پتہ"),
    "survey_id": ("Survey id", "سروے آئی ڈی"),
    "uc": ("Union council", "یونین کونسل"),
    "city": ("City", "شہر"),
    "business": ("Business type", "کاروبار کی قسم"),
    "size": ("Size category", "سائز کیٹیگری"),
    "month": ("Bill month", "بل کا مہینہ"),
    "issued": ("Issue date", "تاریخ اجرا"),
    "due": ("Due date", "آخری تاریخ"),
    "deadline": ("Pay by", "ادائیگی کی آخری تاریخ"),
    "psid": ("PSID", "پی ایس آئی ڈی"),
    "fee": ("Monthly fee", "ماہانہ فیس"),
    "arrears": ("Arrears", "بقایا جات"),
    "amount_due": ("Amount due", "واجب الادا رقم"),
    "after_due": ("After due date", "آخری تاریخ کے بعد"),
    "owed": ("Amount owed", "واجب الادا رقم"),
    "months": ("Months unpaid", "غیر ادا شدہ مہینے"),
    "how": ("How to pay", "ادائیگی کا طریقہ"),
    "scan": ("Scan to see this bill online", "یہ بل آن لائن دیکھنے کے لیے اسکین کریں"),
    "notice_text": (
        "Your sanitation fee is unpaid. Pay the amount owed by the date above, or action may "
        "be taken under the programme's rules.",
        "آپ کی صفائی فیس ادا نہیں ہوئی۔ اوپر دی گئی تاریخ تک واجب الادا رقم ادا کریں، ورنہ قواعد کے"
        " تحت کارروائی کی جا سکتی ہے۔",
    ),
}
SIZE_UR = {1: "چھوٹا", 2: "درمیانہ", 3: "بڑا", 4: "بہت بڑا"}
MONTHS_UR = [
    "جنوری",
    "فروری",
    "مارچ",
    "اپریل",
    "مئی",
    "جون",
    "جولائی",
    "اگست",
    "ستمبر",
    "اکتوبر",
    "نومبر",
    "دسمبر",
]


@dataclass
class Sheet:
    """Everything one printed bill or notice shows (built by ``selectors``)."""

    psid: int
    name: str
    address: str
    survey_id: str
    uc: str
    city: str
    business: str
    business_ur: str
    size: str
    size_code: int
    month: dt.date
    fee: int
    arrears: int
    arrears_months: list[dt.date]
    arrears_more: bool  # the arrears go back further than the months listed
    due_date: dt.date
    late_charge: int
    lookup_url: str
    city_ur: str = ""
    notice: bool = False
    deadline: dt.date | None = None
    owed: int = 0
    owed_months: list[dt.date] = field(default_factory=list)

    @property
    def amount_due(self) -> int:
        return self.fee + self.arrears


@dataclass(frozen=True)
class Texts:
    """The settings every sheet of a document shares."""

    helpline: str
    how_to_pay: str
    how_to_pay_ur: str
    issued: dt.date


def month_en(m: dt.date) -> str:
    return f"{m:%b %Y}"


def month_ur(m: dt.date) -> str:
    return f"{MONTHS_UR[m.month - 1]} {m.year}"


def months_text(months: Sequence[dt.date], more: bool = False) -> tuple[str, str]:
    """``[Aug, Sep, Oct 2026]`` → ``("Aug 2026 – Oct 2026 (3)", ...)``, oldest first."""
    if not months:
        return "", ""
    ms = sorted(months)
    if len(ms) == 1:
        en, ur = month_en(ms[0]), month_ur(ms[0])
    else:
        en = f"{month_en(ms[0])} – {month_en(ms[-1])} ({len(ms)})"
        ur = f"{month_ur(ms[0])} تا {month_ur(ms[-1])}"
    if more:
        en, ur = f"{en} and earlier", f"{ur} اور اس سے پہلے"
    return en, ur


def code128_modules(text: str) -> str:
    """The bars of ``text`` in Code 128 as a string of ``1`` (bar) and ``0`` (space)."""
    from barcode import Code128

    return Code128(text).build()[0]


def qr_image(url: str) -> Any:
    """The QR code of ``url`` as a 1-bit PIL image, one pixel a module, quiet zone included."""
    import qrcode

    # A fixed mask: choosing the best of eight costs ~0.1 s a code (it still scans; see tests).
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4, mask_pattern=0
    )
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image().get_image().convert("1")


# Shaped glyphs per font object of an open document (glyph ids are per document's subset).
_SHAPED: dict[int, dict[tuple[Any, ...], Any]] = {}


def _cached_font_class() -> type:
    from fpdf.fonts import TTFFont

    class CachedTTFFont(TTFFont):
        """fpdf2's font with HarfBuzz results memoised while its document is open."""

        __slots__ = ()

        def shape_text(self, text: str, font_size_pt: float, params: Any) -> Any:
            return _memo(self, "s", text, font_size_pt, params, super().shape_text)

        def get_text_width(self, text: str, font_size_pt: float, params: Any) -> Any:
            return _memo(self, "w", text, font_size_pt, params, super().get_text_width)

    return CachedTTFFont


def _memo(font: Any, kind: str, text: str, size: float, params: Any, fn: Any) -> Any:
    cache = _SHAPED.get(id(font))
    if cache is None:
        return fn(text, size, params)
    key = (kind, text, size, repr(params))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = fn(text, size, params)
    return hit


def _cache_shaping(pdf: Any) -> list[int]:
    """Memoise HarfBuzz shaping for the fonts of ``pdf``; returns the keys to drop afterwards."""
    cls = _cached_font_class()
    keys = []
    for font in pdf.fonts.values():
        if type(font).__name__ == "TTFFont":
            font.__class__ = cls
            _SHAPED[id(font)] = {}
            keys.append(id(font))
    return keys


class BillPDF:
    """A document of bills or notices in one layout; ``add(sheet)`` draws one."""

    def __init__(self, *, layout: str, texts: Texts, title: str = "Bills") -> None:
        from fpdf import FPDF

        if layout not in LAYOUTS:
            raise ValueError(layout)
        self.layout = layout
        self.texts = texts
        fmt = "A5" if layout == "a5" else "A4"
        orientation = "L" if layout == "a5" else "P"
        pdf = FPDF(orientation=orientation, unit="mm", format=fmt)
        pdf.set_title(title)
        pdf.set_author(PROGRAMME_EN)
        pdf.set_creation_date(timezone.now())
        pdf.add_font("sans", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
        pdf.add_font("sans", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
        pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
        pdf.set_auto_page_break(auto=False)
        logging.getLogger("fontTools").setLevel(logging.WARNING)
        pdf.set_margins(0, 0, 0)
        self._shaped = _cache_shaping(pdf)
        self.pdf = pdf
        self.count = 0
        self._static: tuple[bool, bytes] | None = None

    # -- text helpers --------------------------------------------------------------------------
    def en(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float = 7.5,
        *,
        bold: bool = False,
        align: str = "L",
        h: float = 4.0,
    ) -> None:
        pdf = self.pdf
        if _ARABIC.search(text):
            self.ur(x, y, w, text, size + 1, align=align, h=h)
            return
        # Latin text needs no shaping: fpdf2's plain ``text()`` (no line layout, no bidi) is
        # ~10× faster than ``cell()``; alignment and truncation from the glyph widths.
        pdf.set_text_shaping(False)
        pdf.set_font("sans", "B" if bold else "", size)
        width = pdf.get_string_width(text)
        while text and width > w:
            text = text[:-2] + "…"
            width = pdf.get_string_width(text)
        left = x if align == "L" else (x + w - width if align == "R" else x + (w - width) / 2)
        pdf.text(left, y + h / 2 + 0.3 * pdf.font_size, text)

    def ur(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float = 8.5,
        *,
        align: str = "R",
        h: float = 4.0,
    ) -> None:
        pdf = self.pdf
        pdf.set_text_shaping(True)
        pdf.set_font("naskh", "", size)
        pdf.set_xy(x, y)
        pdf.cell(w, h, text, align=align)

    # -- codes ---------------------------------------------------------------------------------
    def barcode(self, x: float, y: float, w: float, h: float, psid: int) -> None:
        modules = code128_modules(str(psid))
        unit = w / len(modules)
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        for m in re.finditer("1+", modules):
            pdf.rect(x + m.start() * unit, y, (m.end() - m.start()) * unit, h, style="F")

    def qr(self, x: float, y: float, size: float, url: str) -> None:
        self.pdf.image(qr_image(url), x=x, y=y, w=size, h=size)

    # -- the block ----------------------------------------------------------------------------
    def add(self, s: Sheet) -> None:
        pdf = self.pdf
        slot = self.count % 3 if self.layout == "a4-3" else 0
        if slot == 0:
            pdf.add_page()
            self._page_static(notice=s.notice)
        self._block(s, self._top(slot))
        self.count += 1

    def _top(self, slot: int) -> float:
        return {"a4-3": slot * BLOCK_H, "a4": 6.0, "a5": 24.0}[self.layout]

    def _page_static(self, *, notice: bool) -> None:
        """Everything on a page that is the same for every bill (labels in both languages,
        rules, cut lines, how to pay): drawn once, then its content stream is copied onto
        every later page — a bill's twenty shaped Urdu labels cost nothing after page one."""
        from fpdf.enums import PDFResourceType

        pdf = self.pdf
        contents = pdf.pages[pdf.page].contents
        assert isinstance(contents, bytearray)  # noqa: S101 - fpdf2 keeps page content so
        if self._static is not None and self._static[0] == notice:
            pdf._out(b"q\n" + self._static[1] + b"\nQ")
            for font in pdf.fonts.values():
                pdf._resource_catalog.add(PDFResourceType.FONT, font.i, pdf.page)
            return
        start = len(contents)
        if self.layout == "a4-3":
            self._cut_lines()
        for slot in range(3 if self.layout == "a4-3" else 1):
            self._labels(self._top(slot), notice)
        self._static = (notice, bytes(contents[start:]))

    def _cut_lines(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(150, 150, 150)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        for i in (1, 2):
            pdf.line(0, i * BLOCK_H, 210, i * BLOCK_H)
        pdf.set_dash_pattern()
        pdf.set_text_color(120, 120, 120)
        for i in (1, 2):
            self.en(2, i * BLOCK_H - 3, 20, "- - cut - -", 6, h=3)
        pdf.set_text_color(0, 0, 0)

    # Geometry shared by the labels and the values (mm from the block's top).
    X0, LW, RX, RW, STEP, Y = 8.0, 104.0, 116.0, 86.0, 4.3, 19.0

    def _rows(self, notice: bool) -> list[str]:
        keys = ["name", "address", "survey_id", "uc", "city", "business", "size", "month"]
        return [*keys, "issued", "deadline" if notice else "due"]

    def _labels(self, top: float, notice: bool) -> None:
        pdf, t = self.pdf, self.texts
        x0, y = self.X0, top + 5
        pdf.set_text_color(11, 110, 79)
        self.en(x0, y, 100, PROGRAMME_EN, 9, bold=True)
        self.ur(110, y - 0.5, 92, PROGRAMME_UR, 10)
        pdf.set_text_color(0, 0, 0)
        y += 4.5
        title = L["notice"] if notice else L["bill"]
        if notice:
            pdf.set_text_color(180, 20, 20)
        self.en(x0, y, 100, title[0], 8.5, bold=True)
        self.ur(110, y - 0.5, 92, title[1], 9.5)
        pdf.set_text_color(0, 0, 0)
        y += 4.5
        self.en(x0, y, 100, f"{L['helpline'][0]}: {t.helpline}", 7)
        # The number once, on the English side (the Urdu font has no Latin hyphen).
        self.ur(110, y - 0.5, 92, L["helpline"][1], 8)
        pdf.set_draw_color(11, 110, 79)
        pdf.set_line_width(0.3)
        pdf.line(x0, y + 4.5, 202, y + 4.5)
        y = top + self.Y
        ly = y
        for key in self._rows(notice):
            en, ur = L[key]
            self.en(x0, ly, 24, en, 6.5)
            self.ur(x0 + self.LW - 24, ly, 24, ur, 7.5)
            ly += self.STEP
        rx, rw = self.RX, self.RW
        self.en(rx, y, 30, L["psid"][0], 6.5)
        self.ur(rx + rw - 30, y - 0.5, 30, L["psid"][1], 7.5)
        self.en(rx + rw - 27, y + 47.5, 29, L["scan"][0], 4.6, align="C", h=2.5)
        self.ur(rx + rw - 27, y + 49.5, 29, L["scan"][1], 5.4, align="C", h=3)
        wy = max(ly + 0.5 + 9, y + 54)
        pdf.set_draw_color(200, 200, 200)
        pdf.line(x0, wy, 202, wy)
        wy += 0.8
        if notice:
            self.en(x0, wy, 100, L["notice_text"][0][:110], 6.2)
            self.en(x0, wy + 3.2, 100, L["notice_text"][0][110:], 6.2)
            self.ur(110, wy - 0.5, 92, L["notice_text"][1][:80], 7.2)
            self.ur(110, wy + 3, 92, L["notice_text"][1][80:], 7.2)
            wy += 7
        self.en(x0, wy, 100, f"{L['how'][0]}:", 6.5, bold=True)
        self.ur(110, wy - 0.5, 92, f"{L['how'][1]}:", 7.5)
        for i, (en_line, ur_line) in enumerate(_pair_lines(t.how_to_pay, t.how_to_pay_ur)):
            self.en(x0, wy + 3.3 * (i + 1), 100, en_line, 6)
            self.ur(110, wy + 3.3 * (i + 1) - 0.4, 92, ur_line, 7)

    def _block(self, s: Sheet, top: float) -> None:
        """The values of one sheet (the labels are on the page already)."""
        x0, y, step = self.X0, top + self.Y, self.STEP
        vw = self.LW - 24 - 24
        values: dict[str, tuple[str, str]] = {
            "name": (s.name, ""),
            "address": (s.address or "—", ""),
            "survey_id": (s.survey_id, ""),
            "uc": (s.uc, ""),
            "city": (s.city, s.city_ur),
            "business": (s.business, s.business_ur),
            "size": (s.size, SIZE_UR.get(s.size_code, "")),
            "month": (month_en(s.month), month_ur(s.month)),
            "issued": (f"{self.texts.issued:%d %b %Y}", ""),
            "due": (f"{s.due_date:%d %b %Y}", ""),
            "deadline": (f"{s.deadline:%d %b %Y}" if s.deadline else "", ""),
        }
        ly = y
        for key in self._rows(s.notice):
            value, value_ur = values[key]
            bold = key in ("due", "deadline")
            if value_ur:
                self.ur(x0 + 24, ly, vw, value_ur, 8.5)
                self.en(x0 + 24, ly, vw / 2, value, 7.5, bold=bold)
            else:
                self.en(x0 + 24, ly, vw, value, 7.5, bold=bold)
            ly += step

        # Right column: PSID, barcode, amounts, QR.
        rx, rw = self.RX, self.RW
        self.en(rx, y + 3, rw, str(s.psid), 15, bold=True, align="C", h=7)
        self.barcode(rx + 3, y + 10.5, rw - 6, 10, s.psid)
        ay = y + 23
        aw = rw - 27
        # (key, value, bold) rows; key None: the months (English, Urdu) under the amount.
        amounts: list[tuple[str | None, str, str, bool]] = []
        if s.notice:
            m_en, m_ur = months_text(s.owed_months)
            amounts = [("owed", f"Rs {s.owed:,}", "", True), ("months", "", "", False)]
            amounts.append((None, m_en, m_ur, False))
        else:
            m_en, m_ur = months_text(s.arrears_months, s.arrears_more)
            amounts = [
                ("fee", f"Rs {s.fee:,}", "", False),
                ("arrears", f"Rs {s.arrears:,}", "", False),
            ]
            if m_en:
                amounts.append((None, m_en, m_ur, False))
            amounts.append(("amount_due", f"Rs {s.amount_due:,}", "", True))
            if s.late_charge:
                amounts.append(("after_due", f"Rs {s.amount_due + s.late_charge:,}", "", False))
        for akey, value, value_ur, bold in amounts:
            if akey is None:
                self.en(rx + 2, ay - 0.3, aw - 2, value, 6.2, h=3.4)
                self.ur(rx, ay + 2.9, aw, value_ur, 7, h=3.6)
                ay += 7
                continue
            en, ur = L[akey]
            self.en(rx, ay, 22, en, 6.5)
            self.en(rx + 21, ay, aw - 21 - 14, value, 8.5 if bold else 7.5, bold=bold)
            self.ur(rx + aw - 18, ay, 18, ur, 7)
            ay += step
        self.qr(rx + rw - 25, y + 22.5, 25, s.lookup_url)

        # Amount in words, under the left column.
        words = s.owed if s.notice else s.amount_due
        wy = ly + 0.5
        self.en(x0, wy, self.LW, rupees_en(words), 7)
        self.ur(x0, wy + 3.6, self.LW, rupees_ur(words), 8.5)

    # -- output -------------------------------------------------------------------------------
    def output(self, out: IO[bytes] | None = None) -> bytes:
        try:
            data = bytes(self.pdf.output())
        finally:
            for key in self._shaped:
                _SHAPED.pop(key, None)
        if out is not None:
            out.write(data)
        return data


@functools.lru_cache(maxsize=16)
def _pair_lines(en: str, ur: str, width_en: int = 95, width_ur: int = 80) -> list[tuple[str, str]]:
    """The how-to-pay texts cut into at most three lines each (fixed widths, by words)."""

    def wrap(text: str, width: int) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        if line:
            lines.append(line)
        return lines[:3]

    a, b = wrap(en, width_en), wrap(ur, width_ur)
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in range(n)]


def render(
    sheets: Iterable[Sheet],
    *,
    layout: str,
    texts: Texts,
    out: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = 200,
) -> bytes:
    """The PDF of ``sheets`` in ``layout``; ``progress(n)`` every ``every`` sheets."""
    doc = BillPDF(layout=layout, texts=texts)
    for s in sheets:
        doc.add(s)
        if progress is not None and doc.count % every == 0:
            progress(doc.count)
    if doc.count == 0:
        doc.pdf.add_page()
        doc.en(10, 20, 190, "No bills match these filters.", 10)
    return doc.output(out)


def site_base(fallback: str = "") -> str:
    """The public address the QR codes point to: ``SITE_URL``, else the request's host."""
    return (getattr(settings, "SITE_URL", "") or fallback or "http://localhost:8000").rstrip("/")


def chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
