"""import_legacy and the old plain-text passwords: hashed, the old one logs in once and must be
changed, inactive staff stay locked, and the plain text is nowhere in the database afterwards
(nor in the error report or the command's output). Both the file and the database path."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from suthra.accounts.models import Staff
from suthra.imports.models import ImportBatch
from suthra.migration.export import write_export
from suthra.migration.legacy_db import build_database

pytestmark = pytest.mark.django_db(transaction=True)


def secret(username: str) -> str:
    """A distinctive old password per person, so a leak anywhere is found by a substring."""
    return f"Old-{username}-Pw-{uuid.uuid5(uuid.NAMESPACE_DNS, username).hex[:10]}"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """An export whose staff have distinctive passwords, plus two rows that are rejected (a
    bad role, an unknown city) whose passwords must not leak either."""
    directory = tmp_path / "export"
    write_export(directory, units=30, months=2)
    path = directory / "staff.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    i_user, i_pw = header.index("username"), header.index("password")
    for row in rows[1:]:
        row[i_pw] = secret(row[i_user])
    next_id = max(int(r[0]) for r in rows[1:]) + 1
    rows.append(
        [str(next_id), "bad_role", secret("bad_role"), "Bad Role", "KING", "Lahore", "{}", "true"]
    )
    rows.append(
        [
            str(next_id + 1),
            "nowhere_sup",
            secret("nowhere_sup"),
            "Sup Nowhere",
            "SUPERVISOR",
            "Atlantis",
            "{}",
            "true",
        ]
    )
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return directory


def usernames(directory: Path) -> list[str]:
    with open(directory / "staff.csv", encoding="utf-8") as f:
        return [r["username"] for r in csv.DictReader(f)]


def run(*args: Any) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_legacy", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def every_value() -> Iterator[str]:
    """Every row of every table Django knows (sessions, audit log, batches, the migration's
    progress and reject tables, ...), as text. The staging tables are temporary, dropped at the
    end of each table, and staff never go through one."""
    for model in apps.get_models(include_auto_created=True):
        for row in model.objects.values_list():
            yield repr(row)


def assert_no_plain_text(directory: Path, *texts: str) -> None:
    secrets = [secret(u) for u in usernames(directory)]
    haystack = "\n".join([*every_value(), *texts])
    for batch in ImportBatch.objects.exclude(error_report_key=""):
        with default_storage.open(batch.error_report_key, "rb") as f:
            haystack += f.read().decode("utf-8-sig")
    leaked = [s for s in secrets if s in haystack]
    assert not leaked


def login(username: str, password: str) -> tuple[Client, Any]:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": password}, follow=True
    )
    return client, response


def check_logins(directory: Path) -> None:
    # An active agent: the old password logs in, and every page leads to the password change.
    agent = Staff.objects.get(username="agent_lahore_1")
    assert agent.is_active and agent.has_usable_password() and agent.must_change_password
    assert agent.password.startswith(("md5$", "argon2"))
    client, response = login("agent_lahore_1", secret("agent_lahore_1"))
    assert response.wsgi_request.user.is_authenticated
    assert response.redirect_chain[-1][0] == reverse("accounts:password_change")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == reverse("accounts:password_change")
    # Once: after the change the old password no longer works.
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": secret("agent_lahore_1"),
            "new_password1": "a-New-and-long-passphrase-17",
            "new_password2": "a-New-and-long-passphrase-17",
        },
    )
    assert changed.status_code == 302
    agent.refresh_from_db()
    assert not agent.must_change_password
    assert not agent.check_password(secret("agent_lahore_1"))
    _client, again = login("agent_lahore_1", secret("agent_lahore_1"))
    assert not again.wsgi_request.user.is_authenticated
    # Inactive in the old system: stays locked, with the right password too.
    locked = Staff.objects.get(username="agent_lahore_0")
    assert not locked.is_active
    _client, refused = login("agent_lahore_0", secret("agent_lahore_0"))
    assert not refused.wsgi_request.user.is_authenticated
    # The rejected rows made no account.
    assert not Staff.objects.filter(username__in=["bad_role", "nowhere_sup"]).exists()


def test_files_hash_the_old_passwords_and_keep_no_plain_text(export: Path, tmp_path: Path) -> None:
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="2 rows were rejected"):
        run(str(export), "--errors", str(report))
    out = run(str(export), "--accept-rejects")
    check_logins(export)
    errors = report.read_text(encoding="utf-8-sig")
    staff = [r for r in csv.DictReader(io.StringIO(errors)) if r["table"] == "staff"]
    assert {(r["row"], r["column"], r["value"], r["code"]) for r in staff} == {
        ("19", "role", "KING", "role_invalid"),
        ("20", "assigned_city", "Atlantis", "city_unknown"),
    }
    assert_no_plain_text(export, out, errors)


def test_unusable_passwords_is_the_stricter_path(export: Path) -> None:
    run(str(export), "--accept-rejects", "--unusable-passwords")
    for staff in Staff.objects.all():
        assert not staff.has_usable_password() and staff.must_change_password
    _client, response = login("agent_lahore_1", secret("agent_lahore_1"))
    assert not response.wsgi_request.user.is_authenticated
    assert_no_plain_text(export)


def test_database_path_hashes_the_old_passwords_too(export: Path, legacy_url: str) -> None:
    build_database(legacy_url, export)
    out = run("--from-database", legacy_url, "--accept-rejects")
    assert "Verified" in out
    check_logins(export)
    assert_no_plain_text(export, out)
