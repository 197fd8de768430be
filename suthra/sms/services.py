"""Writes for SMS: templates, campaigns (draft → confirmed → sent), the opt-out list, and the
sending itself (batches, retries with backoff, a rate limit, quiet hours).

Sending is driven by ``run_batch``: it sends the messages that are due, records every answer,
and returns when it should run again (``None`` when the campaign is finished). The task in
``tasks.py`` re-enqueues itself for that time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import threading
import time
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from suthra.accounts import scope
from suthra.accounts.models import Role
from suthra.core.audit import audit_record
from suthra.core.phone import InvalidMobile, normalise_mobile
from suthra.locations.models import City, UnionCouncil
from suthra.notifications.sms import get_sms_backend
from suthra.sms import selectors, texts
from suthra.sms.gateway import ANSWER_LIMIT, GatewayError
from suthra.sms.models import (
    Campaign,
    MessageStatus,
    OptOut,
    SkipReason,
    SmsMessage,
    SmsTemplate,
)

logger = logging.getLogger(__name__)
PKT = zoneinfo.ZoneInfo("Asia/Karachi")


# --- templates ---------------------------------------------------------------------------


def templates_ensure() -> None:
    """Create any missing template with its default text (migration 0002 writes them; a
    database flushed since, as by transactional tests, gets them back here)."""
    from suthra.sms.defaults import DEFAULTS

    have = set(SmsTemplate.objects.values_list("kind", "language"))
    missing = [
        SmsTemplate(kind=kind, language=language, body=body)
        for (kind, language), body in DEFAULTS.items()
        if (kind, language) not in have
    ]
    if missing:
        SmsTemplate.objects.bulk_create(missing, ignore_conflicts=True)


def template_update(*, actor: Any, template: SmsTemplate, body: str) -> SmsTemplate:
    """HEAD edits a template; unknown placeholders are refused."""
    if not actor.at_least(Role.HEAD):
        raise PermissionDenied("Only head office edits SMS templates.")
    body = body.strip()
    texts.template_check(body)
    with transaction.atomic():
        before = template.body
        template.body = body
        template.updated_by = actor
        template.save(update_fields=["body", "updated_by", "updated_at"])
        audit_record(
            actor=actor,
            action="sms.template_update",
            object_type="sms_template",
            object_id=template.pk,
            changes={"kind": template.kind, "language": template.language, "before": before},
        )
    return template


# --- campaigns ---------------------------------------------------------------------------


def campaign_create(
    *,
    actor: Any,
    kind: str,
    language: str,
    city: City,
    uc: UnionCouncil | None,
    month: dt.date,
    min_arrears: int = 1,
) -> Campaign:
    """A draft campaign (the preview). MANAGER and up, on a UC or whole city in their scope."""
    if not actor.at_least(Role.MANAGER):
        raise PermissionDenied("Campaigns are for managers and head office.")
    if uc is not None:
        mine = scope.uc_ids(actor)
        if uc.city_id != city.pk or (mine is not None and uc.pk not in mine):
            raise PermissionDenied("This union council is outside your area.")
    else:
        covered = selectors.covered_city_ids(actor)
        if covered is not None and city.pk not in covered:
            raise PermissionDenied("This city is outside your area.")
    templates_ensure()
    if not SmsTemplate.objects.filter(kind=kind, language=language).exists():
        raise ValidationError(_("There is no template for this kind and language yet."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            kind=kind,
            language=language,
            city=city,
            uc=uc,
            month=month.replace(day=1),
            min_arrears=min_arrears,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="sms.campaign_create",
            object_type="sms_campaign",
            object_id=campaign.pk,
            changes={"kind": kind, "language": language, "uc": uc.name if uc else city.name},
        )
    return campaign


def campaign_body(campaign: Campaign) -> str:
    if campaign.body:
        return campaign.body
    template = SmsTemplate.objects.filter(kind=campaign.kind, language=campaign.language).first()
    return template.body if template else ""


def campaign_confirm(*, actor: Any, campaign: Campaign) -> Campaign:
    """Freeze the text, write one row per recipient (skipped ones with their reason) and start
    sending after the transaction commits."""
    if not actor.at_least(Role.MANAGER):
        raise PermissionDenied("Campaigns are for managers and head office.")
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise ValidationError(_("This campaign was already confirmed."))
        body = campaign_body(campaign)
        texts.template_check(body)
        plan = selectors.plan(campaign, body)
        if not plan.sending:
            raise ValidationError(_("Nobody to send to: every number is skipped."))
        SmsMessage.objects.bulk_create(
            [
                SmsMessage(
                    campaign=campaign,
                    unit_id=r.unit_id,
                    psid=r.psid,
                    to=r.to,
                    text=r.text,
                    parts=r.parts,
                    status=MessageStatus.SKIPPED if r.skip else MessageStatus.QUEUED,
                    skip_reason=r.skip,
                )
                for r in plan.recipients
            ],
            batch_size=1000,
        )
        campaign.body = body
        campaign.status = Campaign.Status.SENDING
        campaign.confirmed_at = timezone.now()
        campaign.save(update_fields=["body", "status", "confirmed_at"])
        audit_record(
            actor=actor,
            action="sms.campaign_confirm",
            object_type="sms_campaign",
            object_id=campaign.pk,
            changes={
                "recipients": len(plan.sending),
                "skipped": sum(plan.skipped.values()),
                "parts": plan.total_parts,
            },
        )
        transaction.on_commit(lambda: _start(campaign.pk))
    return campaign


def _start(campaign_id: int) -> None:
    from suthra.sms.tasks import send_campaign

    try:
        send_campaign.enqueue(campaign_id)
    except Exception:
        # The messages stay queued; `manage.py sms_send` picks them up.
        logger.exception("could not enqueue SMS campaign %s", campaign_id)


# --- opt-outs ----------------------------------------------------------------------------


def optout_add(*, actor: Any, mobile: str, note: str = "", source: str = "staff") -> OptOut:
    """Add a number to the opt-out list (idempotent). ``InvalidMobile`` for a bad number."""
    normal = normalise_mobile(mobile)
    with transaction.atomic():
        optout, created = OptOut.objects.get_or_create(
            mobile=normal,
            defaults={
                "source": source,
                "note": note[:200],
                "added_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if created:
            # Messages still waiting for this number are never sent.
            SmsMessage.objects.filter(to=normal, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SKIPPED, skip_reason=SkipReason.OPTED_OUT
            )
            audit_record(
                actor=actor,
                action="sms.optout_add",
                object_type="sms_optout",
                object_id=optout.pk,
                changes={"mobile": f"***{normal[-4:]}", "source": source},
            )
    return optout


def optout_remove(*, actor: Any, mobile: str, reason: str) -> bool:
    """Take a number off the opt-out list, with a reason (any staff member — those who may add
    one — or ``actor=None`` for the consumer's START message). Returns whether it was on the
    list. ``InvalidMobile`` for a bad number; ``ValidationError`` without a reason. Messages
    already skipped stay skipped; later campaigns reach the number again. Audited."""
    normal = normalise_mobile(mobile)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for taking the number off the list."))
    with transaction.atomic():
        optout = OptOut.objects.select_for_update().filter(mobile=normal).first()
        if optout is None:
            return False
        pk, source = optout.pk, optout.source
        optout.delete()
        audit_record(
            actor=actor if getattr(actor, "pk", None) else None,
            action="sms.optout_remove",
            object_type="sms_optout",
            object_id=pk,
            changes={"mobile": f"***{normal[-4:]}", "source": source, "reason": reason[:200]},
        )
    return True


def inbound_secret_ok(given: str) -> bool:
    secret = str(getattr(settings, "SMS_INBOUND_SECRET", "") or "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def _keywords(name: str, default: list[str]) -> set[str]:
    return {k.strip().casefold() for k in getattr(settings, name, default) if k.strip()}


def inbound_message(*, sender: str, text: str) -> str:
    """A consumer's message from the gateway's callback: a STOP keyword (first word) opts the
    number out, a START keyword takes it off the list again. Returns ``"stopped"``,
    ``"started"`` or ``"ok"`` (anything else, or a number that is not a mobile)."""
    words = text.strip().split()
    first = words[0].casefold() if words else ""
    try:
        if first and first in _keywords("SMS_STOP_KEYWORDS", ["STOP"]):
            optout_add(actor=None, mobile=sender, note=text[:200], source=OptOut.Source.INBOUND)
            return "stopped"
        if first and first in _keywords("SMS_START_KEYWORDS", ["START"]):
            removed = optout_remove(actor=None, mobile=sender, reason=f"START: {text[:180]}")
            return "started" if removed else "ok"
    except InvalidMobile:
        return "ok"
    return "ok"


# --- sending -----------------------------------------------------------------------------


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """During quiet hours (``SMS_QUIET_HOURS``, default 21:00–08:00 Pakistan time) the moment
    sending may resume; ``None`` outside them."""
    start, end = getattr(settings, "SMS_QUIET_HOURS", (21, 8))
    local = now.astimezone(PKT)
    if start == end:
        return None
    quiet = local.hour >= start or local.hour < end if start > end else start <= local.hour < end
    if not quiet:
        return None
    resume = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if resume <= local:
        resume += dt.timedelta(days=1)
    return resume


def backoff(attempt: int) -> dt.timedelta:
    """The wait after failed attempt ``attempt`` (1, 2, ...): base × 2^(attempt−1)."""
    base = float(getattr(settings, "SMS_RETRY_BASE_SECONDS", 60))
    return dt.timedelta(seconds=base * 2 ** (attempt - 1))


def _due(campaign_id: int, now: dt.datetime) -> Q:
    return Q(campaign_id=campaign_id, status=MessageStatus.QUEUED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


class _Throttle:
    """Spaces gateway requests of this process by ``1 / SMS_RATE_PER_SECOND`` seconds, across
    batches and campaigns (one worker process sends; see docs/DEPLOY.md)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = -1e9

    def wait(self, gap: float, sleep: Any, clock: Any = time.monotonic) -> None:
        with self.lock:
            delay = self.last + gap - clock()
            if delay > 0:
                sleep(delay)
            self.last = clock()


_throttle = _Throttle()


def run_batch(campaign_id: int, *, sleep: Any = time.sleep) -> dt.datetime | None:
    """Send one batch of the campaign's due messages; when to run again (``None``: finished).

    Opted-out numbers are checked again just before each send. A failure is retried after
    ``backoff`` until ``SMS_MAX_ATTEMPTS``, then the message is failed with the gateway's
    answer. ``SMS_RATE_PER_SECOND`` spaces the requests.
    """
    now = timezone.now()
    resume = quiet_until(now)
    if resume is not None:
        return resume
    size = int(getattr(settings, "SMS_BATCH_SIZE", 100))
    max_attempts = int(getattr(settings, "SMS_MAX_ATTEMPTS", 3))
    rate = float(getattr(settings, "SMS_RATE_PER_SECOND", 5))
    gap = 1.0 / rate if rate > 0 else 0.0
    batch = list(SmsMessage.objects.filter(_due(campaign_id, now)).order_by("id")[:size])
    blocked = selectors.opted_out()
    backend = None
    for message in batch:
        if message.to in blocked:
            message.status, message.skip_reason = MessageStatus.SKIPPED, SkipReason.OPTED_OUT
            message.save(update_fields=["status", "skip_reason", "updated_at"])
            continue
        if quiet_until(timezone.now()) is not None:
            break
        _throttle.wait(gap, sleep)
        message.attempts += 1
        try:
            backend = backend or get_sms_backend()
            # Backends return None (logging) or the gateway's answer (HttpSmsBackend).
            answer: object = backend.send(message.to, message.text)  # type: ignore[func-returns-value]
        except GatewayError as exc:
            _failed(message, exc.answer, max_attempts)
        except Exception as exc:
            _failed(message, f"{type(exc).__name__}: {exc}", max_attempts)
        else:
            message.status = MessageStatus.SENT
            message.answer = str(answer or "")[:ANSWER_LIMIT]
            message.sent_at = timezone.now()
            message.next_attempt_at = None
            message.save(
                update_fields=[
                    "status",
                    "answer",
                    "sent_at",
                    "attempts",
                    "next_attempt_at",
                    "updated_at",
                ]
            )
    return _next_run(campaign_id)


def _failed(message: SmsMessage, answer: str, max_attempts: int) -> None:
    message.answer = answer[:ANSWER_LIMIT]
    if message.attempts >= max_attempts:
        message.status = MessageStatus.FAILED
        message.next_attempt_at = None
    else:
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
    message.save(update_fields=["status", "answer", "attempts", "next_attempt_at", "updated_at"])
    logger.info("SMS %s attempt %s failed: %s", message.pk, message.attempts, message.answer)


def _next_run(campaign_id: int) -> dt.datetime | None:
    queued = SmsMessage.objects.filter(campaign_id=campaign_id, status=MessageStatus.QUEUED)
    if not queued.exists():
        Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.DONE, finished_at=timezone.now()
        )
        return None
    now = timezone.now()
    if queued.filter(next_attempt_at__isnull=True).exists():
        return now
    soonest = queued.aggregate(t=Min("next_attempt_at"))["t"]
    return max(soonest, now) if soonest else now


def send_due(*, sleep: Any = time.sleep) -> int:
    """Run every campaign that is sending until nothing is due now (the management command and
    the fallback when the task backend cannot defer). Returns the campaigns still sending."""
    pending = 0
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.SENDING).values_list(
        "id", flat=True
    ):
        while True:
            next_run = run_batch(campaign_id, sleep=sleep)
            if next_run is None:
                break
            if next_run > timezone.now():
                pending += 1
                break
    return pending
