"""Survey-file unit import: new or corrected units from a CSV/XLSX with the seed's
``survey_units`` columns, on top of the shared import machinery (``suthra.imports``: upload,
preview, background commit in one transaction, progress bar, downloadable error report).

Registered in ``UnitsConfig.ready()`` as kind UNITS. Rows are keyed on ``survey_id``, so
importing a file again changes nothing (and the same file twice is refused by its SHA-256).
Unlike the one-off legacy command (``import_legacy_units``), an upload never creates cities,
union councils or business types — a row naming an unknown one is rejected with the reason —
and every row must lie in the uploader's area. Each created or changed unit gets an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop

from suthra.accounts.scope import uc_ids
from suthra.core.audit import audit_bulk
from suthra.imports.models import ImportBatch
from suthra.imports.parsers import Column, RowError, Table
from suthra.imports.registry import Plan, Progress
from suthra.locations.models import UnionCouncil
from suthra.units import hooks
from suthra.units.legacy import UNIT_COLUMNS, UNIT_FIELDS, UnitRow, parse_legacy_units
from suthra.units.models import BusinessType, SurveyUnit

SAMPLE = 10
CHUNK = 5000


@dataclass
class _Work:
    create: list[SurveyUnit]
    update: list[tuple[SurveyUnit, dict[str, list[Any]]]]
    uc_ids: set[int]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


class UnitImport:
    kind: str = ImportBatch.Kind.UNITS
    label: str = gettext_noop("Survey units (new or corrected)")
    spec: Sequence[Column] = UNIT_COLUMNS

    def parse(self, table: Table, progress: Progress) -> tuple[list[Any], list[RowError]]:
        records, errors = parse_legacy_units(table)
        progress(len(table.rows))
        return records, errors

    def plan(
        self,
        batch: ImportBatch,
        records: list[Any],
        errors: list[RowError],
        *,
        preview: bool = True,
    ) -> Plan:
        """Who may call: the import machinery (MANAGER and up). Reads only."""
        errors = list(errors)
        allowed = None if batch.created_by is None else uc_ids(batch.created_by)
        ucs = {
            (_key(u.city.name), _key(u.name)): u
            for u in UnionCouncil.objects.select_related("city")
        }
        types = {_key(b.name): b for b in BusinessType.objects.all()}
        existing: dict[str, SurveyUnit] = {}
        ids = [r.survey_id for r in records]
        for start in range(0, len(ids), CHUNK):
            for unit in SurveyUnit.objects.filter(survey_id__in=ids[start : start + CHUNK]):
                existing[unit.survey_id] = unit
        create: list[SurveyUnit] = []
        update: list[tuple[SurveyUnit, dict[str, list[Any]]]] = []
        unchanged = 0
        touched: set[int] = set()
        for rec in records:
            row: UnitRow = rec
            uc = ucs.get((_key(row.city), _key(row.uc_name)))
            if uc is None:
                errors.append(
                    RowError(
                        row.row,
                        "uc_name",
                        row.uc_name,
                        gettext("no union council '%(uc)s' in '%(city)s'")
                        % {"uc": row.uc_name, "city": row.city},
                    )
                )
                continue
            business = types.get(_key(row.business_type))
            if business is None:
                errors.append(
                    RowError(
                        row.row,
                        "business_type",
                        row.business_type,
                        gettext("unknown business type"),
                    )
                )
                continue
            current = existing.get(row.survey_id)
            outside = allowed is not None and (
                uc.pk not in allowed or (current is not None and current.uc_id not in allowed)
            )
            if outside:
                errors.append(
                    RowError(
                        row.row, "survey_id", row.survey_id, gettext("unit is outside your area")
                    )
                )
                continue
            values: dict[str, Any] = {f: getattr(row, f) for f in UNIT_FIELDS}
            values["uc_id"] = uc.pk
            values["business_type_id"] = business.pk
            if current is None:
                create.append(SurveyUnit(survey_id=row.survey_id, **values))
                touched.add(uc.pk)
                continue
            changes = {
                k: [_jsonable(getattr(current, k)), _jsonable(v)]
                for k, v in values.items()
                if getattr(current, k) != v
            }
            if not changes:
                unchanged += 1
                continue
            for k, v in values.items():
                setattr(current, k, v)
            update.append((current, changes))
            touched |= {uc.pk, int(changes.get("uc_id", [uc.pk])[0])}
        details = {
            "new_sample": [u.survey_id for u in create[:SAMPLE]],
            "changed_sample": [
                {"survey_id": u.survey_id, "fields": sorted(c)} for u, c in update[:SAMPLE]
            ],
        }
        return Plan(
            counts={"new": len(create), "changed": len(update), "unchanged": unchanged},
            details=details,
            errors=errors,
            work=_Work(create=create, update=update, uc_ids=touched),
        )

    def apply(self, batch: ImportBatch, plan: Plan) -> dict[str, int]:
        """The writes, inside the commit's transaction: units, one audit event each, and the
        apps that keep summaries of units told (``units.hooks``)."""
        work: _Work = plan.work
        SurveyUnit.objects.bulk_create(work.create, batch_size=2000)
        new_ids = [u.survey_id for u in work.create]
        created: list[tuple[int, str]] = []
        for start in range(0, len(new_ids), CHUNK):
            chunk = SurveyUnit.objects.filter(survey_id__in=new_ids[start : start + CHUNK])
            created += list(chunk.values_list("pk", "survey_id"))
        fields = [*UNIT_FIELDS, "uc_id", "business_type_id"]
        SurveyUnit.objects.bulk_update([u for u, _ in work.update], fields, batch_size=500)
        actor = batch.created_by
        audit_bulk(
            actor=actor,
            action="unit.import_create",
            object_type="unit",
            items=((pk, {"survey_id": sid, "batch": batch.pk}) for pk, sid in created),
        )
        audit_bulk(
            actor=actor,
            action="unit.import_update",
            object_type="unit",
            items=((u.pk, {**c, "batch": batch.pk}) for u, c in work.update),
        )
        hooks.units_changed(work.uc_ids)
        return {"new": len(work.create), "changed": len(work.update)}
