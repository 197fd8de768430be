"""manage.py import_legacy_staff: hashing, per-row reports, idempotence, --force-reset."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from suthra.accounts.legacy import parse_pg_array, read_csv
from suthra.accounts.models import Role, Staff
from suthra.core.models import AuditEvent
from suthra.locations.models import City, UnionCouncil

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "staff.csv"
HEADER = "id,username,password,full_name,role,assigned_city,assigned_ucs,is_active\n"


@pytest.fixture
def places():
    lahore = City.objects.create(name="Lahore")
    multan = City.objects.create(name="Multan")
    for name in ("UC-Ravi", "UC-Aziz Bhatti", "UC-Nishtar", "UC-Samanabad"):
        UnionCouncil.objects.create(city=lahore, name=name)
    for name in ("UC-Bosan", "UC-Shujabad"):
        UnionCouncil.objects.create(city=multan, name=name)
    return lahore, multan


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_legacy_staff", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, body):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_pg_array_text_is_parsed():
    assert parse_pg_array('{"UC-Aziz Bhatti","UC-Ravi"}') == ["UC-Aziz Bhatti", "UC-Ravi"]
    assert parse_pg_array("{}") == []
    assert parse_pg_array('{plain,"with, comma"}') == ["plain", "with, comma"]
    with pytest.raises(ValueError):
        parse_pg_array("UC-Ravi")


def test_sample_file_imports_with_hashed_passwords_and_scope(places):
    out, err = run(SAMPLE)
    lahore, multan = places
    agent = Staff.objects.get(username="agent_lahore_0")
    assert agent.password != "1234" and agent.password.startswith(("md5$", "argon2"))
    assert agent.check_password("1234")
    assert agent.must_change_password  # "1234" fails today's rules
    assert not agent.is_active  # is_active=false in the old table
    assert {u.name for u in agent.ucs.all()} == {"UC-Aziz Bhatti", "UC-Ravi"}
    manager = Staff.objects.get(username="mgr_lahore")
    assert manager.role == Role.MANAGER and list(manager.cities.all()) == [lahore]
    head = Staff.objects.get(username="head")
    assert head.role == Role.HEAD and not head.cities.exists()
    # Rows of cities that do not exist here are reported, one line each, and skipped.
    assert "line 8 (mgr_faisalabad): unknown city 'Faisalabad'; row skipped" in err
    assert not Staff.objects.filter(username="mgr_faisalabad").exists()
    # No plain-text password is ever printed.
    for secret in ("head@123", "pass1234", "1234"):
        assert secret not in out + err.replace("line 1234", "")
    assert "created 11" in out
    assert AuditEvent.objects.filter(action="staff.import").count() == 11


def test_running_twice_creates_no_duplicates(places):
    run(SAMPLE)
    count = Staff.objects.count()
    out, _ = run(SAMPLE)
    assert Staff.objects.count() == count
    assert "created 0, already present 11" in out


def test_unknown_uc_is_reported_and_left_out(places, tmp_path):
    path = write(
        tmp_path,
        '1,ali,long-enough-password-1,Ali,AGENT,Lahore,"{""UC-Ravi"",""UC-Nowhere""}",true\n',
    )
    out, _ = run(path)
    assert "line 2 (ali): warning: unknown union council(s) in Lahore: UC-Nowhere" in out
    assert [u.name for u in Staff.objects.get(username="ali").ucs.all()] == ["UC-Ravi"]


def test_duplicate_username_in_the_file_and_bad_rows_are_reported(places, tmp_path):
    path = write(
        tmp_path,
        "1,ali,long-enough-password-1,Ali,AGENT,Lahore,{},true\n"
        "2,ALI,long-enough-password-2,Ali Two,AGENT,Lahore,{},true\n"
        "3,bob,long-enough-password-3,Bob,KING,Lahore,{},true\n"
        "4,carol,long-enough-password-4,Carol,SUPERVISOR,Atlantis,{},true\n"
        "5,dave,,Dave,AGENT,Lahore,{},true\n",
    )
    out, err = run(path)
    assert "line 3 (ALI): username appears twice in the file" in err
    assert "line 4 (bob): role 'KING'" in err
    assert "line 5 (carol): unknown city 'Atlantis'; row skipped" in err
    assert "line 6 (dave): password is empty" in err
    assert list(Staff.objects.values_list("username", flat=True)) == ["ali"]
    assert not Staff.objects.get(username="ali").must_change_password  # a strong password


def test_existing_username_in_another_case_is_not_duplicated(places, tmp_path):
    path = write(tmp_path, "1,Head,long-enough-password-1,Head Two,HEAD,,{},true\n")
    Staff.objects.create_user("head", "some-other-password-9", full_name="Head", role=Role.HEAD)
    out, _ = run(path)
    assert "created 0, already present 1" in out
    assert Staff.objects.filter(username__iexact="head").count() == 1


def test_force_reset_marks_everyone(places, tmp_path):
    path = write(tmp_path, "1,ali,long-enough-password-1,Ali,SUPERVISOR,Lahore,{},true\n")
    run(path, "--force-reset")
    assert Staff.objects.get(username="ali").must_change_password


def test_dry_run_writes_nothing(places):
    out, _ = run(SAMPLE, "--dry-run")
    assert "would create 11" in out
    assert not Staff.objects.exists()


def test_missing_columns_and_missing_file_fail_clearly(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("username,password\nx,y\n")
    with pytest.raises(CommandError, match="lacks the columns"):
        run(bad)
    with pytest.raises(CommandError, match="cannot read"):
        run(tmp_path / "missing.csv")


def test_reader_accepts_a_byte_order_mark():
    records, errors = read_csv(
        ("\ufeff" + HEADER + "1,ali,pw-long-enough-1,Ali,HEAD,,{},true\n").encode()
    )
    assert [r.username for r in records] == ["ali"] and not errors
    assert "pw-long-enough-1" not in repr(records[0])
