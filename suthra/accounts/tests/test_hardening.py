"""Production settings: check --deploy clean, security headers, CSP, error pages."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SECRET_", "OTP_", "DEBUG", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="billing.example.pk",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(extra)
    return env


def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.OTP_REQUIRED_FOR_ADMINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.X_FRAME_OPTIONS, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "DENY", "True"], (
        result.stderr
    )


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_a_strict_csp(world, login):
    response = login(world.agent_a).get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "data:" in directives["img-src"] and "blob:" in directives["img-src"]
    assert "https://tile.openstreetmap.org" in directives["img-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "<script>" not in body and " on" + "click=" not in body


@pytest.mark.django_db
def test_404_and_403_pages_do_not_confirm_anything(world, login):
    client = login(world.agent_a)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert b"outside your area" in missing.content
    denied = client.get(reverse("accounts:staff_list"))
    assert denied.status_code == 403
    assert b"Your role does not allow it" in denied.content


@pytest.mark.django_db
def test_bad_request_page_names_the_problem(world, login):
    response = login(world.head).get(reverse("accounts:audit_log"), {"actor": "1 OR 1=1"})
    assert response.status_code == 400
    assert b"actor" in response.content and b"whole number" in response.content
