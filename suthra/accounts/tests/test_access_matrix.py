"""Every URL × every role × an in-scope and an out-of-scope object.

Apps declare their URLs in ``suthra/<app>/access.py`` (see suthra/core/access.py). A named URL
that no app declares makes ``test_every_url_is_in_the_matrix`` fail.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from suthra.core.access import EXEMPT_PREFIXES, USER_ROLES, Case


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("suthra."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.access")
        except ModuleNotFoundError:
            continue
        cases.extend(module.CASES)
    return cases


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


CASES = all_cases()


def test_every_url_is_in_the_matrix():
    declared = {c.url_name for c in CASES}
    missing = sorted(
        n for n in named_urls() if n not in declared and not n.startswith(EXEMPT_PREFIXES)
    )
    assert not missing, (
        f"URLs missing from the access matrix (add them to <app>/access.py): {missing}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.url_name}:{c.method}")
def test_access_matrix(case: Case, world, client):
    kwargs = case.obj(world) if case.obj else {}
    url = reverse(case.url_name, kwargs=kwargs)
    data = case.data(world) if callable(case.data) else (case.data or {})
    failures = []
    for username in USER_ROLES:
        client.force_login(world.users[username])
        response = getattr(client, case.method)(url, data)
        expected = case.expected(username)
        if response.status_code not in expected:
            failures.append(f"{username}: got {response.status_code}, expected {expected}")
        client.logout()
    if case.minimum != "PUBLIC":
        anonymous = getattr(client, case.method)(url, data)
        if anonymous.status_code not in (302, 401, 403):
            failures.append(f"anonymous: got {anonymous.status_code}")
    assert not failures, f"{case.url_name} {url}: " + "; ".join(failures)
