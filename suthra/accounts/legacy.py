"""Parse a CSV export of the old system's ``staff`` table into typed records (no database).

Columns (as the seed names them): id, username, password, full_name, role, assigned_city,
assigned_ucs, is_active. ``assigned_ucs`` is PostgreSQL array text: ``{"UC-1","UC-2"}`` or ``{}``.
The plain-text password is carried only as far as the hasher and never printed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

REQUIRED_COLUMNS = {"username", "password", "full_name", "role", "assigned_city", "assigned_ucs"}
ROLES = {"AGENT", "SUPERVISOR", "MANAGER", "HEAD"}
TRUE = {"true", "t", "1", "yes", "y"}
FALSE = {"false", "f", "0", "no", "n", ""}


@dataclass
class LegacyStaff:
    line: int
    username: str
    password: str = field(repr=False)  # never in a repr, a log line or an error message
    full_name: str
    role: str
    city: str
    ucs: list[str]
    is_active: bool


@dataclass
class RowError:
    line: int
    username: str
    message: str
    # A stable reason code, the column and its value (``import_legacy``'s error report; never
    # the password): see suthra.migration.reasons.
    code: str = ""
    column: str = ""
    value: str = ""


class _RowProblem(ValueError):
    def __init__(self, message: str, code: str, column: str, value: str = "") -> None:
        super().__init__(message)
        self.code, self.column, self.value = code, column, value


def parse_pg_array(text: str) -> list[str]:
    """``{"UC-1","UC 2",plain}`` → ["UC-1", "UC 2", "plain"]; ``{}`` or "" → []."""
    text = (text or "").strip()
    if not text or text in ("{}", "NULL"):
        return []
    if not (text.startswith("{") and text.endswith("}")):
        raise ValueError('assigned_ucs must look like {"UC-1","UC-2"}')
    body = text[1:-1]
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    escaped = False
    for ch in body:
        if escaped:
            buf.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    if quoted:
        raise ValueError("assigned_ucs has an unclosed quote")
    items.append("".join(buf).strip())
    return [item for item in items if item and item != "NULL"]


def parse_rows(rows: Iterable[dict[str, str]]) -> tuple[list[LegacyStaff], list[RowError]]:
    """Shape checks only; cities, UCs and duplicates are checked against the database later."""
    records: list[LegacyStaff] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    validator = UnicodeUsernameValidator()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        username = (row.get("username") or "").strip()
        try:
            if not username:
                raise _RowProblem("username is empty", "username_invalid", "username")
            try:
                validator(username)
            except ValidationError as exc:
                raise _RowProblem(
                    f"username {username!r} has characters we do not allow",
                    "username_invalid",
                    "username",
                    username,
                ) from exc
            if len(username) > 50:
                raise _RowProblem(
                    "username is longer than 50 characters",
                    "username_invalid",
                    "username",
                    username,
                )
            if username.lower() in seen:
                raise _RowProblem(
                    "username appears twice in the file",
                    "duplicate_in_source",
                    "username",
                    username,
                )
            role = (row.get("role") or "").strip().upper()
            if role not in ROLES:
                raise _RowProblem(
                    f"role {role!r} is not one of {', '.join(sorted(ROLES))}",
                    "role_invalid",
                    "role",
                    role,
                )
            password = row.get("password") or ""
            if not password:
                raise _RowProblem("password is empty", "password_missing", "password")
            active_raw = (row.get("is_active") or "true").strip().lower()
            if active_raw not in TRUE | FALSE:
                raise _RowProblem(
                    f"is_active {active_raw!r} is not true/false",
                    "boolean_invalid",
                    "is_active",
                    active_raw,
                )
            try:
                ucs = parse_pg_array(row.get("assigned_ucs") or "")
            except ValueError as exc:
                raise _RowProblem(
                    str(exc), "ucs_invalid", "assigned_ucs", row.get("assigned_ucs") or ""
                ) from exc
            record = LegacyStaff(
                line=line,
                username=username,
                password=password,
                full_name=(row.get("full_name") or "").strip()[:120] or username,
                role=role,
                city=(row.get("assigned_city") or "").strip(),
                ucs=ucs,
                is_active=active_raw in TRUE,
            )
        except ValueError as exc:
            errors.append(
                RowError(
                    line,
                    username,
                    str(exc),
                    getattr(exc, "code", "invalid_value"),
                    getattr(exc, "column", ""),
                    getattr(exc, "value", ""),
                )
            )
            continue
        seen.add(username.lower())
        records.append(record)
    return records, errors


def read_csv(data: bytes | str) -> tuple[list[LegacyStaff], list[RowError]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"the file lacks the columns: {', '.join(sorted(missing))}")
    return parse_rows(reader)
