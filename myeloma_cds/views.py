"""Product-wide views: the home page and the load balancer's health check."""

import os
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
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
    """200 only when the database answers and accepts writes, so a load balancer takes a broken server (or one
    left on a read-only standby) out of rotation."""
    try:
        problem = _database_problem()
    except DatabaseError:
        problem = DatabaseProblem("unreachable", "the database does not answer")
    if problem is not None:
        return JsonResponse({"status": "unavailable", "database": problem.state, "reason": problem.reason}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class DatabaseProblem(NamedTuple):
    state: str  # "unreachable", "read-only" or "in recovery"
    reason: str


def _database_problem(db: BaseDatabaseWrapper = connection) -> DatabaseProblem | None:
    """Why the database cannot serve the application, or None. Reads only: a health check polled every few
    seconds never writes."""
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'")
            in_recovery, read_only = cursor.fetchone()
            if in_recovery:
                return DatabaseProblem("in recovery", "the database is a standby in recovery (pg_is_in_recovery)")
            if read_only:
                return DatabaseProblem("read-only", "the database refuses writes (transaction_read_only is on)")
            return None
        if db.vendor == "sqlite":
            cursor.execute("PRAGMA query_only")
            if cursor.fetchone()[0]:
                return DatabaseProblem("read-only", "the database refuses writes (PRAGMA query_only is on)")
            cursor.execute("PRAGMA database_list")
            main_file = next(row[2] for row in cursor.fetchall() if row[1] == "main")
            if _sqlite_opened_read_only(str(db.settings_dict["NAME"]), main_file):
                return DatabaseProblem("read-only", "the database file is opened read-only")
            return None
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _sqlite_opened_read_only(name: str, main_file: str) -> bool:
    """SQLite opens a file it may not write read-only without saying so; nor does it say so for a `mode=ro` or
    `immutable=1` URI. An in-memory database (no file) is always writable."""
    if name.startswith("file:"):
        query = parse_qs(urlsplit(name).query)
        if query.get("mode") == ["ro"] or query.get("immutable") == ["1"]:
            return True
    if not main_file:
        return False
    # Writing also needs the directory, for the journal.
    return not (os.access(main_file, os.W_OK) and os.access(os.path.dirname(main_file) or ".", os.W_OK))
