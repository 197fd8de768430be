"""Shapes shared by every endpoint: errors and cursor pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ninja import Field, Schema
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema


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


@dataclass(frozen=True)
class OneOf:
    """``Annotated[int, OneOf(Model.Choices.values)]``: an integer limited to those values,
    documented as an enum. Unlike ``Literal[1, 2]`` it also accepts "1" from a query string or
    a form field."""

    values: tuple[int, ...]
    description: str = ""

    def _check(self, value: int) -> int:
        if value not in self.values:
            raise ValueError(f"must be one of {', '.join(str(v) for v in self.values)}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        result = handler(schema)
        result["enum"] = list(self.values)
        if self.description:
            result["description"] = self.description
        return result


def one_of(values: Iterable[int], description: str = "") -> OneOf:
    return OneOf(tuple(sorted(int(v) for v in values)), description)
