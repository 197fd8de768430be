"""Shapes shared by every endpoint: errors and cursor pages."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class FieldError(Schema):
    field: str = Field(description="The input that is wrong, e.g. 'size' or 'outcome'.")
    message: str
    loc: list[str | int] = Field(default_factory=list, description="Where: query, path, body…")


class ErrorOut(Schema):
    detail: str = Field(description="A sentence saying what went wrong.")
    errors: list[FieldError] = Field(default_factory=list)


class PageMeta(Schema):
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next page; null on the last page."
    )
    prev_cursor: str | None = Field(None, description="Pass as ?cursor= for the previous page.")
    size: int


# Every operation may answer with these; documenting them keeps the schema honest.
COMMON_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def responses(ok: Any, status: int = 200, **extra: Any) -> dict[int, Any]:
    """The response map of an operation: its success shape plus the common errors."""
    result: dict[int, Any] = {status: ok}
    result.update(COMMON_ERRORS)
    for code, schema in extra.items():
        result[int(code.lstrip("_"))] = schema
    return result
