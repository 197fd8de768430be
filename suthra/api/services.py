"""Writes of the API app: creating and revoking API tokens (audited), and idempotent writes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from suthra.api.models import ApiToken, IdempotencyKey
from suthra.core.audit import audit_record

T = TypeVar("T")

TOKEN_PREFIX = "sp_"
# A user rarely needs more than a few (one per phone or integration); the cap stops runaway scripts.
MAX_ACTIVE_TOKENS_PER_USER = 20


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def token_create(*, user: Any, name: str, ip: str | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` (any active staff member, for themselves).

    Returns the row and the raw token; the raw token is never stored and cannot be shown again.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Give the token a name, e.g. the phone it is for."]})
    if not getattr(user, "is_active", False):
        raise PermissionDenied("Inactive users cannot create tokens.")
    with transaction.atomic():
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS_PER_USER:
            raise ValidationError(
                {"name": [f"You already have {MAX_ACTIVE_TOKENS_PER_USER} tokens; revoke one."]}
            )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name[:60], prefix=raw[:11], key_hash=hash_token(raw)
        )
        audit_record(
            actor=user,
            action="apitoken.create",
            object_type="apitoken",
            object_id=token.pk,
            changes={"name": token.name, "prefix": token.prefix, "user": user.pk},
            ip=ip,
        )
    return token, raw


def token_revoke(*, actor: Any, token: ApiToken, ip: str | None = None) -> ApiToken:
    """Revoke a token. Its owner or HEAD may call it (the caller checks who may see the token).

    Revoking twice is harmless: the second call changes nothing and writes no event.
    """
    if token.user_id != actor.pk and not actor.at_least("HEAD"):
        raise PermissionDenied("Only the owner or the head office may revoke this token.")
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="apitoken.revoke",
            object_type="apitoken",
            object_id=locked.pk,
            changes={"name": locked.name, "prefix": locked.prefix, "user": locked.user_id},
            ip=ip,
        )
    return locked


def tokens_revoke_all(*, staff: Any, actor: Any, reason: str) -> int:
    """Revoke every active token of ``staff`` when their access ends (sessions ended, password
    reset or changed, two-factor reset, deactivation). Registered with the accounts app; each
    token's revocation is audited like a manual one, with the reason."""
    tokens = list(ApiToken.objects.filter(user=staff, revoked_at__isnull=True).select_for_update())
    if not tokens:
        return 0
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now, revoked_by=actor)
    for token in tokens:
        audit_record(
            actor=actor,
            action="apitoken.revoke",
            object_type="apitoken",
            object_id=token.pk,
            changes={
                "name": token.name,
                "prefix": token.prefix,
                "user": staff.pk,
                "reason": reason,
            },
        )
    return len(tokens)


def idempotency_remember(
    *, user: Any, operation: str, key: str, fingerprint: str, status: int, object_id: Any
) -> None:
    """Record that ``key`` did this write. Call inside the write's transaction: a concurrent
    duplicate then fails on the unique constraint and its write is rolled back with it."""
    IdempotencyKey.objects.create(
        user=user,
        operation=operation,
        key=key,
        fingerprint=fingerprint,
        status=status,
        object_id=str(object_id),
    )


def idempotent_write(
    *,
    user: Any,
    operation: str,
    key: str | None,
    fingerprint: str,
    write: Callable[[], T],
    object_id: Callable[[T], Any],
    status: int = 200,
) -> T:
    """Run ``write`` (a domain service call) and, with an ``Idempotency-Key``, remember the key
    in the same transaction: a concurrent duplicate then fails on the unique constraint
    (``IntegrityError``) and nothing of it is written. Callers: API endpoints."""
    with transaction.atomic():
        result = write()
        if key:
            idempotency_remember(
                user=user,
                operation=operation,
                key=key,
                fingerprint=fingerprint,
                status=status,
                object_id=object_id(result),
            )
    return result
