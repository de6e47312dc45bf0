"""Password reset with limits: a few e-mails per address and requests per client address each hour.

Over a limit the answer is the usual "check your e-mail" page, so the page never tells whether an address
belongs to an account, and nothing is sent."""

from __future__ import annotations

import hashlib
import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect

logger = logging.getLogger(__name__)


def _over_limit(key: str, limit: int) -> bool:
    """Counts one request under `key`; True once more than `limit` were counted within the window."""
    window = int(settings.PASSWORD_RESET_LIMIT_WINDOW.total_seconds())
    cache.add(key, 0, timeout=window)  # starts the window; a no-op while one is running
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def reset_refused(request: HttpRequest, email: str) -> str | None:
    """Which limit, if any, this request for `email` is over. Every request counts towards both."""
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    client = get_client_ip_address(request) or "unknown"
    over_client = _over_limit(f"password-reset:client:{client}", settings.PASSWORD_RESET_LIMIT_PER_CLIENT)
    over_address = _over_limit(f"password-reset:email:{address}", settings.PASSWORD_RESET_LIMIT_PER_EMAIL)
    if over_client:
        return f"client {client}"
    if over_address:
        return "e-mail address"
    return None


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        refused = reset_refused(self.request, form.cleaned_data["email"])
        if refused is not None:
            # The address itself is not logged: the log would become a list of who is being targeted.
            logger.warning("Password reset refused: too many requests for this %s in the last hour.", refused)
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"timeout_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        return super().form_valid(form)
