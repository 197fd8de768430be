"""Slimmer indexes on units_surveyunit for the 450 MB database budget (about 37 MB less at
300 k units), every step safe on a live table on PostgreSQL (CONCURRENTLY, no table rewrite):

- the search trigram index covers names and mobiles only (``unit_name_mobile_trgm``, about
  19 MB instead of 39 MB): survey ids are matched exactly through their unique index, and
  addresses with a plain ILIKE inside a UC (``units.selectors.unit_search``). It is built
  before the old ``unit_search_trgm`` is dropped, and the table is analysed so the planner
  knows how common a searched name is (a finer histogram: statistics target 1000);
- the survey id's uniqueness becomes a ``UniqueConstraint`` (PostgreSQL: the existing
  constraint is renamed) and the ``varchar_pattern_ops`` ``…_like`` index (9 MB) is dropped;
- no index on ``business_type`` (2 MB): only deleting a business type (PROTECT) looked it up;
- no ``(uc, id)`` index (6.6 MB): ``(uc, consumer_name, id)`` serves every UC filter.

SQLite (no trigram index) gets the plain operations.
"""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations, models

from suthra.units.migrations._vendor import ByVendor

TABLE = "units_surveyunit"
NEW_TRGM = "unit_name_mobile_trgm"
OLD_TRGM = "unit_search_trgm"
# Frozen copies of the searched columns (units.selectors.SEARCH_FIELDS; a test checks they
# agree): the query must produce exactly this expression for PostgreSQL to use the index.
NEW_FIELDS = ["consumer_name", "billing_name", "mobile", "billing_mobile"]
OLD_FIELDS = [
    "survey_id",
    "consumer_name",
    "billing_name",
    "mobile",
    "billing_mobile",
    "address",
    "billing_address",
]
UNIQUE = "unit_survey_id_unique"
# The name PostgreSQL gave the inline UNIQUE of migration 0001.
OLD_UNIQUE = "units_surveyunit_survey_id_key"


def _trgm_sql(name, fields):  # type: ignore[no-untyped-def]
    text = " || ' ' || ".join(f'"{f}"' for f in fields)
    return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {TABLE} USING gin ((LOWER({text})) gin_trgm_ops)"


def create_new_trgm(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(_trgm_sql(NEW_TRGM, NEW_FIELDS))
    schema_editor.execute(f"ALTER INDEX {NEW_TRGM} ALTER COLUMN 1 SET STATISTICS 1000")
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_new_trgm(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW_TRGM}")


def create_old_trgm(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(_trgm_sql(OLD_TRGM, OLD_FIELDS))


def drop_old_trgm(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {OLD_TRGM}")


def _like_index(schema_editor):  # type: ignore[no-untyped-def]
    return schema_editor._create_index_name(TABLE, ["survey_id"], suffix="_like")


def _business_type_index(schema_editor):  # type: ignore[no-untyped-def]
    return schema_editor._create_index_name(TABLE, ["business_type_id"], suffix="")


def survey_id_constraint(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Renaming keeps the existing unique index: no rebuild, no long lock.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_like_index(schema_editor)}")
    schema_editor.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {OLD_UNIQUE} TO {UNIQUE}")


def survey_id_unique_field(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {UNIQUE} TO {OLD_UNIQUE}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_like_index(schema_editor)} "
        f"ON {TABLE} (survey_id varchar_pattern_ops)"
    )


def drop_business_type_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(
        f"DROP INDEX CONCURRENTLY IF EXISTS {_business_type_index(schema_editor)}"
    )


def create_business_type_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_business_type_index(schema_editor)} "
        f"ON {TABLE} (business_type_id)"
    )


SURVEY_ID = models.CharField(max_length=20, verbose_name="survey id")
SURVEY_ID_UNIQUE = models.UniqueConstraint(fields=("survey_id",), name=UNIQUE)
BUSINESS_TYPE = models.ForeignKey(
    db_index=False,
    on_delete=models.PROTECT,
    related_name="units",
    to="units.businesstype",
    verbose_name="business type",
)


def _survey_id_ops():  # type: ignore[no-untyped-def]
    return [
        migrations.AlterField(model_name="surveyunit", name="survey_id", field=SURVEY_ID),
        migrations.AddConstraint(model_name="surveyunit", constraint=SURVEY_ID_UNIQUE),
    ]


def _business_type_ops():  # type: ignore[no-untyped-def]
    return [
        migrations.AlterField(model_name="surveyunit", name="business_type", field=BUSINESS_TYPE)
    ]


def _on_postgresql_by_sql(operations, forwards, backwards):  # type: ignore[no-untyped-def]
    """``operations()`` change the project state; on PostgreSQL ``forwards``/``backwards`` make
    the database change (safe on a live table), elsewhere the same operations do."""
    return migrations.SeparateDatabaseAndState(
        state_operations=operations(),
        database_operations=[
            ByVendor(
                postgresql=[migrations.RunPython(forwards, backwards, elidable=False)],
                other=operations(),
            )
        ],
    )


class Migration(migrations.Migration):
    # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("locations", "0001_initial"),
        ("units", "0003_unit_uc_name_index"),
    ]

    operations = [
        # The new search index first, so search is never without one during the deploy.
        ByVendor(
            postgresql=[migrations.RunPython(create_new_trgm, drop_new_trgm, elidable=False)],
            other=[],
        ),
        ByVendor(
            postgresql=[migrations.RunPython(drop_old_trgm, create_old_trgm, elidable=False)],
            other=[],
        ),
        _on_postgresql_by_sql(_survey_id_ops, survey_id_constraint, survey_id_unique_field),
        _on_postgresql_by_sql(
            _business_type_ops, drop_business_type_index, create_business_type_index
        ),
        ByVendor(
            postgresql=[RemoveIndexConcurrently(model_name="surveyunit", name="unit_uc_id_idx")],
            other=[migrations.RemoveIndex(model_name="surveyunit", name="unit_uc_id_idx")],
        ),
    ]
