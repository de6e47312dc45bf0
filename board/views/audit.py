"""The access log for superusers: who viewed, created, changed, exported or printed which patient record, saved
case or board meeting, and when; filtered on the page and exported as CSV.

Reading the log is not itself logged: the log has no row type for it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from board.forms_audit import AuditFilterForm
from board.selectors import access_log_rows
from board.views.worklist import signed_in
from patients import accesslog, readlog
from patients.models import AccessAction, AccessLog

PAGE_SIZE = 50
CSV_COLUMNS = ["at", "username", "action", "patient_mrn", "saved_case_id", "meeting_id", "client_address", "detail"]
CSV_CHUNK = 2000
# A cell starting with one of these is read as a formula by spreadsheets: it is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def superuser_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """403 for anyone but a superuser (the login-required middleware has already sent anonymous users away)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@superuser_required
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = None
    # Reading the log is a read of patient data too: logged first, so the page shows its own row.
    detail = readlog.list_detail(request, "access log")
    accesslog.record(user=signed_in(request), action=AccessAction.LIST, detail=detail)
    if form.is_valid():
        page = Paginator(access_log_rows(**form.cleaned_data), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "board/audit.html", {"form": form, "page": page})


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streamed response."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _csv_lines(rows: QuerySet[AccessLog]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows.iterator(chunk_size=CSV_CHUNK):
        yield writer.writerow(
            [
                timezone.localtime(row.at).isoformat(timespec="seconds"),
                _cell(row.user.username),
                row.action,
                _cell(row.patient.mrn) if row.patient is not None else "",
                row.case_review_id or "",
                row.meeting_id or "",
                row.client_address or "",
                _cell(row.detail),
            ]
        )


@require_safe
@superuser_required
def audit_csv(request: HttpRequest) -> HttpResponseBase:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        labels = {name: field.label for name, field in form.fields.items()}
        problems = "; ".join(
            f"{labels.get(name, 'Filters')}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(f"The filters are not valid. {problems}", content_type="text/plain")
    accesslog.record(
        user=signed_in(request), action=AccessAction.EXPORT, detail=readlog.list_detail(request, "access log CSV")
    )
    response = StreamingHttpResponse(_csv_lines(access_log_rows(**form.cleaned_data)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="access-log-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("audit/", audit, name="audit"),
    path("audit.csv", audit_csv, name="audit_csv"),
]
