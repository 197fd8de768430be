"""One trigram GIN index for the search box (PostgreSQL only; SQLite searches without it).

It covers ``units.selectors.search_expression()`` — lower(survey id, names, mobiles and
addresses joined by spaces) — so one index serves every partial, case-insensitive search in any
script (about 50 MB at 300 k units). Built CONCURRENTLY so a live table is not locked.
"""

from django.db import migrations

INDEX = "unit_search_trgm"


# Frozen copy of units.selectors.SearchText/SEARCH_FIELDS as of this migration: the query must
# produce exactly this SQL for PostgreSQL to use the index (a test checks they still agree).
FIELDS = [
    "survey_id",
    "consumer_name",
    "billing_name",
    "mobile",
    "billing_mobile",
    "address",
    "billing_address",
]


def _index(apps):  # type: ignore[no-untyped-def]
    from django.contrib.postgres.indexes import GinIndex, OpClass
    from django.db.models import F, Func, TextField

    class SearchText(Func):
        template = "LOWER(%(expressions)s)"
        arg_joiner = " || ' ' || "
        output_field = TextField()

    expression = SearchText(*[F(name) for name in FIELDS])
    return GinIndex(OpClass(expression, name="gin_trgm_ops"), name=INDEX)


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("units", "SurveyUnit")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(_index(apps).create_sql(model, schema_editor, concurrently=True))


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("units", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
