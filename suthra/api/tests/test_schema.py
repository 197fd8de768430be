"""The OpenAPI schema documents every endpoint; the docs are for logged-in staff, served locally."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from suthra.api.api import NAMESPACE
from suthra.api.api import api as ninja_api

ERRORS = {"400", "401", "403", "404", "422", "429"}


def _schema():
    return ninja_api.get_openapi_schema()


def _operations():
    for path, methods in _schema()["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def test_every_operation_is_documented():
    problems = []
    for path, method, op in _operations():
        where = f"{method.upper()} {path}"
        if not op.get("operationId"):
            problems.append(f"{where}: no operationId")
        if not (op.get("description") or "").strip():
            problems.append(f"{where}: no description (write a docstring)")
        if not op.get("tags"):
            problems.append(f"{where}: no tag")
        codes = {str(code): value for code, value in op["responses"].items()}
        ok = [code for code in codes if code.startswith("2")]
        if not ok:
            problems.append(f"{where}: no success response")
        for code in ok:
            if not codes[code].get("content"):
                problems.append(f"{where}: {code} has no content schema")
        missing = ERRORS - set(codes)
        if missing:
            problems.append(f"{where}: errors not documented: {sorted(missing)}")
        if not op.get("security"):
            problems.append(f"{where}: no security requirement")
    assert not problems, "\n".join(problems)


def test_operation_ids_are_unique_and_security_schemes_documented():
    ids = [op["operationId"] for _p, _m, op in _operations()]
    assert len(ids) == len(set(ids))
    schemes = _schema()["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    assert schemes["StaffSessionAuth"]["in"] == "cookie"


def _api_routes() -> set[str]:
    """The API's URL routes as OpenAPI paths ("units/<int:unit_id>" → "/api/v1/units/{unit_id}")."""
    routes: set[str] = set()

    def walk(patterns, prefix, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
            elif isinstance(p, URLPattern) and ns == NAMESPACE:
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return routes


def test_every_api_url_is_in_the_schema():
    infrastructure = {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"}
    undocumented = sorted(_api_routes() - set(_schema()["paths"]) - infrastructure)
    assert not undocumented, undocumented
    assert len(_api_routes()) > 10


@pytest.mark.django_db
def test_docs_and_schema_need_a_login(client):
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_docs_page_loads_swagger_from_local_static_files(world, login):
    client = login(world.agent_a)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui-init.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline script; the settings are a JSON data block
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert finders.find(f"ninja/{name}"), name
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Suthra Punjab Billing API"
