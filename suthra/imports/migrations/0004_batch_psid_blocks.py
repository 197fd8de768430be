"""A bill import's PSIDs move from ``ImportBatch.psid_runs`` (JSON, 12 M characters for an
import of random PSIDs, read by every page that loaded a batch) to compressed ``PsidBlock`` rows.
The column is emptied before it is dropped, so PostgreSQL's autovacuum gives its space back."""

import django.db.models.deletion
from django.db import migrations, models


def runs_to_blocks(apps, schema_editor):
    from suthra.imports.models import encode_blocks

    ImportBatch = apps.get_model("imports", "ImportBatch")
    PsidBlock = apps.get_model("imports", "PsidBlock")
    ids = list(ImportBatch.objects.exclude(psid_first=None).values_list("id", flat=True))
    for pk in ids:  # one batch at a time: a batch's runs can be large
        runs = ImportBatch.objects.filter(pk=pk).values_list("psid_runs", flat=True).get()
        PsidBlock.objects.bulk_create(
            [PsidBlock(batch_id=pk, **block) for block in encode_blocks(runs or [])],
            batch_size=200,
        )
        ImportBatch.objects.filter(pk=pk).update(psid_runs=[])


def blocks_to_runs(apps, schema_editor):
    from suthra.imports.models import decode_block

    ImportBatch = apps.get_model("imports", "ImportBatch")
    PsidBlock = apps.get_model("imports", "PsidBlock")
    for pk in ImportBatch.objects.values_list("id", flat=True):
        runs = []
        for first, data in (
            PsidBlock.objects.filter(batch_id=pk).order_by("first").values_list("first", "data")
        ):
            runs.extend(decode_block(first, data))
        ImportBatch.objects.filter(pk=pk).update(psid_runs=runs)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_batch_psid_runs"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="month_first",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="month_last",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="psids_all",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.CreateModel(
            name="PsidBlock",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("first", models.BigIntegerField()),
                ("last", models.BigIntegerField()),
                ("data", models.BinaryField()),
                (
                    "batch",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="psid_blocks",
                        to="imports.importbatch",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["batch", "last"], name="psidblock_batch_last")],
            },
        ),
        migrations.RunPython(runs_to_blocks, blocks_to_runs, elidable=True),
        migrations.RemoveField(
            model_name="importbatch",
            name="psid_runs",
        ),
    ]
