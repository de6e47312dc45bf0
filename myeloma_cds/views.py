"""Product-wide views: the home page and the load balancer's health check."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from myeloma_cds.context_processors import user_access
from regimens.selectors import catalog_summary

# Where a role without a clinician's work starts (its own pages): the board member at the tumour board's
# worklist, the catalog editor (without a clinical role) in the catalog. Clinicians and superusers start here.
BOARD_START = "board:worklist"
CATALOG_START = "regimens:list"


def _start_page(user: Any, roles: list[str]) -> str | None:
    """The URL name of the user's own start page, or None for this page."""
    if user.is_superuser or "clinician" in roles:
        return None
    if "board member" in roles:
        return BOARD_START
    if "catalog editor" in roles:
        return CATALOG_START
    return None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    roles = user_access(request).roles  # read once, shared with the navigation and the user menu
    start = _start_page(request.user, roles)
    if start is not None:
        try:
            return redirect(start)
        except NoReverseMatch:  # the worklist page is not there yet: this page instead
            pass
    return render(request, "home.html", {"catalog": catalog_summary()})


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on every page, the admin's included."""
    return HttpResponseRedirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 only when the database answers, so a load balancer takes a broken server out of rotation."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
