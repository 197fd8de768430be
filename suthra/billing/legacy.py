"""The old survey units' import moved to ``suthra.units.legacy`` (units sit below billing, and
the units app's survey-file import uses it); these names stay for the ``import_legacy_units``
command and existing imports. Bills use the bill import (kind LEGACY); see
``importing.LegacyBillImport``.
"""

from suthra.units.legacy import (
    UNIT_COLUMNS,
    UNIT_FIELDS,
    UnitRow,
    legacy_units_import,
    normalise_mobile,
    parse_legacy_units,
)

__all__ = [
    "UNIT_COLUMNS",
    "UNIT_FIELDS",
    "UnitRow",
    "legacy_units_import",
    "normalise_mobile",
    "parse_legacy_units",
]
