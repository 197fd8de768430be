"""A generic HTTP SMS gateway, configured by settings — the shape most Pakistani providers use.

One request per message: ``SMS_GATEWAY_URL`` with ``SMS_GATEWAY_METHOD`` (GET puts the
parameters in the query string, POST sends them form-encoded), the number under
``SMS_GATEWAY_TO_PARAM``, the text under ``SMS_GATEWAY_TEXT_PARAM``, the sender id, a unicode
flag for UCS-2 texts, credentials (their values come from the environment only) and any fixed
extra parameters. Success is a status code in ``SMS_GATEWAY_SUCCESS_STATUS`` and, when
``SMS_GATEWAY_SUCCESS_REGEX`` is set, a body matching it; anything else raises ``GatewayError``
with the gateway's answer. Used by campaigns and, through ``SMS_BACKEND``, by staff notifications.
"""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from suthra.sms.parts import count_parts

ANSWER_LIMIT = 500


class GatewayError(Exception):
    """The gateway did not accept the message; ``answer`` is what it said (for the status log)."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.answer = answer[:ANSWER_LIMIT]


@dataclass
class GatewayConfig:
    url: str
    method: str = "POST"
    to_param: str = "to"
    text_param: str = "text"
    sender_param: str = ""
    sender: str = ""
    unicode_param: str = ""
    unicode_value: str = "1"
    user_param: str = ""
    user: str = ""
    password_param: str = ""
    password: str = ""
    basic_auth: bool = False
    number_format: str = "international"  # "international" 923001234567 or "local" 03001234567
    extra_params: dict[str, str] = field(default_factory=dict)
    success_status: tuple[int, ...] = (200,)
    success_regex: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> GatewayConfig:
        s = settings
        return cls(
            url=getattr(s, "SMS_GATEWAY_URL", ""),
            method=getattr(s, "SMS_GATEWAY_METHOD", "POST").upper(),
            to_param=getattr(s, "SMS_GATEWAY_TO_PARAM", "to"),
            text_param=getattr(s, "SMS_GATEWAY_TEXT_PARAM", "text"),
            sender_param=getattr(s, "SMS_GATEWAY_SENDER_PARAM", ""),
            sender=getattr(s, "SMS_GATEWAY_SENDER", ""),
            unicode_param=getattr(s, "SMS_GATEWAY_UNICODE_PARAM", ""),
            unicode_value=getattr(s, "SMS_GATEWAY_UNICODE_VALUE", "1"),
            user_param=getattr(s, "SMS_GATEWAY_USER_PARAM", ""),
            user=getattr(s, "SMS_GATEWAY_USER", ""),
            password_param=getattr(s, "SMS_GATEWAY_PASSWORD_PARAM", ""),
            password=getattr(s, "SMS_GATEWAY_PASSWORD", ""),
            basic_auth=bool(getattr(s, "SMS_GATEWAY_BASIC_AUTH", False)),
            number_format=getattr(s, "SMS_GATEWAY_NUMBER_FORMAT", "international"),
            extra_params=dict(getattr(s, "SMS_GATEWAY_EXTRA_PARAMS", {}) or {}),
            success_status=tuple(
                int(x) for x in getattr(s, "SMS_GATEWAY_SUCCESS_STATUS", (200,)) or (200,)
            ),
            success_regex=getattr(s, "SMS_GATEWAY_SUCCESS_REGEX", ""),
            timeout=float(getattr(s, "SMS_GATEWAY_TIMEOUT", 10)),
        )


def gateway_number(normal: str, number_format: str) -> str:
    """``03001234567`` as the gateway wants it: ``923001234567`` (international) or unchanged."""
    if number_format == "international" and normal.startswith("0"):
        return "92" + normal[1:]
    return normal


def build_request(config: GatewayConfig, to: str, text: str) -> urllib.request.Request:
    params: dict[str, str] = dict(config.extra_params)
    params[config.to_param] = gateway_number(to, config.number_format)
    params[config.text_param] = text
    if config.sender_param and config.sender:
        params[config.sender_param] = config.sender
    if config.unicode_param and count_parts(text).unicode:
        params[config.unicode_param] = config.unicode_value
    if not config.basic_auth:
        if config.user_param:
            params[config.user_param] = config.user
        if config.password_param:
            params[config.password_param] = config.password
    encoded = urllib.parse.urlencode(params)
    headers = {"User-Agent": "suthra-sms/1"}
    if config.basic_auth:
        token = base64.b64encode(f"{config.user}:{config.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    if config.method == "GET":
        sep = "&" if urllib.parse.urlsplit(config.url).query else "?"
        url = config.url + sep + encoded
        return urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    return urllib.request.Request(  # noqa: S310 (http(s) only: checked by HttpSmsBackend)
        config.url, data=encoded.encode("utf-8"), headers=headers, method="POST"
    )


class HttpSmsBackend:
    """``send(to, text)`` through the configured HTTP gateway; returns the gateway's answer."""

    def __init__(self, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig.from_settings()
        if not self.config.url.startswith(("http://", "https://")):
            raise GatewayError("SMS_GATEWAY_URL is not set to an http(s) URL")

    def send(self, to: str, text: str) -> str:
        request = build_request(self.config, to, text)
        try:
            # The URL is the operator's own setting, checked to be http(s) above.
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                status, body = response.status, _read(response)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, _read(exc)
        except TimeoutError:
            raise GatewayError(f"timeout after {self.config.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GatewayError(f"connection failed: {reason}") from None
        answer = f"HTTP {status}: {body.strip()}"
        if status not in self.config.success_status:
            raise GatewayError(answer)
        if self.config.success_regex and not re.search(self.config.success_regex, body):
            raise GatewayError(answer)
        return answer[:ANSWER_LIMIT]


def _read(response: Any) -> str:
    try:
        data: bytes = response.read(4096)
    except (TimeoutError, OSError):
        raise GatewayError("timeout while reading the answer") from None
    return data.decode("utf-8", errors="replace")
