"""Reads of the API app: tokens of a user, all tokens for HEAD, and the token behind a key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone

from suthra.api.models import ApiToken, IdempotencyKey
from suthra.api.services import TOKEN_PREFIX, hash_token

# last_used_at is written at most this often per token, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=5)


def token_list(*, actor: Any, everyone: bool = False) -> models.QuerySet[ApiToken]:
    """The actor's own tokens; with ``everyone`` (HEAD only) every user's tokens."""
    qs = ApiToken.objects.select_related("user", "revoked_by")
    if everyone and actor.at_least("HEAD"):
        return qs
    return qs.filter(user=actor)


def token_get(*, actor: Any, pk: Any) -> ApiToken:
    """A token the actor may manage (their own, or any for HEAD), else 404."""
    try:
        return token_list(actor=actor, everyone=True).get(pk=int(pk))
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


def token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token for a raw key (and its active user), or None. Used by the API auth."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None:
        return None
    if token.user.must_change_password:
        # Suspended until the user chooses their own password (after a head-office reset).
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def idempotency_find(
    *, user: Any, operation: str, key: str, fingerprint: str
) -> IdempotencyKey | None:
    """The earlier write made with this key, or None. A key reused for another request is a 422."""
    found = IdempotencyKey.objects.filter(user=user, operation=operation, key=key).first()
    if found is not None and found.fingerprint != fingerprint:
        raise ValidationError(
            {"Idempotency-Key": ["This key was already used for a different request."]}
        )
    return found


def fingerprint(data: Any) -> str:
    """A stable hash of a request's payload (for idempotency keys)."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
