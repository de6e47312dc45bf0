"""Product-wide views: the home page and the load balancer's health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from myeloma_cds.context_processors import Access, user_access
from regimens.selectors import catalog_summary

# Where a role without a clinician's work starts (its own pages): the board member at the tumour board's
# worklist, the catalog editor (without a clinical role) in the catalog. Clinicians and superusers start here.
BOARD_START = "board:worklist"
CATALOG_START = "regimens:list"


def _start_page(access: Access) -> str | None:
    """The URL name of the user's own start page, or None for this page."""
    if access.is_superuser or "clinician" in access.roles:
        return None
    if "board member" in access.roles:
        return BOARD_START
    if "catalog editor" in access.roles:
        return CATALOG_START
    return None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    start = _start_page(user_access(request))  # read once, shared with the navigation and the user menu
    if start is not None:
        return redirect(start)
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
