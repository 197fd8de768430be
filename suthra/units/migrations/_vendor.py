"""A migration operation that runs different database operations on PostgreSQL and elsewhere.

PostgreSQL gets the live-table-safe forms (``CREATE/DROP INDEX CONCURRENTLY``, constraint
renames) and SQLite the plain operations with the same effect. The migration loader skips
modules starting with ``_``, so this is not a migration itself.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


class ByVendor(Operation):
    """Run ``postgresql`` operations on PostgreSQL and ``other`` operations elsewhere.

    The project state changes as ``other`` says; ``postgresql`` must reach the same schema
    (they may be ``RunSQL``, which changes no state, when the state change is declared by
    ``other`` or by an enclosing ``SeparateDatabaseAndState``).
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, *, postgresql: list[Operation], other: list[Operation]) -> None:
        self.postgresql = postgresql
        self.other = other

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {"postgresql": self.postgresql, "other": self.other}

    def describe(self) -> str:
        return "Database operations depending on the database vendor"

    def state_forwards(self, app_label: str, state: Any) -> None:
        for operation in self.other:
            operation.state_forwards(app_label, state)

    def _operations(self, schema_editor: Any) -> list[Operation]:
        vendor = schema_editor.connection.vendor
        return self.postgresql if vendor == "postgresql" else self.other

    def _states(self, app_label: str, operations: list[Operation], state: Any) -> list[Any]:
        # The project state before each operation and after the last one.
        states = [state]
        for operation in operations:
            state = state.clone()
            operation.state_forwards(app_label, state)
            states.append(state)
        return states

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        operations = self._operations(schema_editor)
        states = self._states(app_label, operations, from_state)
        for i, operation in enumerate(operations):
            operation.database_forwards(app_label, schema_editor, states[i], states[i + 1])

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        # ``to_state`` is the state before this operation (Django's naming for backwards).
        operations = self._operations(schema_editor)
        states = self._states(app_label, operations, to_state)
        for i in reversed(range(len(operations))):
            operations[i].database_backwards(app_label, schema_editor, states[i + 1], states[i])
