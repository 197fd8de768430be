"""A real HTTP SMS gateway for the tests: ``http.server`` in a thread on 127.0.0.1.

It records every request (method, path, parameters, headers, time) and answers by a script:
``plan[number]`` is a list of answers ``(status, body, delay_seconds)`` used one per request to
that number (the last one repeats); numbers without a plan get ``default``. No mock object.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, str, float]


@dataclass
class Received:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class GatewayServer:
    default: Answer = (200, "OK message accepted", 0.0)
    plan: dict[str, list[Answer]] = field(default_factory=dict)
    to_param: str = "to"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> GatewayServer:
        server_ref = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                split = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(split.query))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    body = self.rfile.read(length).decode("utf-8")
                    params.update(urllib.parse.parse_qsl(body))
                with server_ref.lock:
                    server_ref.received.append(
                        Received(
                            self.command, split.path, params, dict(self.headers), time.monotonic()
                        )
                    )
                    answers = server_ref.plan.get(params.get(server_ref.to_param, ""))
                    if answers:
                        answer = answers.pop(0) if len(answers) > 1 else answers[0]
                    else:
                        answer = server_ref.default
                status, text, delay = answer
                if delay:
                    time.sleep(delay)
                data = text.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/api/send"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def to(self, number: str) -> list[Received]:
        return [r for r in self.received if r.params.get(self.to_param) == number]


def configure(settings: Any, server: GatewayServer, **extra: Any) -> None:
    """Point the HTTP backend at ``server`` (pytest-django's ``settings`` fixture)."""
    settings.SMS_BACKEND = "suthra.sms.gateway.HttpSmsBackend"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_METHOD = "POST"
    settings.SMS_GATEWAY_TO_PARAM = "to"
    settings.SMS_GATEWAY_TEXT_PARAM = "message"
    settings.SMS_GATEWAY_SENDER_PARAM = "mask"
    settings.SMS_GATEWAY_SENDER = "SUTHRA"
    settings.SMS_GATEWAY_UNICODE_PARAM = "unicode"
    settings.SMS_GATEWAY_UNICODE_VALUE = "true"
    settings.SMS_GATEWAY_USER_PARAM = "api_user"
    settings.SMS_GATEWAY_USER = "suthra"
    settings.SMS_GATEWAY_PASSWORD_PARAM = "api_key"
    settings.SMS_GATEWAY_PASSWORD = "s3cret-from-env"
    settings.SMS_GATEWAY_SUCCESS_STATUS = [200]
    settings.SMS_GATEWAY_SUCCESS_REGEX = r"^OK"
    settings.SMS_GATEWAY_TIMEOUT = 1
    settings.SMS_GATEWAY_NUMBER_FORMAT = "international"
    settings.SMS_RETRY_BASE_SECONDS = 0
    settings.SMS_RATE_PER_SECOND = 1000
    for key, value in extra.items():
        setattr(settings, key, value)
