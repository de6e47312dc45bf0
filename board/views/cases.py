"""Tumour board pages of one saved case: the presentation the board reads (on a projector or a laptop), marking
it discussed, and recording or amending the board's decision.

Everything shown of the case comes from what was frozen when it was saved, read for display by
board/presentation.py; today's catalog is only read to say whether it would now recommend something else.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from board import freshness, presentation, selectors, services
from board.forms_decisions import (
    AmendmentForm,
    DecisionForm,
    attendee_choices,
    catalog_regimens,
    initial_for,
    initial_from,
)
from board.models import BoardMeeting
from patients import versions
from patients.models import CaseReview, ReviewStatus
from regimens.catalog import latest_release

# --- helpers of the views -----------------------------------------------------------------------------------


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _case_file_or_404(request: HttpRequest, pk: int) -> selectors.CaseFile:
    """The case, when its patient is one the user may see (careteams.access); 404 otherwise."""
    try:
        return selectors.case_file(pk, user=request.user)
    except CaseReview.DoesNotExist:
        raise Http404("No such saved case.") from None


def _meeting_asked(request: HttpRequest, file: selectors.CaseFile) -> BoardMeeting | None:
    """The meeting named by `?meeting=`, which must have the case on its agenda; None when none is named."""
    raw = request.GET.get("meeting", "")
    if not raw:
        return None
    for item in file.agenda:
        if str(item.meeting_id) == raw:
            return item.meeting
    raise Http404("That meeting does not have this case on its agenda.")


def _decision_meeting(file: selectors.CaseFile) -> BoardMeeting | None:
    """The meeting a decision belongs to: the latest that has begun, else the next one (as the service does)."""
    now = timezone.now()
    begun = [item.meeting for item in file.agenda if item.meeting.starts_at <= now]
    return begun[-1] if begun else (file.agenda[0].meeting if file.agenda else None)


def _presentation_url(pk: int, meeting: BoardMeeting | None, part: str = "") -> str:
    url = reverse("board:case", args=[pk])
    return url + (f"?meeting={meeting.pk}" if meeting else "") + (f"#{part}" if part else "")


def _user(request: HttpRequest) -> User:
    """The signed-in user: the login middleware and the permission checks let no anonymous user this far."""
    return cast(User, request.user)


def _can_decide(request: HttpRequest, case: CaseReview) -> bool:
    return request.user.has_perm("board.add_boarddecision") and case.status in services.OPEN_STATUSES


# --- views --------------------------------------------------------------------------------------------------


@require_safe
@permission_required("patients.view_casereview", raise_exception=True)
def case_presentation(request: HttpRequest, pk: int) -> HttpResponse:
    file = _case_file_or_404(request, pk)
    meeting = _meeting_asked(request, file) or file.meeting
    case = file.case
    services.log_case_view(user=_user(request), case=case, meeting=meeting)
    release = latest_release()
    checklist = freshness.checklist(
        case.case_json,
        case.result_json,
        meeting_date=timezone.localdate(meeting.starts_at) if meeting else None,
        today=timezone.localdate(),
    )
    context = {
        "file": file,
        "case": case,
        "patient": case.patient,
        "meeting": meeting,
        "result": case.result_json,
        "overrides": case.classification_overrides,
        "facts": presentation.patient_facts(case),
        "input_columns": presentation.input_columns(case),
        "cytogenetics": presentation.cytogenetics_rows(case),
        "lines": presentation.line_rows(case),
        **presentation.frozen_charts(case),
        "checklist": checklist,
        "flags": sum(item.flag for item in checklist),
        "catalog_change": presentation.catalog_change(case, release),
        "catalog_release": release,  # the footer's, read once
        "can_decide": _can_decide(request, case),
        "can_mark_discussed": request.user.has_perm("board.add_boarddecision")
        and case.status in (ReviewStatus.READY_FOR_BOARD, ReviewStatus.SCHEDULED),
        "decision_url": reverse("board:decision", args=[pk]) + (f"?meeting={meeting.pk}" if meeting else ""),
    }
    return render(request, "board/case_presentation.html", context)


@require_POST
@permission_required("board.add_boarddecision", raise_exception=True)
def case_discussed(request: HttpRequest, pk: int) -> HttpResponse:
    file = _case_file_or_404(request, pk)
    meeting = _meeting_asked(request, file)
    try:
        services.case_mark_discussed(case=file.case, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The case is marked as discussed; the board can record its decision later.")
    return redirect(_presentation_url(pk, meeting, "decision"))


@require_http_methods(["GET", "POST"])
@permission_required("board.add_boarddecision", raise_exception=True)
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    file = _case_file_or_404(request, pk)
    meeting = _meeting_asked(request, file) or _decision_meeting(file)
    case = file.case
    context: dict[str, Any] = {"file": file, "case": case, "patient": case.patient, "meeting": meeting}
    if request.method == "POST" and file.decision is not None:  # decided meanwhile (or this form posted twice)
        return _refused(request, pk)
    if file.decision is not None or case.status not in services.OPEN_STATUSES:
        if request.method == "POST":
            messages.error(request, _no_new_decision(case))
            return redirect("board:decision", pk)
        services.log_case_view(user=_user(request), case=case, meeting=meeting, detail="decision")
        return render(request, "board/decision_view.html", context)
    form = DecisionForm(
        _posted(request),
        result=case.result_json,
        regimens=catalog_regimens(),
        people=attendee_choices(meeting),
        initial=initial_for(meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.decision_record(
                case=case, data=form.decision_input(), by=_user(request), meeting=meeting
            )
        except versions.StaleRecord:  # another decision was recorded meanwhile
            return _refused(request, pk)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"The board's decision was recorded: {recorded.choice_in_words()}.")
            return redirect(_presentation_url(pk, meeting, "decision"))
    services.log_case_view(user=_user(request), case=case, meeting=meeting, detail="decision form")
    return render(request, "board/decision_form.html", {**context, "form": form})


@require_http_methods(["GET", "POST"])
@permission_required("board.add_boarddecision", raise_exception=True)
def decision_amend(request: HttpRequest, pk: int) -> HttpResponse:
    file = _case_file_or_404(request, pk)
    current = file.decision
    if current is None:
        raise Http404("The board has not decided this case: there is nothing to amend.")
    case = file.case
    form = AmendmentForm(
        _posted(request),
        result=case.result_json,
        regimens=catalog_regimens(),
        people=attendee_choices(current.meeting, also=[person.pk for person in current.attendees_present.all()]),
        initial=initial_from(current),
    )
    if request.method == "POST" and form.is_valid():
        try:
            amended = services.decision_amend(
                decision=current,
                data=form.decision_input(),
                reason=form.cleaned_data["amendment_reason"],
                by=_user(request),
                based_on=form.decision_based_on(),
            )
        except versions.StaleRecord:  # another decision was recorded meanwhile
            return _refused(request, pk)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"The decision was amended: {amended.choice_in_words()}.")
            return redirect(_presentation_url(pk, current.meeting, "decision"))
    context = {"file": file, "case": case, "patient": case.patient, "meeting": current.meeting, "form": form}
    status = 400 if versions.missing_version(form) else 200
    services.log_case_view(user=_user(request), case=case, meeting=current.meeting, detail="decision amendment form")
    return render(request, "board/decision_form.html", {**context, "amending": current}, status=status)


def _refused(request: HttpRequest, pk: int) -> HttpResponse:
    """A decision or an amendment based on an earlier state of the case: another decision is in force now. The
    amendment form again, with what was typed, the notice (who decided what, when), and based on the decision in
    force: recording it is then a deliberate amendment of that decision."""
    file = _case_file_or_404(request, pk)  # read again: the decision in force now
    current = file.decision
    if current is None:  # only a decision in force refuses one
        raise Http404("The board has not decided this case.")
    notice = services.decided_meanwhile(current).notice
    case = file.case
    form = AmendmentForm(
        request.POST,
        result=case.result_json,
        regimens=catalog_regimens(),
        people=attendee_choices(current.meeting, also=[person.pk for person in current.attendees_present.all()]),
        initial=initial_from(current),
    )
    versions.carry_current(form, current.pk, name="based_on")
    context = {
        "file": file,
        "case": case,
        "patient": case.patient,
        "meeting": current.meeting,
        "form": form,
        "amending": current,
        "stale": notice,
        "form_action": reverse("board:decision_amend", args=[pk]),
    }
    services.log_case_view(user=_user(request), case=case, meeting=current.meeting, detail="decision refused as stale")
    return render(request, "board/decision_form.html", context, status=409)


def _no_new_decision(case: CaseReview) -> str:
    if case.status == ReviewStatus.DECIDED:
        return "The board has decided this case already: amend the decision instead."
    return f"A case that is {case.get_status_display().lower()} takes no decision."


urlpatterns: list[URLPattern] = [
    path("cases/<id:pk>/", case_presentation, name="case"),
    path("cases/<id:pk>/discussed/", case_discussed, name="case_discussed"),
    path("cases/<id:pk>/decision/", decision, name="decision"),
    path("cases/<id:pk>/decision/amend/", decision_amend, name="decision_amend"),
]
