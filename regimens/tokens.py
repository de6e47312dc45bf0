"""Personal API tokens: creation (the key is returned once), lookup by the key's digest for one scope, and
revocation when the user's password changes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from regimens.models import ApiToken

# Why a key is refused; the API answers these in its 401 body and the tests reuse them.
INVALID = "Invalid API token."
REVOKED = "This API token has been revoked (by hand, or because its user's password changed)."
EXPIRED = "This API token expired on {expired}; ask for a new one."
INACTIVE = "This API token belongs to an inactive account."
OUT_OF_SCOPE = "This API token's scope is '{scope}'; this door needs '{needed}'."


class TokenRefused(Exception):
    """A key that was sent but opens nothing; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(
    *, user, name: str, scope: str = ApiToken.Scope.RECOMMEND, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its key. Without `expires_at` it lives API_TOKEN_DAYS days."""
    if expires_at is None:
        expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=_digest(key), prefix=key[:8], scope=scope, expires_at=expires_at
    )
    return token, key


def token_user(authorization: str, *, scope: str):
    """The user of an `Authorization: Token <key>` (or `Bearer <key>`) header whose token holds `scope`.

    Raises TokenRefused, saying why, for an unknown, revoked, expired or out-of-scope key or an inactive user.
    """
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() not in {"token", "bearer"} or not key.strip():
        raise TokenRefused(INVALID)
    token = ApiToken.objects.select_related("user").filter(digest=_digest(key.strip())).first()
    if token is None:
        raise TokenRefused(INVALID)
    now = timezone.now()
    if token.revoked:
        raise TokenRefused(REVOKED)
    if now >= token.expires_at:
        raise TokenRefused(EXPIRED.format(expired=timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")))
    if not token.user.is_active:
        raise TokenRefused(INACTIVE)
    if token.scope != scope:
        raise TokenRefused(OUT_OF_SCOPE.format(scope=token.scope, needed=scope))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def tokens_revoke(*, user) -> int:
    """Revokes every live token of `user`; returns how many."""
    return ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)


class RevokeTokensOnPasswordChange:
    """Listed in AUTH_PASSWORD_VALIDATORS for Django's password_changed() hook, which runs when a user saved
    after set_password() (password change and reset forms, the admin, `manage.py changepassword`) but not when
    Django merely re-hashes a password at login. It refuses no password."""

    def validate(self, password: str, user=None) -> None:
        return None

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            tokens_revoke(user=user)

    def get_help_text(self) -> str:
        return "Changing your password revokes your API keys."
