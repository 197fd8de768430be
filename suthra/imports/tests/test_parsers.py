"""The pure parsers: encodings, delimiters, XLSX, tolerant headers, typed cells."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from suthra.imports import parsers
from suthra.imports.parsers import Column, ParseError, RowError, read_table

SPEC = [
    Column("psid", ["psid"]),
    Column("month", ["bill_month", "month"]),
    Column("name", ["consumer name"], required=False),
]
URDU = "محمد علی"


def rows_of(table):
    return [
        [table.get(r, "psid"), table.get(r, "month"), table.get(r, "name")] for _, r in table.rows
    ]


@pytest.mark.parametrize(
    "encoded",
    [
        f"psid,bill_month,consumer name\n1,Nov-2025,{URDU}\n".encode(),
        b"\xef\xbb\xbf" + f"psid,bill_month,consumer name\n1,Nov-2025,{URDU}\n".encode(),
        f"psid\tbill_month\tconsumer name\r\n1\tNov-2025\t{URDU}\r\n".encode("utf-16"),
        f"psid\tbill_month\tconsumer name\r\n1\tNov-2025\t{URDU}\r\n".encode("utf-16-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom-tabs", "utf16-le-no-bom"],
)
def test_urdu_survives_every_encoding(encoded):
    table = read_table(encoded, spec=SPEC)
    assert rows_of(table) == [["1", "Nov-2025", URDU]]


def test_windows_1252_is_read():
    table = read_table("psid;month;consumer name\n1;Nov-2025;Café Ñ\n".encode("cp1252"), spec=SPEC)
    assert table.encoding == "windows-1252"
    assert table.delimiter == ";"
    assert rows_of(table) == [["1", "Nov-2025", "Café Ñ"]]


def test_headers_are_matched_tolerantly():
    table = read_table(b" PSID , Bill Month ,CONSUMER_NAME,extra\n1,Nov-2025,A,x\n", spec=SPEC)
    assert set(table.columns) == {"psid", "month", "name"}
    assert table.ignored == ["extra"]


def test_empty_file_and_header_only():
    with pytest.raises(ParseError, match="empty"):
        read_table(b"", spec=SPEC)
    with pytest.raises(ParseError, match="empty"):
        read_table(b"\xef\xbb\xbf\r\n \n", spec=SPEC)
    with pytest.raises(ParseError, match="no data rows"):
        read_table(b"psid,bill_month\n", spec=SPEC)


def test_wrong_delimiter_says_so():
    with pytest.raises(ParseError, match="separated by commas, semicolons or tabs"):
        read_table(b"psid|bill_month\n1|Nov-2025\n", spec=SPEC)


def test_missing_columns_are_named():
    with pytest.raises(ParseError, match="Missing column.*bill_month"):
        read_table(b"psid,amount\n1,2\n", spec=SPEC)


def test_two_columns_meaning_the_same_are_refused():
    with pytest.raises(ParseError, match="mean the same"):
        read_table(b"psid,month,bill_month\n1,a,b\n", spec=SPEC)


def test_size_limit_has_a_clear_message():
    with pytest.raises(ParseError, match="limit is"):
        read_table(b"psid,month\n" + b"1,Nov-2025\n" * 200, spec=SPEC, max_bytes=1024)


def test_binary_and_old_excel_are_refused():
    with pytest.raises(ParseError, match="not a text"):
        read_table(b"\x01\x02\x00\x00\x05" * 50, spec=SPEC)
    with pytest.raises(ParseError, match=".xls files"):
        read_table(b"\xd0\xcf\x11\xe0" + b"x" * 100, spec=SPEC)


def _xlsx(sheets):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_picks_the_sheet_whose_headers_match_and_never_evaluates_formulas():
    data = _xlsx(
        [
            ("Notes", [["Read me"], ["This sheet is not the data"]]),
            (
                "Bills",
                [["PSID", "Bill Month"], ["10020030040050003", "Nov-2025"], ["=1+1", "=NOW()"]],
            ),
        ]
    )
    table = read_table(data, filename="bills.xlsx", spec=SPEC)
    assert table.sheet == "Bills"
    assert [r[:2] for r in rows_of(table)] == [
        ["10020030040050003", "Nov-2025"],
        ["=1+1", "=NOW()"],
    ]
    with pytest.raises(ValueError, match="formula"):
        parsers.psid("=1+1")
    # Excel keeps a 17-digit number as a float and loses digits: refused with the reason.
    with pytest.raises(ValueError, match="lost digits"):
        parsers.psid(float(10020030040050003))


def test_damaged_xlsx_is_refused():
    with pytest.raises(ParseError, match="damaged"):
        read_table(b"PK\x03\x04garbage", filename="x.xlsx", spec=SPEC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nov-2025", dt.date(2025, 11, 1)),
        ("November 2025", dt.date(2025, 11, 1)),
        ("2025-11", dt.date(2025, 11, 1)),
        ("2025-11-30", dt.date(2025, 11, 1)),
        ("11/2025", dt.date(2025, 11, 1)),
        (dt.datetime(2025, 11, 5, 10, 0), dt.date(2025, 11, 1)),
    ],
)
def test_month_formats(raw, expected):
    assert parsers.month(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13", "13/2025", "Foo-2025", "2025-02-30", "", "=A1"])
def test_bad_months(raw):
    with pytest.raises(ValueError):
        parsers.month(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-11-15", dt.date(2025, 11, 15)),
        ("15/11/2025", dt.date(2025, 11, 15)),
        ("15-Nov-2025", dt.date(2025, 11, 15)),
        ("2025-11-15 09:27:00", dt.date(2025, 11, 15)),
    ],
)
def test_dates(raw, expected):
    assert parsers.date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "31/04/2025", "32-Jan-2025", "yesterday"])
def test_impossible_dates(raw):
    with pytest.raises(ValueError):
        parsers.date(raw)


def test_integers():
    assert parsers.integer("1,000") == 1000
    assert parsers.integer(300.0) == 300
    for bad in ["-5", "abc", "12.5", 12.5, "", "=2*3"]:
        with pytest.raises(ValueError):
            parsers.integer(bad)


def test_psid_rules():
    assert parsers.psid(" 10020030040050003 ") == 10020030040050003
    for bad in ["12345", "1002003004005000312345", "1002003004005000A", 1.0020030040050003e16]:
        with pytest.raises(ValueError):
            parsers.psid(bad)


def test_error_report_neutralises_formulas():
    report = parsers.errors_csv(
        [RowError(3, "psid", '=HYPERLINK("x")', "bad"), RowError(4, "a", "-1", "+x")]
    )
    text = report.decode("utf-8-sig")
    assert text.splitlines()[0] == "row,column,value,reason"
    assert "'=HYPERLINK" in text and "'-1" in text and "'+x" in text


def test_csv_rows_are_read_again_from_the_text_with_their_record_numbers():
    data = b'psid,bill_month,consumer name\n\n1,Nov-2025,"two\nlines"\n,,\n2,Dec-2025,x\n'
    table = read_table(data, spec=SPEC)
    assert len(table.rows) == 2 and table.rows
    expected = [(3, ["1", "Nov-2025", "two\nlines"]), (5, ["2", "Dec-2025", "x"])]
    assert list(table.rows) == expected and list(table.rows) == expected  # iterated twice
    assert table.rows[1] == expected[1]


def test_malformed_csv_and_too_many_rows_fail_before_any_row_is_parsed(monkeypatch):
    with pytest.raises(ParseError, match="malformed"):
        read_table(b"psid,bill_month\n1," + b"x" * 200_000 + b"\n", spec=SPEC)
    monkeypatch.setattr(parsers, "MAX_ROWS", 2)
    with pytest.raises(ParseError, match="more than 2 rows"):
        read_table(b"psid,bill_month\n1,a\n2,b\n3,c\n", spec=SPEC)


def test_a_header_with_a_million_columns_is_refused_csv_and_xlsx():
    """Issue 21, finding 4: 1,000,000 extra header columns were read and stored."""
    header = "psid,bill_month," + ",".join(f"x{i}" for i in range(1_000_000))
    with pytest.raises(ParseError, match="more than 100 columns"):
        read_table((header + "\n1,2025-11\n").encode(), spec=SPEC)
    book = Workbook()
    sheet = book.active
    sheet.append(["psid", "bill_month", *[f"x{i}" for i in range(300)]])
    sheet.append([1, "2025-11"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ParseError, match="more than 100 columns"):
        read_table(buffer.getvalue(), filename="a.xlsx", spec=SPEC)


def test_ignored_columns_are_listed_briefly():
    header = "psid,bill_month," + ",".join("extra" + "y" * 100 + str(i) for i in range(50))
    table = read_table((header + "\n1,2025-11\n").encode(), spec=SPEC)
    assert len(table.ignored) == parsers.MAX_IGNORED_LISTED
    assert all(len(name) <= 60 for name in table.ignored)


def _big_xlsx(rows: int) -> bytes:
    from suthra.core.exports import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        ["psid", "bill_month", "consumer name"],
        ([f"1002003004{i:07d}", "Nov-2025", f"consumer {i}"] for i in range(rows)),
    )
    return buffer.getvalue()


def test_xlsx_rows_are_streamed_and_memory_stays_bounded():
    """Issue 21, finding 4: an XLSX's rows were collected in a list (2 M rows → 1.6 GB). Read
    and iterated, 30,000 rows stay under 6 MB of Python allocations; the list of those rows
    alone costs more than that (and it grew with the file)."""
    import tracemalloc

    data = _big_xlsx(30_000)
    tracemalloc.start()
    try:
        table = read_table(data, filename="big.xlsx", spec=SPEC)
        count = sum(1 for _ in table.rows)
        streamed_peak = tracemalloc.get_traced_memory()[1]
        before = tracemalloc.get_traced_memory()[0]
        listed = list(table.rows)
        list_cost = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert count == len(listed) == len(table.rows) == 30_000
    assert list_cost > 6_000_000, list_cost
    assert streamed_peak < 6_000_000, streamed_peak


def test_xlsx_rows_are_read_again_with_their_row_numbers_and_counted():
    data = _xlsx(
        [("Bills", [["psid", "bill_month"], ["1", "Nov-2025"], [None, None], ["2", "Dec-2025"]])]
    )
    table = read_table(data, filename="b.xlsx", spec=SPEC)
    assert len(table.rows) == 3  # the <row> elements, the blank one included, until read
    expected = [(2, ["1", "Nov-2025"]), (4, ["2", "Dec-2025"])]
    assert list(table.rows) == expected and list(table.rows) == expected  # iterated twice
    assert len(table.rows) == 2 and table.rows[1] == expected[1]


def test_xlsx_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(parsers, "MAX_ROWS", 5)
    with pytest.raises(ParseError, match="more than 5 rows"):
        read_table(_big_xlsx(10), filename="b.xlsx", spec=SPEC)


def test_row_tags_are_counted_across_the_pieces_of_a_sheet(monkeypatch):
    import zipfile

    body = b"<sheetData>" + b'<row r="1"><c/></row>' * 50_000 + b"</sheetData>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", body)
    with zipfile.ZipFile(buffer) as archive:
        assert parsers._count_row_tags(archive, "sheet.xml") == 50_000


def test_error_report_is_capped_with_the_counts_of_the_rest_per_reason():
    """Issue 21, finding 4: 2 M bad rows made a 499 MB report."""
    errors = [RowError(i, "psid", "x", "PSID must be digits only") for i in range(2, 12)]
    errors += [RowError(i, "month", "y", "not a month") for i in range(12, 15)]
    lines = parsers.errors_csv(errors, max_rows=4).decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert [line.split(",")[0] for line in lines[1:5]] == ["2", "3", "4", "5"]
    assert len(lines) == 6
    assert lines[5] == ",,,9 more problems not listed: PSID must be digits only 6; not a month 3"
    # Under the cap: no counts line.
    assert len(parsers.errors_csv(errors[:3], max_rows=4).decode().splitlines()) == 4
