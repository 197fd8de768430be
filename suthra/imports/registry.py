"""Kinds of import plug in here; the shared machinery (upload, preview, commit, progress, error
report, idempotency) lives in ``suthra.imports.services`` and knows no domain.

An app registers a handler for its ``ImportBatch.Kind`` in its ``AppConfig.ready()``::

    registry.register(BillImport())

A handler has three steps:

- ``parse(table, progress)`` — pure: raw rows → typed records and ``RowError``s;
- ``plan(batch, records, errors, preview=...)`` — database reads only: what would change
  (counts, details, more row errors such as unknown keys); used for the preview and again
  inside the commit (``preview=False``: informational details may be skipped there);
- ``apply(batch, plan)`` — the writes; called inside the commit's single transaction, after
  ``plan`` ran again in that same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from suthra.imports.parsers import Column, RowError, Table

Progress = Callable[[int], None]


@dataclass
class Plan:
    """What an import would do. ``counts`` has at least new/changed/unchanged/rejected."""

    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # Handler-private data that ``apply`` needs (records to insert/update ...).
    work: Any = None

    @property
    def writes(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("new", "changed", "exceptions", "applied"))


class ImportHandler(Protocol):
    kind: str
    spec: Sequence[Column]
    # Shown on the upload form.
    label: str

    def parse(self, table: Table, progress: Progress) -> tuple[list[Any], list[RowError]]: ...

    def plan(
        self, batch: Any, records: list[Any], errors: list[RowError], *, preview: bool = True
    ) -> Plan: ...

    def apply(self, batch: Any, plan: Plan) -> dict[str, int]: ...


_HANDLERS: dict[str, ImportHandler] = {}


def register(handler: ImportHandler) -> None:
    _HANDLERS[handler.kind] = handler


def handler_for(kind: str) -> ImportHandler:
    try:
        return _HANDLERS[kind]
    except KeyError as exc:
        raise LookupError(f"No import handler for {kind}") from exc


def uploadable() -> list[ImportHandler]:
    return list(_HANDLERS.values())
