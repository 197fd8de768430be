"""The generic HTTP gateway backend against a real local HTTP server: parameter names,
method, unicode flag, credentials, how success is recognised, errors, slow answers."""

from __future__ import annotations

import base64
import socket

import pytest

from suthra.sms.gateway import GatewayError, HttpSmsBackend

URDU_TEXT = "محترم صارف، آپ کا بل Rs 300 ہے۔"


def test_post_sends_the_configured_parameters(gateway):
    answer = HttpSmsBackend().send("03001234567", "Dear Aslam, Rs 300 due.")
    assert answer == "HTTP 200: OK message accepted"
    (req,) = gateway.received
    assert req.method == "POST" and req.path == "/api/send"
    assert req.params == {
        "to": "923001234567",
        "message": "Dear Aslam, Rs 300 due.",
        "mask": "SUTHRA",
        "api_user": "suthra",
        "api_key": "s3cret-from-env",
    }
    assert req.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_urdu_sets_the_unicode_flag(gateway):
    HttpSmsBackend().send("03001234567", URDU_TEXT)
    (req,) = gateway.received
    assert req.params["message"] == URDU_TEXT
    assert req.params["unicode"] == "true"


def test_get_puts_everything_in_the_query_and_local_numbers(gateway, settings):
    settings.SMS_GATEWAY_METHOD = "GET"
    settings.SMS_GATEWAY_NUMBER_FORMAT = "local"
    settings.SMS_GATEWAY_URL = gateway.url + "?type=text"
    settings.SMS_GATEWAY_EXTRA_PARAMS = {"lang": "ur"}
    HttpSmsBackend().send("03001234567", "hello")
    (req,) = gateway.received
    assert req.method == "GET"
    assert req.params["to"] == "03001234567" and req.params["type"] == "text"
    assert req.params["lang"] == "ur" and "unicode" not in req.params


def test_basic_auth_keeps_credentials_out_of_the_parameters(gateway, settings):
    settings.SMS_GATEWAY_BASIC_AUTH = True
    HttpSmsBackend().send("03001234567", "hello")
    (req,) = gateway.received
    assert "api_key" not in req.params and "api_user" not in req.params
    token = base64.b64encode(b"suthra:s3cret-from-env").decode()
    assert req.headers["Authorization"] == f"Basic {token}"


def test_an_error_status_is_a_failure_with_the_answer(gateway):
    gateway.default = (500, "ERR 17 insufficient credit", 0)
    with pytest.raises(GatewayError) as caught:
        HttpSmsBackend().send("03001234567", "hello")
    assert caught.value.answer == "HTTP 500: ERR 17 insufficient credit"


def test_status_200_with_a_body_not_matching_the_regex_is_a_failure(gateway):
    gateway.default = (200, "ERROR: invalid mask", 0)
    with pytest.raises(GatewayError, match="invalid mask"):
        HttpSmsBackend().send("03001234567", "hello")


def test_other_success_codes_without_regex(gateway, settings):
    settings.SMS_GATEWAY_SUCCESS_STATUS = [200, 202]
    settings.SMS_GATEWAY_SUCCESS_REGEX = ""
    gateway.default = (202, "queued", 0)
    assert HttpSmsBackend().send("03001234567", "hello") == "HTTP 202: queued"


def test_a_slow_gateway_times_out(gateway):
    gateway.default = (200, "OK late", 2.0)
    with pytest.raises(GatewayError, match="timeout"):
        HttpSmsBackend().send("03001234567", "hello")


def test_a_gateway_that_is_down(settings, gateway):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/send"
    with pytest.raises(GatewayError, match="connection failed"):
        HttpSmsBackend().send("03001234567", "hello")


def test_only_http_urls(settings):
    settings.SMS_GATEWAY_URL = "file:///etc/passwd"
    with pytest.raises(GatewayError):
        HttpSmsBackend()


def test_staff_notifications_can_use_the_gateway(gateway, settings):
    """The backend fits the notifications' SMS_BACKEND interface too."""
    from suthra.notifications.sms import get_sms_backend

    get_sms_backend().send("03001234567", "Ticket #4 escalated")
    assert gateway.received[0].params["message"] == "Ticket #4 escalated"
