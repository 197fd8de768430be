"""Where the old tables come from: a directory of CSV exports, or the old database itself.

Both give the same thing: a table's header and its data rows as lists of strings, streamed
(never the whole table in memory). The database is read with ``COPY (SELECT …) TO STDOUT`` in
CSV over an ordinary connection — no server-side cursor, so it works through a transaction
pooler (Supabase's port 6543) — and its rows then go through the very same CSV reader and
checks as a file's.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# The order the old tables are read in (each needs the ones before it), and the key each is
# read in order of from the database (a chunk must hold the same rows on every run).
TABLES = ["unique_locations", "survey_units", "staff", "bills", "tickets", "compliance_visits"]
ORDER_BY = {
    "unique_locations": "city_district, uc_name",
    "survey_units": "survey_id",
    "staff": "id",
    "bills": "psid, bill_month",
    "tickets": "ticket_id",
    "compliance_visits": "id",
}

Rows = Iterator[tuple[int, list[str]]]


def _records(lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
    """CSV records as (record number, cells); the header is record 1; blank records skipped."""
    for number, record in enumerate(csv.reader(lines), start=1):
        if record and "".join(record).strip():
            yield number, record


class Source:
    key: str = ""
    label: str = ""

    def has(self, table: str) -> bool:
        raise NotImplementedError

    def fingerprint(self, table: str) -> str:
        raise NotImplementedError

    def estimate(self, table: str) -> int | None:
        """About how many rows the table has (for the progress bar)."""
        return None

    @contextmanager
    def open(self, table: str) -> Iterator[tuple[list[str], Rows]]:
        raise NotImplementedError
        yield  # pragma: no cover


class FileSource(Source):
    """``DIR/<table>.csv`` as the old system exported them (UTF-8, or Windows-1252)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.key = f"files:{self.directory}"[:255]
        self.label = str(self.directory)

    def path(self, table: str) -> Path | None:
        for name in (f"{table}.csv", f"{table}.CSV"):
            if (self.directory / name).is_file():
                return self.directory / name
        return None

    def has(self, table: str) -> bool:
        return self.path(table) is not None

    def fingerprint(self, table: str) -> str:
        path = self.path(table)
        assert path is not None
        stat = path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"

    def estimate(self, table: str) -> int | None:
        path = self.path(table)
        assert path is not None
        lines = 0
        with path.open("rb") as f:
            while block := f.read(1 << 22):
                lines += block.count(b"\n")
        return max(0, lines - 1)

    def _encoding(self, path: Path) -> str:
        with path.open("rb") as f:
            head = f.read(1 << 20)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the block's end
                return "cp1252"
        return "utf-8-sig"

    @contextmanager
    def open(self, table: str) -> Iterator[tuple[list[str], Rows]]:
        path = self.path(table)
        assert path is not None
        with path.open(encoding=self._encoding(path), newline="") as f:
            records = _records(f)
            header = next(records, (1, []))[1]
            yield [h.lstrip("\ufeff") for h in header], records


def _lines(blocks: Iterator[bytes | memoryview]) -> Iterator[str]:
    """COPY's output blocks as text lines (a quoted newline is put back together by csv)."""
    rest = b""
    for block in blocks:
        data = rest + bytes(block)
        cut = data.rfind(b"\n") + 1
        if cut:
            yield from data[:cut].decode("utf-8").splitlines(keepends=True)
        rest = data[cut:]
    if rest:
        yield rest.decode("utf-8")


class DatabaseSource(Source):
    """The old PostgreSQL database (e.g. Supabase), read with COPY … TO STDOUT."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        # The password never goes into the key, the batch or a message.
        self.label = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        self.key = f"db:{self.label}"[:255]
        self.conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
            self.tables = {row[0] for row in cur.fetchall()}
        self._counts: dict[str, int] = {}

    def has(self, table: str) -> bool:
        return table in self.tables

    def _count(self, table: str) -> int:
        if table not in self._counts:
            with self.conn.cursor() as cur:
                cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a known name
                row = cur.fetchone()
                self._counts[table] = int(row[0]) if row else 0
        return self._counts[table]

    def fingerprint(self, table: str) -> str:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)"
                " FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            row = cur.fetchone()
        columns = hashlib.sha256(str(row[0] if row else "").encode()).hexdigest()[:16]
        return f"{self._count(table)}:{columns}"

    def estimate(self, table: str) -> int | None:
        return self._count(table)

    @contextmanager
    def open(self, table: str) -> Iterator[tuple[list[str], Rows]]:
        sql = (
            f'COPY (SELECT * FROM "{table}" ORDER BY {ORDER_BY[table]})'  # noqa: S608
            " TO STDOUT (FORMAT csv, HEADER true, ENCODING 'UTF8')"
        )
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            records = _records(_lines(iter(copy)))  # type: ignore[arg-type]
            header = next(records, (1, []))[1]
            yield header, records
            for _ in records:  # a caller that stopped early: drain, the connection is reused
                pass

    def close(self) -> None:
        self.conn.close()
