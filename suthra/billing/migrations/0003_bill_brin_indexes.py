"""PostgreSQL only: BRIN indexes on the bill month and paid date.

Bills arrive month by month, so both columns follow the physical row order and a BRIN index
(a few pages for millions of rows) lets month-range and paid-date-range queries skip most of
the table at nearly no cost in space. SQLite does not have BRIN and does without.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS bill_month_brin ON billing_bill USING brin (month)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS bill_paid_on_brin ON billing_bill USING brin (paid_on)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS bill_month_brin")
    schema_editor.execute("DROP INDEX IF EXISTS bill_paid_on_brin")


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_payment_exceptions_and_archive")]

    operations = [migrations.RunPython(create, drop)]
