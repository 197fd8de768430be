"""Exports shared by every app: streamed CSV and XLSX, and printable PDF with shaped Urdu.

- Rows are read by keyset chunks on the primary key (``pk > last ORDER BY pk LIMIT n``), never
  with a server-side cursor (the Supabase transaction pooler cannot hold one), so memory stays
  flat whatever the size of the export.
- Every text cell that a spreadsheet would read as a formula (it starts with ``= + - @``, a tab
  or a carriage return) is prefixed with ``'`` (OWASP "CSV injection").
- XLSX is written with openpyxl's write-only workbook (rows go straight to a temporary file).
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
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
PROGRAMME = "Suthra Punjab — Sanitation fee billing"


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


def write_xlsx(
    out: IO[bytes] | str | Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Export",
) -> None:
    """Write one sheet with a bold, frozen header row. Memory stays flat (write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Export")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in header:
        cell = WriteOnlyCell(ws, value=neutralise(str(h)))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    wb.save(out)


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export"
) -> FileResponse:
    # A zip needs seeking, so it goes through a temporary file (deleted when closed).
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(tmp, header, rows, title=title)
    tmp.seek(0)
    response = FileResponse(tmp, content_type=CONTENT_TYPES["xlsx"])
    return _attachment(response, filename)


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


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
    from fpdf.fonts import FontFace

    when = timezone.localtime(generated_at or timezone.now())
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(user or PROGRAMME)
    pdf.add_font("sans", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    pdf.add_font("sans", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
    pdf.set_fallback_fonts(["naskh"], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font("sans", "B", 9)
    pdf.set_text_color(11, 110, 79)
    pdf.cell(0, 5, PROGRAMME, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("sans", "B", 15)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", "", 9)
    used = "; ".join(f"{k}: {v}" for k, v in filters) or "none"
    pdf.multi_cell(0, 5, f"Filters: {used}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        5,
        f"Generated {when:%Y-%m-%d %H:%M} PKT by {user or '—'}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for subtitle, header, rows in tables:
        pdf.ln(3)
        if subtitle:
            pdf.set_font("sans", "B", 11)
            pdf.cell(0, 7, subtitle, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 8)
        cut = False
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 240, 235)),
            line_height=5,
            text_align="LEFT",
            repeat_headings=1,
        ) as table:
            head = table.row()
            for h in header:
                head.cell(str(h))
            for i, values in enumerate(rows):
                if i >= max_rows:
                    cut = True
                    break
                row = table.row()
                for v in values:
                    row.cell(_pdf_text(v))
        if cut:
            pdf.cell(0, 5, f"Only the first {max_rows:,} rows are shown; use CSV or XLSX for all.")
            pdf.ln(5)
    return bytes(pdf.output())


def pdf_response(filename: str, **kwargs: Any) -> FileResponse:
    response = FileResponse(io.BytesIO(pdf_bytes(**kwargs)), content_type=CONTENT_TYPES["pdf"])
    return _attachment(response, filename)


def export_filename(stem: str, ext: str, when: dt.datetime | None = None) -> str:
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem)
    return f"{safe}-{stamp}.{ext}"
