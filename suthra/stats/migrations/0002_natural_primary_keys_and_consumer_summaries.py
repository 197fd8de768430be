"""Summaries keyed by their natural key, 4-byte sums in the business-type table, and the
consumers report's two summaries (payment patterns, new and closed units).

Django cannot turn a table's surrogate ``id`` into a composite primary key in place, so the two
bill summaries get new tables — but their rows are carried over, not recomputed: a month
archived by the billing app (``archive_bills``) has no bills left to recompute them from. The
old rows are set aside in a holding table (``CREATE TABLE … AS SELECT``), the old table is
dropped and the new one created, the rows are inserted back (``INSERT … SELECT``) and the
holding table dropped — one transaction, on SQLite as on PostgreSQL. Only the two new
summaries (patterns, flows) are computed from the bills still in the table; should that fail
(say, a later migration changed those tables again), the migration still succeeds and
``manage.py rebuild_stats`` fills them. Reversible: backwards, the rows go back to tables with
an ``id`` and the two new summaries are dropped — refused while archived months have rows in
them (those could not be computed again).
"""

import logging

import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

log = logging.getLogger(__name__)

# Columns common to both shapes of each table (the old one only adds ``id``).
MONTHLY = "month, uc_id, status, aging, bills, fees, arrears, collected, outstanding"
TYPED = (
    "month, uc_id, business_type_id, category, status, bills, fees, arrears, collected, outstanding"
)


def _set_aside(table: str, columns: str) -> str:
    return f"CREATE TABLE {table}_carry AS SELECT {columns} FROM {table}"  # noqa: S608


def _put_back(table: str, columns: str) -> list[str]:
    return [
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_carry",  # noqa: S608
        f"DROP TABLE {table}_carry",
    ]


def consumer_summaries(apps, schema_editor) -> None:
    """The payment-pattern and new/closed-unit summaries did not exist before: compute them
    from the bills (archived months have none, and had no such rows to lose)."""
    if not apps.get_model("units", "SurveyUnit").objects.exists():
        return
    # The service that keeps the summaries is the one that can compute them (current code).
    from suthra.stats.services import rebuild_consumer_summaries

    try:
        with transaction.atomic():
            rebuild_consumer_summaries()
    except DatabaseError:
        log.warning("consumer summaries not computed: run manage.py rebuild_stats", exc_info=True)


def refuse_to_drop_archived_rows(apps, schema_editor) -> None:
    """Backwards, the two new summaries are dropped; those of archived months cannot be
    computed again (their bills are in the archive files), so refuse rather than lose them."""
    try:
        archived_month = apps.get_model("billing", "ArchivedMonth")
    except LookupError:
        return
    archived = set(archived_month.objects.filter(state=1).values_list("month", flat=True))
    kept = set()
    for name in ("PaymentPatternStat", "UnitFlowStat"):
        model = apps.get_model("stats", name)
        kept |= set(model.objects.filter(month__in=archived).values_list("month", flat=True))
    if kept:
        months = ", ".join(f"{m:%Y-%m}" for m in sorted(kept))
        raise RuntimeError(
            "Unapplying stats 0002 would drop the payment-pattern and new/closed-unit summaries "
            f"of the archived months {months}, which cannot be computed again from the bills. "
            "Restore those months first (manage.py restore_bills --month YYYY-MM), or delete "
            "their rows of stats_paymentpatternstat and stats_unitflowstat on purpose."
        )


def _uc():
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="+",
        to="locations.unioncouncil",
    )


def _amount(big: bool):
    return (
        models.PositiveBigIntegerField(default=0) if big else models.PositiveIntegerField(default=0)
    )


def _amounts(big: bool) -> list:
    return [
        ("bills", models.PositiveIntegerField(default=0)),
        ("fees", _amount(big)),
        ("arrears", _amount(big)),
        ("collected", _amount(big)),
        ("outstanding", _amount(big)),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0001_initial"),
        ("stats", "0001_summaries"),
        ("units", "0001_initial"),
    ]

    operations = [
        # Set the rows aside (backwards: put them back into the re-created old tables).
        migrations.RunSQL(
            [
                _set_aside("stats_monthlystat", MONTHLY),
                _set_aside("stats_monthlytypestat", TYPED),
            ],
            [
                *_put_back("stats_monthlystat", MONTHLY),
                *_put_back("stats_monthlytypestat", TYPED),
            ],
        ),
        migrations.DeleteModel(name="MonthlyStat"),
        migrations.DeleteModel(name="MonthlyTypeStat"),
        migrations.CreateModel(
            name="MonthlyStat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "month",
                        "uc",
                        "status",
                        "aging",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                *_amounts(big=True),
                ("month", models.DateField()),
                ("uc", _uc()),
                ("status", models.PositiveSmallIntegerField()),
                (
                    "aging",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "No arrears"),
                            (1, "0–3 months"),
                            (2, "3–6 months"),
                            (3, "6–12 months"),
                            (4, "12+ months"),
                        ]
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="MonthlyTypeStat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "month",
                        "uc",
                        "business_type",
                        "category",
                        "status",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                *_amounts(big=False),
                ("month", models.DateField()),
                ("uc", _uc()),
                (
                    "business_type",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="units.businesstype",
                    ),
                ),
                ("category", models.PositiveSmallIntegerField()),
                ("status", models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="PaymentPatternStat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "month",
                        "uc",
                        "months",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("units", models.PositiveIntegerField(default=0)),
                ("always", models.PositiveIntegerField(default=0)),
                ("never", models.PositiveIntegerField(default=0)),
                ("month", models.DateField()),
                ("uc", _uc()),
                ("months", models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="UnitFlowStat",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "month",
                        "uc",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("new", models.PositiveIntegerField(default=0)),
                ("closed", models.PositiveIntegerField(default=0)),
                ("month", models.DateField()),
                ("uc", _uc()),
            ],
        ),
        # Put the rows back into the new tables (backwards: set the new tables' rows aside).
        migrations.RunSQL(
            [
                *_put_back("stats_monthlystat", MONTHLY),
                *_put_back("stats_monthlytypestat", TYPED),
            ],
            [
                _set_aside("stats_monthlystat", MONTHLY),
                _set_aside("stats_monthlytypestat", TYPED),
            ],
        ),
        migrations.RunPython(consumer_summaries, refuse_to_drop_archived_rows),
    ]
