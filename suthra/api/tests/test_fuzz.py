"""Fuzz the API against its own OpenAPI schema with schemathesis, in-process over WSGI.

For every operation, schemathesis generates requests from the schema (valid ones, then invalid
ones) and checks each answer: never a 5xx, only documented status codes and content types, and
a body that matches the documented schema. Bounded for CI: ``API_FUZZ_EXAMPLES`` examples per
operation and mode (default 15), derandomized so a run is reproducible, no shrinking.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from suthra.api.api import api as ninja_api
from suthra.api.services import token_create
from suthra.api.tests.factories import make_rows

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def keep_test_connection():
    """The real WSGI handler closes the database connection after each request (a test
    transaction looks "obsolete" to it on PostgreSQL); Django's own test client switches that off
    the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _operations():
    schema = schemathesis.openapi.from_dict(ninja_api.get_openapi_schema())
    schema.app = get_wsgi_application()
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.django_db
@override_settings(API_RATE_LIMIT=(1_000_000, 60))
@pytest.mark.parametrize("username", ["head", "agent_a"])
def test_api_conforms_to_its_schema(world, username, keep_test_connection):
    make_rows(world)
    _token, raw = token_create(user=world.users[username], name="fuzz")
    auth = {"Authorization": f"Bearer {raw}"}
    operations = _operations()
    assert len(operations) > 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(headers=auth, checks=CHECKS)

            run()
