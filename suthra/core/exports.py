"""Exports shared by every app: streamed CSV and XLSX, and printable PDF with shaped Urdu.

- Rows are read by keyset chunks on the primary key (``pk > last ORDER BY pk LIMIT n``), never
  with a server-side cursor (the Supabase transaction pooler cannot hold one), so memory stays
  flat whatever the size of the export.
- Every text cell that a spreadsheet would read as a formula (it starts with ``= + - @``, a tab
  or a carriage return) is prefixed with ``'`` (OWASP "CSV injection").
- XLSX is streamed as sheet XML straight into the zip (see ``write_xlsx`` for why not openpyxl).
- PDF uses fpdf2 with HarfBuzz text shaping (``uharfbuzz``) and the Noto fonts vendored in
  ``static/fonts/``, so Urdu comes out joined and right-to-left without any system font.

Who calls what: views stream small results with ``csv_response`` / ``xlsx_response`` /
``pdf_response``; large list exports run as a background task (``suthra.reports.tasks``) that
writes with ``write_csv`` / ``write_xlsx`` and reports progress through ``iter_rows``.
Recording the export in the audit log is the caller's job (it knows the filters).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
PROGRAMME = gettext_lazy("Suthra Punjab — Sanitation fee billing")


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: formula-like text gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    # Aware datetimes are shown in Pakistan time without the offset (spreadsheets reject tz).
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return neutralise(value)


@dataclass(frozen=True)
class Column:
    """One exported column: a header and a ``values_list`` path, optionally formatted."""

    header: str
    field: str
    fmt: Callable[[Any], Any] | None = None


def choices_fmt(choices: Iterable[tuple[Any, Any]]) -> Callable[[Any], Any]:
    """Format a stored choice value as its label."""
    labels = {value: str(label) for value, label in choices}
    return lambda v: labels.get(v, v)


def iter_rows(
    queryset: models.QuerySet[Any],
    columns: Sequence[Column],
    *,
    chunk: int = CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:
    """Rows of ``queryset`` (already scoped and filtered) in primary-key order, in chunks.

    ``progress(n)`` is called after each chunk with the number of rows read so far.
    """
    fields = [c.field for c in columns]
    formats = [c.fmt for c in columns]
    qs = queryset.order_by("pk").values_list("pk", *fields)
    last: Any = None
    done = 0
    while True:
        page = qs.filter(pk__gt=last) if last is not None else qs
        rows = list(page[:chunk])
        for row in rows:
            yield [
                fmt(v) if fmt is not None else v for fmt, v in zip(formats, row[1:], strict=True)
            ]
        done += len(rows)
        if progress is not None:
            progress(done)
        if len(rows) < chunk:
            return
        last = rows[-1][0]


# --- CSV ---------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in pieces of about 64 kB; starts with a BOM so Excel reads UTF-8 (Urdu)."""
    writer = csv.writer(_Echo())
    parts = ["\ufeff", writer.writerow([neutralise(h) for h in header])]
    size = 0
    for row in rows:
        line = writer.writerow([_cell(v) for v in row])
        parts.append(line)
        size += len(line)
        if size >= 65536:
            yield "".join(parts)
            parts, size = [], 0
    yield "".join(parts)


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for piece in csv_chunks(header, rows):
        out.write(piece.encode("utf-8"))


def _attachment(response: Any, filename: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in csv_chunks(header, rows)),
        content_type=CONTENT_TYPES["csv"],
    )
    return _attachment(response, filename)


# --- XLSX --------------------------------------------------------------------------------------


# openpyxl's write-only mode measured 546 s for 286 k bills × 10 columns here (about 6 k cells/s),
# far from the 30 s goal; writing the sheet XML straight into the zip is ~9× faster and as
# flat in memory. The files are checked by reading them back with openpyxl in the tests.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# XML parsers turn a raw carriage return into a newline; keep it as a character reference.
_XML_ENTITIES = {"\r": "&#13;"}
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>"
)
_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
    '<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Cell styles: 0 plain, 1 bold (header), 2 date, 3 date and time.
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _xlsx_cell(v: Any, style: str = "") -> str:
    """One ``<c>`` element: numbers, booleans, dates (styled), or inline text."""
    if v is None or v == "":
        return "<c/>"
    if isinstance(v, bool):
        return f'<c t="b"{style}><v>{int(v)}</v></c>'
    if isinstance(v, int | float | Decimal):
        return f"<c{style}><v>{v}</v></c>"
    if isinstance(v, dt.datetime):
        d = v.replace(tzinfo=None) - _EXCEL_EPOCH
        return f'<c s="3"><v>{d.days + d.seconds / 86400:.10f}</v></c>'
    if isinstance(v, dt.date):
        return f'<c s="2"><v>{(v - _EXCEL_EPOCH.date()).days}</v></c>'
    text = xml_escape(_XML_ILLEGAL.sub("", str(v)), _XML_ENTITIES)
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


def write_xlsx(
    out: IO[bytes] | str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | Promise = "Export",
) -> None:
    """Write one sheet with a bold, frozen header row, streaming rows into the zip entry."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=quoteattr(str(title)[:31] or "Export")))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            parts = ["<row>", *(_xlsx_cell(neutralise(str(h)), ' s="1"') for h in header), "</row>"]
            for row in rows:
                parts.append("<row>")
                parts.extend(_xlsx_cell(_cell(v)) for v in row)
                parts.append("</row>")
                if len(parts) > 20000:
                    sheet.write("".join(parts).encode())
                    parts = []
            parts.append(_SHEET_TAIL)
            sheet.write("".join(parts).encode())


def xlsx_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | Promise = "Export",
) -> FileResponse:
    # A zip needs seeking, so it goes through a temporary file (deleted when closed).
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(tmp, header, rows, title=title)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=CONTENT_TYPES["xlsx"])
    return _attachment(response, filename)


# --- PDF ---------------------------------------------------------------------------------------


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def _pdf_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _pdf_grid(
    pdf: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], *, rtl: bool = False
) -> None:
    """A table of one-line cells (fpdf2's own table lays out every cell as a paragraph, ~20×
    slower). Column widths follow the longest text; numbers are right-aligned; the header is
    repeated on each new page. ``rtl``: the first column on the right, text right-aligned."""
    if rtl:
        header = list(header)[::-1]
        rows = [list(r)[::-1] for r in rows]
    texts = [[_pdf_text(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(r[i], int | float) or r[i] is None for r in rows if i < len(r))
        for i in range(len(header))
    ]
    pdf.set_font("sans", "", 8)
    longest = [
        max([pdf.get_string_width(str(h)) * 1.1, *(pdf.get_string_width(t[i]) for t in texts)])
        for i, h in enumerate(header)
    ]
    widths = [min(max(w + 3, 12), 70) for w in longest]
    scale = min(1.0, pdf.epw / sum(widths))
    widths = [w * scale for w in widths]

    def head() -> None:
        pdf.set_font("sans", "B", 8)
        pdf.set_fill_color(230, 240, 235)
        for w, h in zip(widths, header, strict=False):
            pdf.cell(w, 6, str(h), border="B", fill=True, align="R" if rtl else "L")
        pdf.ln(6)
        pdf.set_font("sans", "", 8)

    head()
    for row in texts:
        if pdf.will_page_break(5):
            pdf.add_page()
            head()
        for i, (w, t) in enumerate(zip(widths, row, strict=False)):
            while t and pdf.get_string_width(t) > w - 1:
                t = t[:-2] + "…"
            pdf.cell(w, 5, t, border="B", align="R" if numeric[i] or rtl else "L")
        pdf.ln(5)


def pdf_bytes(
    *,
    title: str,
    tables: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
    filters: Sequence[tuple[str, str]] = (),
    user: str = "",
    generated_at: dt.datetime | None = None,
    max_rows: int = 5000,
) -> bytes:
    """A printable A4 landscape report: programme header, title, filters, date, user, and
    each table as (subtitle, header, rows).

    Text is shaped by HarfBuzz so Urdu is joined and right-to-left. Reports are summaries; a
    table longer than ``max_rows`` is cut with a note (use CSV/XLSX for raw lists).
    """
    from fpdf import FPDF

    title, user = str(title), str(user)
    filters = [(str(k), str(v)) for k, v in filters]
    when = timezone.localtime(generated_at or timezone.now())
    # Reports are summaries, so their rows fit in memory. Shaping costs ~5 ms a cell: turn it
    # on only when some text is in Arabic script (Urdu).
    loaded = [(sub, list(header), [list(r) for r in rows]) for sub, header, rows in tables]
    texts = [title, user, str(PROGRAMME), _("Filters: %(filters)s"), *(v for _k, v in filters)]
    texts += [str(v) for _s, h, rs in loaded for v in [*h, *(c for r in rs for c in r)]]
    shaping = any(_ARABIC.search(t) for t in texts if t)
    # An Urdu reader gets the page laid out from the right.
    rtl = translation.get_language_bidi()
    align = "R" if rtl else "L"
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(user or str(PROGRAMME))
    pdf.add_font("sans", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    pdf.add_font("sans", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
    pdf.set_fallback_fonts(["naskh"], exact_match=False)
    pdf.set_text_shaping(shaping)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("sans", "B", 9)
    pdf.set_text_color(11, 110, 79)
    pdf.cell(0, 5, str(PROGRAMME), new_x="LMARGIN", new_y="NEXT", align=align)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("sans", "B", 15)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT", align=align)
    pdf.set_font("sans", "", 9)
    used = "; ".join(f"{k}: {v}" for k, v in filters) or _("none")
    pdf.multi_cell(
        0,
        5,
        _("Filters: %(filters)s") % {"filters": used},
        new_x="LMARGIN",
        new_y="NEXT",
        align=align,
    )
    generated = _("Generated %(when)s PKT by %(user)s") % {
        "when": f"{when:%Y-%m-%d %H:%M}",
        "user": user or "—",
    }
    pdf.cell(0, 5, generated, new_x="LMARGIN", new_y="NEXT", align=align)
    for subtitle, header, rows in loaded:
        pdf.ln(3)
        if subtitle:
            pdf.set_font("sans", "B", 11)
            pdf.cell(0, 7, subtitle, new_x="LMARGIN", new_y="NEXT", align=align)
        _pdf_grid(pdf, header, rows[:max_rows], rtl=rtl)
        if len(rows) > max_rows:
            pdf.cell(
                0,
                5,
                _("Only the first %(n)s rows are shown; use CSV or XLSX for all.")
                % {"n": f"{max_rows:,}"},
                align=align,
            )
            pdf.ln(5)
    return bytes(pdf.output())


def pdf_response(filename: str, **kwargs: Any) -> FileResponse:
    response = FileResponse(io.BytesIO(pdf_bytes(**kwargs)), content_type=CONTENT_TYPES["pdf"])
    return _attachment(response, filename)


def export_filename(stem: str, ext: str, when: dt.datetime | None = None) -> str:
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem)
    return f"{safe}-{stamp}.{ext}"
