"""Reads of the API app: tokens of a user, all tokens for HEAD, and the token behind a key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.http import Http404
from django.utils import timezone

from suthra.api.models import ApiToken
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
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
