"""Write docs/SCHEMA.md: every database table, its columns, keys, constraints and indexes.

Descriptions come from the model docstrings (or NOTES below when a model has none); the rest is
read from the models, so the file follows the code: ``manage.py schema_doc``.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, models

# One line for tables whose model has no docstring of its own.
NOTES = {
    "tickets.Ticket": "A problem raised about a unit (wrong bill, closed, name / mobile change, "
    "duplicate, not found), routed to a supervisor and decided within its SLA.",
    "visits.ComplianceVisit": "An agent's visit to a unit, with outcome, photo and GPS as proof "
    "of presence; flags, supervisor decision and the offline queue's client_key.",
    "stats.MonthlyStat": "Dashboard summary per month and union council: billed, collected, "
    "recovery, arrears (refreshed by the stats task).",
    "stats.MonthlyTypeStat": "Dashboard summary per month, union council and business type.",
    "stats.UnitStat": "Per-unit summary used by arrears ageing and reports.",
    "api.ApiToken": "A personal API token (only a hash is stored); acts as its user.",
    "admin.LogEntry": "Django admin's change history (head office only).",
    "contenttypes.ContentType": "Django's registry of models (used by permissions and the admin).",
    "auth.Permission": "Django permissions (unused by the app's own roles; the admin needs it).",
    "auth.Group": "Django groups (unused: roles live on Staff.role).",
    "sessions.Session": "Login sessions (django.contrib.sessions).",
    "axes.AccessAttempt": "django-axes: failed logins per username and address (lockout).",
    "axes.AccessAttemptExpiration": "django-axes: when a lockout record expires.",
    "axes.AccessFailureLog": "django-axes: log of failed logins.",
    "axes.AccessLog": "django-axes: log of logins and logouts.",
    "otp_totp.TOTPDevice": "django-otp: a staff member's authenticator app (two-factor).",
    "django_tasks_database.DBTaskResult": "Background tasks (imports, exports, notifications) "
    "and their results (django-tasks database backend).",
}
OURS = "suthra."


def _describe(model: type[models.Model]) -> str:
    key = f"{model._meta.app_label}.{model.__name__}"
    doc = inspect.getdoc(model) or ""
    if doc and not doc.startswith(f"{model.__name__}(") and model.__module__.startswith(OURS):
        return " ".join(doc.split("\n\n")[0].split()).replace("``", "`")
    return NOTES.get(key, "")


def _type(field: models.Field) -> str:
    db_type = field.db_type(connection) or ""
    if field.is_relation and field.related_model is not None:
        target = field.related_model._meta.db_table
        return f"{db_type} → `{target}`"
    return db_type


def _column_notes(field: models.Field) -> str:
    bits = []
    if field.primary_key:
        bits.append("primary key")
    if field.unique and not field.primary_key:
        bits.append("unique")
    if field.null:
        bits.append("null")
    if field.is_relation and getattr(field, "remote_field", None) is not None:
        on_delete = getattr(field.remote_field, "on_delete", None)
        if on_delete is not None:
            bits.append(f"on delete {on_delete.__name__.lower()}")
    if field.choices:
        choices = ", ".join(f"{value}={label}" for value, label in list(field.choices)[:8])
        bits.append(f"choices: {choices}")
    if field.has_default() and not callable(field.default) and field.default not in ("", None):
        bits.append(f"default {getattr(field.default, 'value', field.default)!r}")
    if getattr(field, "db_index", False) and not field.unique and not field.primary_key:
        bits.append("indexed")
    label = str(field.verbose_name)
    if label and label.replace(" ", "_") != field.name and label != "ID":
        bits.append(label)
    return "; ".join(bits)


def _constraint(c: Any) -> str:
    if isinstance(c, models.UniqueConstraint):
        what = ", ".join(c.fields) if c.fields else ", ".join(str(e) for e in c.expressions)
        cond = f" where {c.condition}" if c.condition is not None else ""
        return f"`{c.name}`: unique ({what}){cond}"
    if isinstance(c, models.CheckConstraint):
        condition = getattr(c, "condition", None) or getattr(c, "check", None)
        return f"`{c.name}`: check {condition}"
    return f"`{c.name}`"


def _index(i: models.Index) -> str:
    what = ", ".join(i.fields) if i.fields else ", ".join(str(e) for e in i.expressions)
    kind = type(i).__name__
    kind = "" if kind == "Index" else f" {kind}"
    cond = f" where {i.condition}" if i.condition is not None else ""
    return f"`{i.name}`{kind}: ({what}){cond}"


def render() -> str:
    ours = [m for m in apps.get_models() if m.__module__.startswith(OURS)]
    theirs = [m for m in apps.get_models() if not m.__module__.startswith(OURS)]
    out = [
        "# Database schema",
        "",
        "Every table, generated from the models by `manage.py schema_doc` (do not edit by hand;",
        "change the model docstring and run it again). Column types are PostgreSQL's. Money is",
        "whole rupees in integers; a billing month is a date on the 1st; times are stored in UTC",
        "and shown in Pakistan time. Geography: city → union council → unit → bills, visits,",
        "tickets; who may see which rows is decided in `suthra/accounts/scope.py`",
        "(see [ACCESS.md](ACCESS.md)).",
        "",
        "## Tables of the application",
        "",
        "| Table | Model | What it holds |",
        "| --- | --- | --- |",
    ]
    for m in ours:
        anchor = m._meta.db_table.replace("_", "-")
        out.append(f"| [`{m._meta.db_table}`](#{anchor}) | `{m._meta.label}` | {_describe(m)} |")
    for m in ours:
        out += ["", f"## {m._meta.db_table}", "", _describe(m) or f"`{m._meta.label}`", ""]
        out += ["| Column | Type | Notes |", "| --- | --- | --- |"]
        for f in m._meta.concrete_fields:
            out.append(f"| `{f.column}` | {_type(f)} | {_column_notes(f)} |")
        m2m = [f for f in m._meta.local_many_to_many]
        for f in m2m:
            through = f.remote_field.through._meta.db_table  # type: ignore[union-attr]
            target = f.related_model._meta.db_table  # type: ignore[union-attr]
            out.append(f"| *{f.name}* | many-to-many → `{target}` | link table `{through}` |")
        extra = [_constraint(c) for c in m._meta.constraints]
        extra += [_index(i) for i in m._meta.indexes]
        together = getattr(m._meta, "unique_together", ())
        extra += [f"unique ({', '.join(t)})" for t in together]
        if extra:
            out += ["", "Constraints and indexes: " + "; ".join(extra) + "."]
        if m._meta.ordering:
            out += ["", f"Default order: {', '.join(str(o) for o in m._meta.ordering)}."]
    out += [
        "",
        "## Tables of Django and the libraries",
        "",
        "| Table | What it holds |",
        "| --- | --- |",
    ]
    for m in theirs:
        out.append(f"| `{m._meta.db_table}` | {_describe(m)} |")
    links = sorted(
        {
            f.remote_field.through._meta.db_table  # type: ignore[union-attr]
            for m in apps.get_models()
            for f in m._meta.local_many_to_many
        }
    )
    out += ["", "Link tables of many-to-many fields: " + ", ".join(f"`{t}`" for t in links) + "."]
    return "\n".join(out) + "\n"


class Command(BaseCommand):
    help = "Write docs/SCHEMA.md from the models."

    def handle(self, *args: object, **options: object) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "SCHEMA.md"
        path.write_text(render(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
