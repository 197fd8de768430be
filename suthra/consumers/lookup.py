"""The public bill lookup, shared by the page (``/bill/``) and the API: input checks, rate
limits per IP and per PSID (the shared cache), and a similar response time whatever the answer.

Enumeration: unknown and malformed PSIDs get the same message; every answer takes at least
``LOOKUP_MIN_SECONDS`` (the database's answer time does not tell a real PSID from a made-up one).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings

from suthra.accounts import ratelimit
from suthra.billing.models import Bill
from suthra.consumers import selectors, services
from suthra.consumers.models import LookupCount

PSID_RE = re.compile(r"^\d{6,18}$")
SURVEY_RE = re.compile(r"^[A-Za-z0-9-]{3,20}$")
MOBILE4_RE = re.compile(r"^\d{4}$")


def limits() -> tuple[int, int, int]:
    """(per IP, per PSID, window seconds)."""
    return (
        getattr(settings, "BILL_LOOKUP_PER_IP", 20),
        getattr(settings, "BILL_LOOKUP_PER_PSID", 10),
        getattr(settings, "BILL_LOOKUP_WINDOW", 600),
    )


@dataclass
class Answer:
    bill: Bill | None = None
    limited: bool = False
    retry_after: int = 0  # seconds, when limited


def _retry_after(window: int) -> int:
    return window - int(time.time()) % window


def find(
    *,
    ip: str | None,
    psid: str = "",
    survey_id: str = "",
    mobile4: str = "",
    channel: int = LookupCount.Channel.WEB,
) -> Answer:
    """Look a bill up for the public, within the limits; counts the lookup."""
    started = time.monotonic()
    per_ip, per_psid, window = limits()
    psid, survey_id, mobile4 = psid.strip(), survey_id.strip().upper(), mobile4.strip()
    # Per survey id, not per (survey id, digits): guessing the four digits is what is limited.
    target = psid or f"survey:{survey_id}"
    allowed = ratelimit.allow(f"bill-ip:{ip or '-'}", per_ip, window)
    allowed = ratelimit.allow(f"bill-psid:{target}", per_psid, window) and allowed
    answer = Answer()
    if not allowed:
        answer = Answer(limited=True, retry_after=_retry_after(window))
        services.lookup_counted(channel=channel, outcome=LookupCount.Outcome.LIMITED)
    else:
        bill = None
        if psid and PSID_RE.match(psid):
            bill = selectors.find_public(psid=psid)
        elif not psid and SURVEY_RE.match(survey_id) and MOBILE4_RE.match(mobile4):
            bill = selectors.find_public(survey_id=survey_id, mobile4=mobile4)
        answer = Answer(bill=bill)
        outcome = LookupCount.Outcome.FOUND if bill else LookupCount.Outcome.NOT_FOUND
        services.lookup_counted(channel=channel, outcome=outcome)
    floor = getattr(settings, "LOOKUP_MIN_SECONDS", 0.15)
    spent = time.monotonic() - started
    if spent < floor:
        time.sleep(floor - spent)
    return answer
