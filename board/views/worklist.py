"""Tumour board pages: the work list of saved cases, and submitting, withdrawing and resubmitting a case.

Each view checks permission, binds, calls one service or selector, and renders or redirects.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from board import selectors, services
from board.forms_meetings import RISK_WORDS, CaseSubmitForm, CaseWithdrawForm, WorklistFilterForm
from careteams.access import visible
from patients import readlog
from patients.models import AccessAction, AccessLog, CaseReview, ReviewStatus

PAGE_SIZE = 25
MEETINGS_IN_FILTER = 100  # the most recent meetings offered in the work list's meeting filter

# Bootstrap badge of each board status (the work list and the agenda).
STATUS_BADGES = {
    ReviewStatus.READY_FOR_BOARD: "text-bg-primary",
    ReviewStatus.SCHEDULED: "text-bg-info",
    ReviewStatus.DISCUSSED: "text-bg-warning",
    ReviewStatus.DECIDED: "text-bg-success",
    ReviewStatus.WITHDRAWN: "text-bg-secondary",
}

# Columns of the work list: (selectors.WORKLIST_SORTS key, or "" when it does not sort, heading, the order
# that key gives, the order of "-key"). "Saved at" lists the newest first.
ASC, DESC = ("ascending", "descending"), ("descending", "ascending")
COLUMNS = [("status", "Status", *ASC), ("patient", "Patient", *ASC), ("setting", "Setting", *ASC),
           ("risk", "Risk", *ASC), ("", "Saved by", "", ""), ("saved", "Saved at", *DESC),
           ("meeting", "Meeting", *ASC)]  # fmt: skip


def _posted(request: HttpRequest):
    """The POST data to bind, even when empty (an empty form must show its errors); None for GET."""
    return request.POST if request.method == "POST" else None


def _case_or_404(request: HttpRequest, pk: int) -> CaseReview:
    """The saved case, when its patient is one the user may see (careteams.access); 404 otherwise."""
    case = (
        CaseReview.objects.select_related("patient", "created_by")
        .defer("case_json", "result_json", "values_as_entered", "classification_overrides")
        .filter(visible(request.user, "patient"), pk=pk)
        .first()
    )
    if case is None:
        raise Http404("No such saved case.")
    return case


def signed_in(request: HttpRequest) -> User:
    """The user of a request that passed the login-required middleware."""
    return cast(User, request.user)


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go back to: the page named by `next` (GET or POST) when it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    host, https = {request.get_host()}, request.is_secure()
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=host, require_https=https)
    return target if target and safe else default


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "saved")
    return sort if sort.removeprefix("-") in selectors.WORKLIST_SORTS else "saved"


@require_safe
@permission_required("patients.view_casereview", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    meetings = list(selectors.meeting_list()[:MEETINGS_IN_FILTER])
    form = WorklistFilterForm(request.GET, meetings=meetings)
    filters, sort = form.filters(), _sort(request)
    cases = selectors.worklist(**filters, sort=sort.removeprefix("-"), user=request.user)
    if sort.startswith("-"):
        cases = cases.reverse()
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page)
    detail = readlog.list_detail(request, "board work list")
    # The list shows patient data: one access-log row per case on the page with the query, in one INSERT (one
    # row with the query alone when nothing matched).
    user_id = signed_in(request).pk
    AccessLog.objects.bulk_create(
        [
            AccessLog(user_id=user_id, patient_id=c.patient_id, case_review=c, action=AccessAction.LIST, detail=detail)
            for c in shown
        ]
        or [AccessLog(user_id=user_id, action=AccessAction.LIST, detail=detail)]
    )
    counts = dict(
        selectors.worklist(**{**filters, "status": ""}, user=request.user)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk", distinct=True))
    )
    chips = [("", "All", sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in ReviewStatus.choices
    ]
    context = {
        "page": page,
        "cases": shown,
        "form": form,
        "filters": filters,
        "sort": sort,
        "columns": COLUMNS,
        "chips": chips,
        "status_badges": STATUS_BADGES,
        "risk_words": RISK_WORDS,
        "filtered": any(value not in ("", None) for value in filters.values()),
    }
    return render(request, "board/worklist.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("board.change_boardmeeting", raise_exception=True)
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    meetings = (
        selectors.upcoming_meetings_for_choice().exclude(items__case_review=case).annotate(case_count=Count("items"))
    )
    form = CaseSubmitForm(_posted(request), meetings=meetings, initial={"meeting": request.GET.get("meeting")})
    if request.method == "POST" and form.is_valid():
        meeting = form.cleaned_data["meeting"]
        try:
            services.agenda_add(meeting=meeting, case=case, by=signed_in(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            when = timezone.localtime(meeting.starts_at)
            messages.success(
                request,
                f"The case of {case.patient.name} is on the agenda of {meeting.title} on {when:%Y-%m-%d} at "
                f"{when:%H:%M}.",
            )
            return redirect(meeting)
    context = {"case": case, "form": form, "can_submit": case.status in services.OPEN_STATUSES}
    return render(request, "board/case_submit.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_casereview", raise_exception=True)
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    back = next_url(request, case.get_absolute_url())
    form = CaseWithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_withdraw(case=case, reason=form.cleaned_data["reason"], by=signed_in(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The case of {case.patient.name} was withdrawn from the board.")
            return redirect(back)
    context = {"case": case, "form": form, "back": back, "can_withdraw": case.status in services.OPEN_STATUSES}
    return render(request, "board/case_withdraw.html", context)


@require_POST
@permission_required("patients.change_casereview", raise_exception=True)
def case_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    try:
        services.case_resubmit(case=case, by=signed_in(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The case of {case.patient.name} is ready for the board again.")
    return redirect(next_url(request, case.get_absolute_url()))


urlpatterns = [
    path("", worklist, name="worklist"),
    path("cases/<id:pk>/submit/", case_submit, name="case_submit"),
    path("cases/<id:pk>/withdraw/", case_withdraw, name="case_withdraw"),
    path("cases/<id:pk>/resubmit/", case_resubmit, name="case_resubmit"),
]
