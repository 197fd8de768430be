"""Every URL × every role × an in-scope and an out-of-scope object.

Apps declare their URLs in ``suthra/<app>/tests/access_cases.py`` (see suthra/testing/access.py).
A named URL that no app declares makes ``test_every_url_is_in_the_matrix`` fail. Each case is
also requested by an anonymous visitor, and every response to a user without Multan is searched
for a planted Multan unit and bill, so no list, count, search or export leaks an out-of-scope
row. docs/ACCESS.md's table is generated from the same cases.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse, reverse_lazy
from django.urls.resolvers import URLPattern, URLResolver

from suthra.testing import make_bill, make_unit
from suthra.testing.access import (
    EXEMPT_PREFIXES,
    USER_ROLES,
    Case,
    collect_cases,
    matrix_markdown,
)


def named_urls() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


CASES = collect_cases()

# A unit and a bill in UC C (Multan), planted before every case: lists, counts, searches,
# autocompletes and (CSV) exports seen by users without Multan must never show them.
SENTINEL_MARKERS = ("Sentinel Outofscope", "SP-SENTINEL-0001")
BLIND_TO_UC_C = ("agent_a", "agent_b", "supervisor")


def _plant_sentinel(world) -> None:
    unit = make_unit(
        world.uc_c,
        survey_id="SP-SENTINEL-0001",
        consumer_name="Sentinel Outofscope",
        address="Sentinel Outofscope Bazaar",
    )
    make_bill(unit, dt.date(2025, 11, 1), fee=300)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


LOGIN = reverse_lazy("accounts:login")


def test_every_url_is_in_the_matrix():
    declared = {c.url_name for c in CASES}
    missing = sorted(
        n for n in named_urls() if n not in declared and not n.startswith(EXEMPT_PREFIXES)
    )
    assert not missing, (
        "URLs missing from the access matrix (add them to suthra/<app>/tests/access_cases.py): "
        f"{missing}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.url_name}:{c.method}")
def test_access_matrix(case: Case, world, client):
    _plant_sentinel(world)
    kwargs = case.obj(world) if case.obj else {}
    url = reverse(case.url_name, kwargs=kwargs)
    data = case.data(world) if callable(case.data) else (case.data or {})
    failures = []
    # Anonymous first: a public page answers as it does for staff; anything else sends the
    # visitor to the login page (or refuses) and never shows data.
    anonymous = getattr(client, case.method)(url, data)
    if case.minimum == "PUBLIC":
        if anonymous.status_code not in case.ok:
            failures.append(f"anonymous: got {anonymous.status_code}, expected {case.ok}")
    elif anonymous.status_code == 302:
        if not anonymous["Location"].startswith(str(LOGIN)):
            failures.append(f"anonymous: redirected to {anonymous['Location']}, not the login page")
    elif anonymous.status_code not in (401, 403):
        failures.append(f"anonymous: got {anonymous.status_code}, expected login redirect/401/403")
    for username in USER_ROLES:
        client.force_login(world.users[username])
        response = getattr(client, case.method)(url, data)
        expected = case.expected(username)
        if response.status_code not in expected:
            failures.append(f"{username}: got {response.status_code}, expected {expected}")
        if username in BLIND_TO_UC_C:
            leaked = [m for m in SENTINEL_MARKERS if m.encode() in _body(response)]
            if leaked:
                failures.append(f"{username}: response shows out-of-scope row {leaked}")
        client.logout()
    assert not failures, f"{case.url_name} {url}: " + "; ".join(failures)


@pytest.mark.django_db
def test_the_sentinel_is_visible_where_it_should_be(world, client):
    """Guards the leak check above: the planted Multan unit does show up for Multan's users."""
    _plant_sentinel(world)
    try:
        url = reverse("units:browse")
    except NoReverseMatch:
        pytest.skip("no unit list yet")
    client.force_login(world.supervisor_multan)
    assert SENTINEL_MARKERS[0].encode() in _body(client.get(url))
    client.force_login(world.supervisor)
    assert SENTINEL_MARKERS[0].encode() not in _body(client.get(url))


ACCESS_MD = Path(__file__).resolve().parents[3] / "docs" / "ACCESS.md"
TABLE_START = "| URL name | method |"


def test_access_md_table_is_current():
    """docs/ACCESS.md's table is generated from the cases: UPDATE_DOCS=1 rewrites it."""
    text = ACCESS_MD.read_text(encoding="utf-8")
    start = text.index(TABLE_START)
    end = text.find("\n\n", start)
    end = len(text) if end == -1 else end + 1
    expected = matrix_markdown(CASES)
    if os.environ.get("UPDATE_DOCS") == "1":
        ACCESS_MD.write_text(text[:start] + expected + text[end:], encoding="utf-8")
        return
    assert text[start:end] == expected, (
        "docs/ACCESS.md is out of date: run UPDATE_DOCS=1 .venv/bin/python -m pytest "
        "--ds=config.test_settings suthra/accounts/tests/test_access_matrix.py -k access_md"
    )
