"""Personal API tokens: creation (the key is returned once) and lookup by the key's digest."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone

from regimens.models import ApiToken


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, digest=_digest(key), prefix=key[:8])
    return token, key


def token_user(authorization: str):
    """The active user of an `Authorization: Token <key>` (or `Bearer <key>`) header, or None."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() not in {"token", "bearer"} or not key.strip():
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(key.strip()), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
