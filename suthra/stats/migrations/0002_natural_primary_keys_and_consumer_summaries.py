"""Summaries keyed by their natural key, 4-byte sums in the business-type table, and the
consumers report's two summaries (payment patterns, new and closed units).

Django cannot turn a table's surrogate ``id`` into a composite primary key in place, so the two
bill summaries are dropped and created again (they are derived data) and rebuilt at the end
when there are bills. Should that rebuild fail (say, a later migration changed these tables
again), the migration still succeeds and ``manage.py rebuild_stats`` brings the rows back.
"""

import logging

import django.db.models.deletion
from django.db import DatabaseError, migrations, models, transaction

log = logging.getLogger(__name__)


def rebuild(apps, schema_editor) -> None:
    if not apps.get_model("units", "SurveyUnit").objects.exists():
        return
    # The summaries are derived data: the service that keeps them is the one that can rebuild
    # them (it is the current code, not the historical models).
    from suthra.stats.services import stats_refresh

    try:
        with transaction.atomic():
            stats_refresh()
    except DatabaseError:
        log.warning("stats summaries not rebuilt: run manage.py rebuild_stats", exc_info=True)


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
        migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True),
    ]
