"""Bills shrink to eight columns in a padding-free order (docs/PERFORMANCE.md, "Bills table").

``status`` follows from the paid amount and is no longer stored; ``batch`` (which import wrote
the row) is in the audit trail and the import's record; the fee becomes a 2-byte column.

On PostgreSQL a dropped column keeps its slot in every row (and, with more than eight slots,
a null bitmap in every row's header), so the table is then rebuilt: copied into a new table
with the columns in the model's order, its constraints and indexes recreated under the same
names. This takes about a minute per million bills and locks the table meanwhile.
"""

from django.db import migrations, models

COLUMNS = "psid, unit_id, month, arrears, paid_amount, paid_on, monthly_fee, channel"


def check_fees(apps, schema_editor):
    Bill = apps.get_model("billing", "Bill")
    too_big = Bill.objects.filter(monthly_fee__gt=32767).values_list("psid", flat=True)[:5]
    if too_big:
        raise RuntimeError(
            "Bills with a monthly fee over Rs. 32,767 cannot be kept (PSIDs "
            + ", ".join(str(p) for p in too_big)
            + "); correct them before migrating."
        )


def rebuild(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite's ALTER already rewrote the table
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'billing_bill'::regclass ORDER BY contype = 'p' DESC, conname"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = 'billing_bill'::regclass AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        )
        indexes = [row[0] for row in cursor.fetchall()]
    run(
        "CREATE TABLE billing_bill_new (psid bigint NOT NULL, unit_id integer NOT NULL,"
        " month date NOT NULL, arrears integer NOT NULL, paid_amount integer NOT NULL,"
        " paid_on date NULL, monthly_fee smallint NOT NULL, channel smallint NOT NULL)"
    )
    # Physical order by PSID (month by month): what the BRIN indexes and the archive expect.
    run(
        f"INSERT INTO billing_bill_new ({COLUMNS}) SELECT {COLUMNS} FROM billing_bill ORDER BY psid"  # noqa: S608 - constant
    )
    run("DROP TABLE billing_bill")
    run("ALTER TABLE billing_bill_new RENAME TO billing_bill")
    for name, definition in constraints:
        run(f'ALTER TABLE billing_bill ADD CONSTRAINT "{name}" {definition}')
    for definition in indexes:
        run(definition)
    run("ANALYZE billing_bill")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_archive_without_unit_rows"),
        ("units", "0004_slim_unit_indexes"),
    ]

    operations = [
        migrations.RunPython(check_fees, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="bill",
            name="bill_paid_fields_iff_paid",
        ),
        migrations.RemoveField(
            model_name="bill",
            name="batch",
        ),
        migrations.RemoveField(
            model_name="bill",
            name="status",
        ),
        migrations.AlterField(
            model_name="bill",
            name="monthly_fee",
            field=models.PositiveSmallIntegerField(verbose_name="monthly fee"),
        ),
        migrations.AddConstraint(
            model_name="bill",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("channel", 0), ("paid_amount", 0), ("paid_on__isnull", True)),
                    models.Q(("paid_amount__gt", 0), ("paid_on__isnull", False)),
                    _connector="OR",
                ),
                name="bill_paid_fields_iff_paid",
            ),
        ),
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]
