"""Operations: read-replica router, request ids and JSON logs, the health endpoint."""

import datetime as dt
import json
import logging

import pytest
from django.db import connections
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse
from django.utils import timezone

from config.routers import ReplicaRouter, replica_reads
from suthra.billing.models import Bill
from suthra.core.middleware_requestid import (
    JsonFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
    current_request_id,
)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def with_replica(monkeypatch):
    """Pretend a replica is configured (its settings are only looked up, never connected)."""
    monkeypatch.setitem(connections.settings, "replica", connections.settings["default"])
    yield


def test_router_reads_from_primary_without_replica():
    router = ReplicaRouter()
    assert "replica" not in connections.settings
    with replica_reads() as alias:
        assert alias == "default"
        assert router.db_for_read(Bill) is None


def test_router_sends_only_marked_reads_to_replica(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(Bill) is None
    with replica_reads() as alias:
        assert alias == "replica"
        assert router.db_for_read(Bill) == "replica"
        assert router.db_for_write(Bill) == "default"
    assert router.db_for_read(Bill) is None


def test_router_migrates_primary_only_and_allows_relations():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "billing") is True
    assert router.allow_migrate("replica", "billing") is False
    assert router.allow_relation(object(), object()) is True


def _middleware(seen):
    def view(request):
        from django.http import HttpResponse

        from config.routers import _use_replica

        seen["id"] = current_request_id()
        seen["replica"] = _use_replica.get()
        return HttpResponse("ok")

    return RequestIdMiddleware(view)


def test_request_id_is_generated_returned_and_logged(caplog):
    seen: dict = {}
    request = RequestFactory().get("/units/?q=03001234567")
    with caplog.at_level(logging.INFO, logger="suthra.request"):
        response = _middleware(seen)(request)
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and seen["id"] == request_id
    assert current_request_id() == "-"  # reset after the request
    record = next(r for r in caplog.records if r.name == "suthra.request")
    assert record.status == 200 and record.path == "/units/"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id
    assert line["status"] == 200 and line["method"] == "GET" and "ms" in line
    # The query string (searched mobiles, names, PSIDs) is never logged.
    # (The request id is random hex and may hold any digits, so leave it out.)
    assert "q=" not in json.dumps(line) and "03001234567" not in json.dumps(line)
    assert "?" not in line["path"] and "0300" not in line["msg"]


def test_request_id_from_proxy_is_kept_only_when_sane():
    seen: dict = {}
    good = RequestFactory().get("/", HTTP_X_REQUEST_ID="a1b2c3d4e5f6a7b8")
    assert _middleware(seen)(good)["X-Request-ID"] == "a1b2c3d4e5f6a7b8"
    bad = RequestFactory().get("/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert _middleware(seen)(bad)["X-Request-ID"] != "<script>alert(1)</script>"


def test_json_formatter_adds_request_id_and_exception():
    record = logging.makeLogRecord({"name": "x", "levelname": "ERROR", "msg": "boom %s"})
    record.args = ("1",)
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "boom 1" and line["request_id"] == "-"
    assert "ValueError: bad" in line["exc"]


@pytest.mark.django_db
def test_report_pages_read_from_replica_when_configured(with_replica, monkeypatch):
    import suthra.core.middleware_requestid as mw

    seen: dict = {}
    monkeypatch.setattr(mw, "REPLICA_URL_NAMESPACES", frozenset({"core"}))
    _middleware(seen)(RequestFactory().get(reverse("core:health")))
    assert seen["replica"] is True
    _middleware(seen)(RequestFactory().post(reverse("core:health")))
    assert seen["replica"] is False  # writes never


@pytest.mark.django_db
def test_health_response_carries_request_id(client):
    response = client.get(reverse("core:health"))
    assert response.json() == {"status": "ok"}
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_health_worker_not_applicable_with_immediate_tasks(client):
    body = client.get(reverse("core:health"), {"worker": "1"}).json()
    assert body == {"status": "ok", "database": "ok", "worker": "n/a"}


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS, WORKER_STALE_SECONDS=300)
def test_health_reports_idle_ok_and_stalled_worker(client):
    from django_tasks_db.models import DBTaskResult, get_date_max

    url = reverse("core:health")
    assert client.get(url, {"worker": "1"}).json()["worker"] == "idle"
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="suthra.x.task",
        backend_name="default",
        run_after=get_date_max(),
    )
    assert client.get(url, {"worker": "1"}).json()["worker"] == "ok"
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(minutes=10)
    )
    response = client.get(url, {"worker": "1"})
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "worker": "stalled"}
    # The load balancer's check ignores the worker: web servers stay in rotation.
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_error_log_lines_carry_the_request_id_but_not_the_query(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/?q=03001234567")
    assert response.status_code == 404
    record = next(r for r in caplog.records if r.name == "django.request")
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert json.loads(line)["request_id"] == response["X-Request-ID"]
    assert "0300" not in line


def _boom(request):
    raise RuntimeError("password=hunter2 in a message that must never reach the page")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_page_leaks_nothing_and_carries_the_request_id(caplog):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    for secret in ("hunter2", "Traceback", "RuntimeError", "SECRET_KEY", "/work/"):
        assert secret not in body
    request_id = response["X-Request-ID"]
    error = next(r for r in caplog.records if r.name == "django.request")
    RequestIdFilter().filter(error)
    assert error.request_id == request_id  # the id the user can quote leads to the traceback
