"""Tumour board pages: the printed case summary and the meeting's minutes (A4 PDFs, downloaded).

Each download is logged as a print of the patient data it holds: the case summary one row for its case, the
minutes one row for the meeting and one per case on its agenda.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from board import pdf, selectors, services
from board.models import BoardMeeting
from patients.models import AccessAction, CaseReview


def _user(request: HttpRequest) -> User:
    """The user printing (the login-required middleware lets no anonymous user this far)."""
    return cast(User, request.user)


@require_safe
@permission_required("patients.view_casereview", raise_exception=True)
def case_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        file = selectors.case_file(pk, user=request.user)
    except CaseReview.DoesNotExist:
        raise Http404("No such saved case.") from None
    now = timezone.localtime()
    context = pdf.case_summary(file, printed_by=request.user, printed_at=now)
    document = pdf.render_pdf("board/pdf/case_summary.html", context, request=request)
    services.log_case_view(user=_user(request), case=file.case, action=AccessAction.PRINT, meeting=file.meeting)
    filename = f"case-{pdf.safe_filename_part(file.case.patient.mrn)}-{now:%Y-%m-%d}.pdf"
    return pdf.pdf_response(document, filename)


@require_safe
@permission_required("board.view_boardmeeting", raise_exception=True)
def meeting_minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        meeting = selectors.meeting_detail(pk, user=request.user)
    except BoardMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None
    cases = [item.case_review for item in meeting.items.all()]
    context = {
        "meeting": meeting,
        "rows": pdf.minutes_cases(meeting, selectors.current_decisions(cases)),
        "printed_by": pdf.person(request.user),
        "printed_at": timezone.localtime(),
    }
    document = pdf.render_pdf("board/pdf/meeting_minutes.html", context, request=request)
    services.log_meeting_view(user=_user(request), meeting=meeting, cases=cases, action=AccessAction.PRINT)
    filename = f"minutes-{timezone.localtime(meeting.starts_at):%Y-%m-%d}-meeting-{meeting.pk}.pdf"
    return pdf.pdf_response(document, filename)


urlpatterns: list[URLPattern] = [
    path("cases/<id:pk>/summary.pdf", case_summary_pdf, name="case_summary_pdf"),
    path("meetings/<id:pk>/minutes.pdf", meeting_minutes_pdf, name="meeting_minutes_pdf"),
]
