"""Cursor pages for the API, on the project's keyset paginator (``suthra/core/paging.py``).

A list answers ``{"items": [...], "next_cursor": "...", "prev_cursor": ..., "size": n}``; the
client passes ``next_cursor`` back as ``?cursor=`` until it is null. Pages cost the same at any
depth and never repeat or skip a row while rows are added.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from ninja import Field, Schema

from suthra.core.paging import MAX_SIZE, MIN_SIZE, KeysetPaginator

DEFAULT_SIZE = 50


class PageParams(Schema):
    cursor: str | None = Field(
        None, max_length=2000, description="The next_cursor or prev_cursor of a previous page."
    )
    size: int = Field(DEFAULT_SIZE, ge=MIN_SIZE, le=MAX_SIZE, description="Rows per page.")


def cursor_page(
    queryset: models.QuerySet[Any],
    *,
    keys: Sequence[str],
    params: PageParams,
    row: Callable[[Any], Any] = lambda obj: obj,
    prepare: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    """One page of an already scoped queryset, in the order of ``keys`` (one query, plus
    whatever ``prepare`` does once for the whole page before the rows are built)."""
    page = KeysetPaginator(queryset, keys=keys, size=params.size).page(params.cursor or None)
    if prepare is not None:
        prepare(page.items)
    return {
        "items": [row(obj) for obj in page.items],
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
        "size": params.size,
    }
