"""Pure parsers: uploaded bytes → a header map and raw rows. No database access here.

Used by every import (bills, payments, and later survey units): ``read_table`` detects the file
type and encoding, finds the header row, matches headers tolerantly against a list of
``Column`` specs and yields the data rows as lists of strings (XLSX cells keep their Python type
except that formulas are returned as their text, never evaluated). The per-kind modules turn the
raw values into typed records with ``RowError`` for what is wrong (see ``fields`` below).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from suthra.core.exports import neutralise

# A file larger than this is refused before it is read (IMPORT_MAX_BYTES in settings).
DEFAULT_MAX_BYTES = 40 * 1024 * 1024
# An XLSX is a zip: refuse one that would inflate to more than this many times the limit.
XLSX_INFLATE_FACTOR = 8
MAX_ROWS = 2_000_000
# A bill or payment file has about ten columns; a header of a million (issue 21, finding 4)
# must not become a million-item row per line or 5 MB of "ignored columns" on every page.
MAX_COLUMNS = 100
MAX_IGNORED_LISTED = 20
# The error report lists this many problems, then one line with the counts per reason of the
# rest (IMPORT_ERROR_REPORT_MAX_ROWS in settings): 2 M bad rows made a 499 MB report.
ERROR_REPORT_MAX_ROWS = 10_000
REASONS_COUNTED = 20
CSV_DELIMITERS = (",", ";", "\t")


class ParseError(ValueError):
    """The file as a whole cannot be read (wrong type, encoding, delimiter, missing columns)."""


@dataclass(frozen=True)
class Column:
    """One expected column: its key, the header names it may appear under, and if required."""

    key: str
    names: Sequence[str]
    required: bool = True
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.names[0]


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (or one row when ``column`` is empty)."""

    row: int
    column: str
    value: str
    reason: str


class CsvRows:
    """The data rows of a CSV file as ``(record number, cells)``, read again from the decoded
    text each time they are iterated: a list of 300,000 rows of strings would take ~180 MB
    where the text takes ~20 MB. ``read_table`` counts them (and checks that the CSV is
    well-formed) once, so ``len`` is free."""

    def __init__(self, text: str, delimiter: str) -> None:
        self.text, self.delimiter = text, delimiter
        self.count = 0
        for _row in self:  # raises csv.Error on a malformed file
            self.count += 1
            if self.count > MAX_ROWS:
                raise ParseError(
                    gettext("The file has more than %(n)s rows.") % {"n": f"{MAX_ROWS:,}"}
                )

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-blank record, the header row first."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        for number, record in enumerate(reader, start=1):
            if "".join(record).strip():
                yield number, record

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        records = self.records()
        next(records, None)  # the header row
        yield from records

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> tuple[int, list[Any]]:
        return list(self)[index]


class XlsxRows:
    """The data rows of one XLSX sheet as ``(row number, cells)``, streamed from the zip each
    time they are iterated (openpyxl's read-only mode parses the sheet XML as it goes): a list
    of 2 M rows took a worker to 1.6 GB (issue 21, finding 4). Parsing is the slow part
    (~7 k rows/s here), so the rows are not counted in a pass of their own: ``len`` is the number
    of ``<row>`` elements in the sheet XML (blank rows included) until the rows have been
    iterated once, then the exact number of non-blank rows."""

    def __init__(self, workbook: Any, sheet: Any, first_row: int, width: int, estimate: int):
        self.workbook, self.sheet, self.first_row, self.width = workbook, sheet, first_row, width
        self.count = estimate
        if estimate > MAX_ROWS:
            raise ParseError(gettext("The file has more than %(n)s rows.") % {"n": f"{MAX_ROWS:,}"})

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        count = 0
        rows = self.sheet.iter_rows(min_row=self.first_row, max_col=self.width, values_only=True)
        for number, values in enumerate(rows, start=self.first_row):
            if not any(v not in (None, "") for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ParseError(
                    gettext("The file has more than %(n)s rows.") % {"n": f"{MAX_ROWS:,}"}
                )
            # Formulas come back as their text ("=SUM(A1:A3)"): the workbook is opened with
            # data_only=False, so they fail validation as text and are never evaluated.
            yield number, list(values)
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None

    def __getitem__(self, index: int) -> tuple[int, list[Any]]:
        return list(self)[index]


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def _count_row_tags(archive: zipfile.ZipFile, path: str) -> int:
    """``<row>`` elements in a sheet's XML, read in 256 KB pieces (never the whole sheet)."""
    count, carry = 0, b""
    with archive.open(path.lstrip("/")) as handle:
        while True:
            piece = handle.read(1 << 18)
            chunk = carry + piece
            # A tag cut at the end of a piece is counted with the next piece: keep the last
            # 64 bytes (longer than any row tag) and count only tags that start before them.
            keep = 64 if piece else 0
            limit = len(chunk) - keep
            count += sum(1 for m in _ROW_TAG.finditer(chunk) if m.start() < limit)
            if not piece:
                return count
            carry = chunk[limit:]


@dataclass
class Table:
    """A parsed file: which column index holds which key, and the data rows."""

    columns: dict[str, int]
    headers: list[str]
    rows: Sequence[tuple[int, list[Any]]] | CsvRows | XlsxRows
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    ignored: list[str] = field(default_factory=list)

    def get(self, row: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(row):
            return None
        return row[index]


def normalise_header(text: Any) -> str:
    """ "Bill Month", "bill_month", " BILL-MONTH " → "billmonth"."""
    return re.sub(r"[^0-9a-z\u0600-\u06ff]", "", str(text or "").strip().lower())


# --- decoding -------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding). UTF-8 with or without BOM, UTF-16 (BOM or not), Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ParseError(
                gettext("The file says it is UTF-16 but is not readable as such.")
            ) from exc
    head = data[:2000]
    # UTF-16 without a BOM: every other byte of mostly-ASCII text is a zero.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = max(1, len(head) // 2)
    if len(head) >= 4 and max(even, odd) > 0.7 * half and min(even, odd) < 0.1 * half:
        codec = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise ParseError(
                gettext("The file looks like UTF-16 but is not readable as such.")
            ) from exc
    if b"\x00" in head:
        raise ParseError(
            gettext("This is not a text (CSV) file. Upload a CSV or an Excel .xlsx file.")
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise ParseError(
            gettext("The file's text encoding is not recognised. Save it as CSV UTF-8 or as .xlsx.")
        ) from exc


# --- header matching ------------------------------------------------------------------------


def _trimmed(headers: Sequence[Any]) -> list[Any]:
    """Headers without the empty cells after the last named one (a sheet pads its rows)."""
    end = len(headers)
    while end and not str(headers[end - 1] if headers[end - 1] is not None else "").strip():
        end -= 1
    return list(headers[:end])


def match_headers(headers: Sequence[Any], spec: Sequence[Column]) -> tuple[dict[str, int], list]:
    """Map column keys to indexes. Returns (columns, ignored header names — the first
    ``MAX_IGNORED_LISTED``, each cut to 60 characters)."""
    headers = _trimmed(headers)
    if len(headers) > MAX_COLUMNS:
        raise ParseError(
            gettext("The file has more than %(n)s columns; remove the extra columns.")
            % {"n": MAX_COLUMNS}
        )
    wanted: dict[str, str] = {}
    for column in spec:
        for name in (column.key, *column.names):
            wanted.setdefault(normalise_header(name), column.key)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = wanted.get(normalise_header(header))
        if key is None:
            if str(header or "").strip() and len(ignored) < MAX_IGNORED_LISTED:
                ignored.append(str(header).strip()[:60])
            continue
        if key in columns:
            raise ParseError(
                gettext("Two columns mean the same thing: '%(first)s' and '%(second)s'.")
                % {"first": headers[columns[key]], "second": header}
            )
        columns[key] = index
    return columns, ignored


def _score(headers: Sequence[Any], spec: Sequence[Column]) -> int:
    try:
        columns, _ = match_headers(headers, spec)
    except ParseError:
        return 0
    return len(columns)


def _check_required(headers: Sequence[Any], columns: dict[str, int], spec: Sequence[Column]):
    missing = [c.title for c in spec if c.required and c.key not in columns]
    if not missing:
        return
    found = ", ".join(str(h) for h in headers if str(h or "").strip()) or gettext("nothing")
    hint = ""
    if len(headers) == 1 and any(s in str(headers[0]) for s in "|:"):
        hint = " " + gettext("The columns seem to be separated by something other than commas.")
    raise ParseError(
        gettext("Missing column(s): %(missing)s. The header row has: %(found)s.")
        % {"missing": ", ".join(missing), "found": found[:300]}
        + hint
    )


# --- CSV ------------------------------------------------------------------------------------


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, spec: Sequence[Column]) -> Table:
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    if not first:
        raise ParseError(gettext("The file is empty."))
    delimiter = sniff_delimiter(first)
    try:
        rows = CsvRows(text, delimiter)
        headers = next(rows.records())[1]
    except csv.Error as exc:
        raise ParseError(gettext("The CSV file is malformed: %(error)s.") % {"error": exc}) from exc
    columns, ignored = match_headers(headers, spec)
    if len(headers) == 1 and len(spec) > 1 and len(columns) <= 1:
        raise ParseError(
            gettext(
                "Only one column was found: the file must be separated by commas, semicolons or "
                "tabs. Header row: %(header)s"
            )
            % {"header": first[:200]}
        )
    _check_required(headers, columns, spec)
    return Table(
        columns, list(headers), rows, encoding=encoding, delimiter=delimiter, ignored=ignored
    )


# --- XLSX -----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, spec: Sequence[Column], max_bytes: int) -> Table:
    from openpyxl import load_workbook  # imported here: only XLSX uploads need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ParseError(gettext("The Excel file is damaged or not an .xlsx file.")) from exc
    if inflated > max_bytes * XLSX_INFLATE_FACTOR:
        raise ParseError(
            gettext("The Excel file unpacks to too much data; split it into smaller files.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ParseError(
            gettext("The Excel file cannot be read: %(error)s.") % {"error": exc.__class__.__name__}
        ) from exc
    try:
        best: tuple[int, Any, list[Any], int] | None = None
        for sheet in workbook.worksheets:
            for number, values in enumerate(
                sheet.iter_rows(max_row=10, max_col=MAX_COLUMNS + 1, values_only=True), start=1
            ):
                if not any(v not in (None, "") for v in values):
                    continue
                score = _score(list(values), spec)
                if best is None or score > best[0]:
                    best = (score, sheet, list(values), number)
                break
        if best is None:
            raise ParseError(gettext("The file is empty."))
        _, sheet, headers, header_row = best
        headers = ["" if h is None else str(h) for h in _trimmed(headers)]
        columns, ignored = match_headers(headers, spec)
        _check_required(headers, columns, spec)
        path = getattr(sheet, "_worksheet_path", "")
        rows_in_xml = _count_row_tags(workbook._archive, path) if path else 0
        rows = XlsxRows(
            workbook,
            sheet,
            header_row + 1,
            min(len(headers), MAX_COLUMNS),
            max(0, rows_in_xml - header_row),
        )
        return Table(columns, headers, rows, encoding="xlsx", sheet=sheet.title, ignored=ignored)
    except BaseException:
        workbook.close()
        raise
    # Otherwise the workbook stays open for the rows (it reads from the bytes in memory).


def read_table(
    data: bytes, *, filename: str = "", spec: Sequence[Column], max_bytes: int = DEFAULT_MAX_BYTES
) -> Table:
    """Read a CSV or XLSX file into a ``Table``; raise ``ParseError`` with a clear message."""
    if len(data) > max_bytes:
        raise ParseError(
            gettext(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files."
            )
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "limit": f"{max_bytes / 1024 / 1024:.0f}"}
        )
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ParseError(gettext("The file is empty."))
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, spec, max_bytes)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ParseError(
            gettext("Old Excel .xls files are not supported: save it as .xlsx or CSV.")
        )
    else:
        table = _read_csv(data, spec)
    if not table.rows:
        raise ParseError(gettext("The file has a header row but no data rows."))
    return table


# --- typed cell readers (each returns a value or raises ValueError with the reason) --------

FORMULA_PREFIXES = ("=", "+", "-", "@")
MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _reject_formula(raw: str) -> None:
    if raw.startswith("=") or (raw.startswith(("+", "@")) and not raw[1:].isdigit()):
        raise ValueError(gettext("looks like a formula; formulas are not evaluated"))


# The largest whole number a 4-byte database column holds.
MAX_INTEGER = 2_147_483_647


def integer(
    value: Any, *, minimum: int | None = 0, maximum: int = MAX_INTEGER, name: str = "amount"
) -> int:
    """A whole number (Excel's 300.0 is fine; "1,000" is fine; 12.5 or "abc" are not)."""
    if type(value) is str and value.isdigit() and value.isascii() and len(value) < 10:
        number = int(value)  # the common case, fast
        if number > maximum:
            raise ValueError(
                gettext("%(name)s is more than %(max)s") % {"name": name, "max": f"{maximum:,}"}
            )
        return number
    if isinstance(value, bool):
        raise ValueError(gettext("%(name)s must be a whole number") % {"name": name})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(gettext("%(name)s must be a whole number of rupees") % {"name": name})
        number = int(value)
    else:
        raw = text(value)
        if not raw:
            raise ValueError(gettext("%(name)s is missing") % {"name": name})
        _reject_formula(raw)
        cleaned = raw.replace(",", "").replace(" ", "")
        if re.fullmatch(r"-?\d+(\.0+)?", cleaned) is None:
            raise ValueError(gettext("%(name)s must be a whole number") % {"name": name})
        number = int(cleaned.split(".")[0])
    if minimum is not None and number < minimum:
        raise ValueError(gettext("%(name)s must not be negative") % {"name": name})
    if number > maximum:
        raise ValueError(
            gettext("%(name)s is more than %(max)s") % {"name": name, "max": f"{maximum:,}"}
        )
    return number


def psid(value: Any, *, min_digits: int = 12, max_digits: int = 18) -> int:
    """An e-Pay PSID: digits only, of sane length. Excel floats lose digits and are refused."""
    if (
        type(value) is str
        and value.isdigit()
        and value.isascii()
        and min_digits <= len(value) <= max_digits
    ):
        return int(value)  # the common case, fast
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(gettext("PSID must be digits only"))
    if isinstance(value, float) and value >= 2**53:
        raise ValueError(
            gettext("PSID was stored as a number in Excel and lost digits; format it as text")
        )
    raw = text(value).replace(" ", "").replace("-", "")
    if not raw:
        raise ValueError(gettext("PSID is missing"))
    _reject_formula(raw)
    if not raw.isdigit() or not raw.isascii():
        raise ValueError(gettext("PSID must be digits only"))
    if not min_digits <= len(raw) <= max_digits:
        raise ValueError(
            gettext("PSID must have %(min)s–%(max)s digits (has %(n)s)")
            % {"min": min_digits, "max": max_digits, "n": len(raw)}
        )
    return int(raw)


def _year(raw: str) -> int:
    year = int(raw)
    if year < 100:
        year += 2000
    if not 2000 <= year <= 2100:
        raise ValueError(gettext("year out of range"))
    return year


def month(value: Any) -> dt.date:
    """A billing month: "Nov-2025", "November 2025", "2025-11", "2025-11-01", "11/2025", a date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    # A file has few distinct months: parse each spelling once.
    return _month_text(text(value))


@functools.lru_cache(maxsize=1024)
def _month_text(raw: str) -> dt.date:
    if not raw:
        raise ValueError(gettext("month is missing"))
    _reject_formula(raw)
    low = raw.lower().replace(",", " ").strip()
    try:
        if m := re.fullmatch(r"([a-z]+)[\s\-/.']*(\d{2}|\d{4})", low):
            name, year = m.groups()
            if name not in MONTHS:
                raise ValueError
            return dt.date(_year(year), MONTHS[name], 1)
        if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?", low):
            year, mon, day = m.groups()
            if day:
                dt.date(int(year), int(mon), int(day))  # the date must exist
            return dt.date(_year(year), int(mon), 1)
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", low):
            mon, year = m.groups()
            return dt.date(_year(year), int(mon), 1)
        if m := re.fullmatch(r"(\d{1,2})[-/.]([a-z]+|\d{1,2})[-/.](\d{4})", low):
            return date(raw).replace(day=1)
    except ValueError as exc:
        raise ValueError(
            gettext("not a valid month: %(error)s") % {"error": exc}
            if str(exc)
            else gettext("not a valid month")
        ) from exc
    raise ValueError(gettext("not a month (use Nov-2025 or 2025-11)"))


def date(value: Any) -> dt.date:
    """A day: "2025-11-15", "15/11/2025" (day first, as in Pakistan), "15-Nov-2025", a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _date_text(text(value))


@functools.lru_cache(maxsize=4096)
def _date_text(raw: str) -> dt.date:
    if not raw:
        raise ValueError(gettext("date is missing"))
    _reject_formula(raw)
    low = raw.lower().strip()
    # "2025-11-15 09:27:00" and ISO datetimes: the date part.
    low = re.split(r"[ t](?=\d{1,2}:)", low)[0]
    try:
        if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", low):
            y, mo, d = m.groups()
            return dt.date(_year(y), int(mo), int(d))
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", low):
            d, mo, y = m.groups()
            return dt.date(_year(y), int(mo), int(d))
        if m := re.fullmatch(r"(\d{1,2})[-/. ]([a-z]+)[-/. ](\d{2}|\d{4})", low):
            d, name, y = m.groups()
            if name not in MONTHS:
                raise ValueError(gettext("unknown month name"))
            return dt.date(_year(y), MONTHS[name], int(d))
    except ValueError as exc:
        raise ValueError(gettext("impossible date (%(error)s)") % {"error": exc}) from exc
    raise ValueError(gettext("not a date (use 2025-11-15 or 15/11/2025)"))


def error_rows(
    errors: Iterable[RowError], *, max_rows: int = ERROR_REPORT_MAX_ROWS
) -> Iterator[list[str]]:
    """The report's lines: the first ``max_rows`` problems, then one line with how many were
    left out and their counts per reason (the most common ``REASONS_COUNTED``)."""
    yield ["row", "column", "value", "reason"]
    left_out: Counter[str] = Counter()
    for listed, e in enumerate(errors):
        if listed < max_rows:
            yield [str(e.row), neutralise(e.column), neutralise(e.value), neutralise(e.reason)]
        else:
            left_out[e.reason] += 1
    if left_out:
        yield ["", "", "", neutralise(left_out_line(left_out))]


def left_out_line(left_out: Counter[str]) -> str:
    """ "12,000 more problems not listed: PSID is missing 11,000; …" """
    common = left_out.most_common(REASONS_COUNTED)
    parts = [f"{reason} {count:,}" for reason, count in common]
    rest = sum(left_out.values()) - sum(count for _, count in common)
    if rest:
        parts.append(gettext("other reasons %(n)s") % {"n": f"{rest:,}"})
    return gettext("%(n)s more problems not listed: %(reasons)s") % {
        "n": f"{sum(left_out.values()):,}",
        "reasons": "; ".join(parts),
    }


def errors_csv(errors: Iterable[RowError], *, max_rows: int = ERROR_REPORT_MAX_ROWS) -> bytes:
    """The downloadable error report (UTF-8 with BOM so Excel shows Urdu correctly), capped at
    ``max_rows`` problems plus the counts line."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # written first: no second copy of a large report to prepend it
    writer = csv.writer(buffer)
    writer.writerows(error_rows(errors, max_rows=max_rows))
    return buffer.getvalue().encode("utf-8")
