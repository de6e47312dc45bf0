"""Session idle expiry without a database write on every request."""

import time

from django.http import HttpRequest

# The session's expiry is pushed forward at most once a minute, so an idle session ends between
# SESSION_COOKIE_AGE - 60 s and SESSION_COOKIE_AGE after the last request.
RENEW_AFTER_SECONDS = 60


class SessionIdleRenewalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get("_renewed_at", 0) >= RENEW_AFTER_SECONDS:
                request.session["_renewed_at"] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)


# Features no page of the product uses: the browser refuses them to every page and to anything a page embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)


class PrivateResponseMiddleware:
    """Pages seen by a logged-in user may hold patient data: no browser, proxy or back-button cache keeps them
    (`Cache-Control: no-store`). Every response carries the Permissions-Policy above. Static files, served by
    WhiteNoise before this middleware, stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class HealthCheckMiddleware:
    """Answers the load balancer's `GET /healthz` right after the security middleware, before the session and
    authentication middleware read the session from the database: a probe that carries a session cookie still
    gets the health check's own 503 when the database is down or read-only, not a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info == "/healthz":
            from myeloma_cds.views import healthz

            return healthz(request)
        return self.get_response(request)


class UserAccessMiddleware:
    """Reads a signed-in user's roles and permissions once, in one query, before the view checks them
    (`myeloma_cds.context_processors.user_access`, which also fills ModelBackend's permission caches)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated:
            from myeloma_cds.context_processors import user_access

            user_access(request)
        return self.get_response(request)
