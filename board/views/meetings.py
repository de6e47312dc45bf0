"""Tumour board pages: meetings, their agenda (add, order, remove cases), cloning and history.

Each view checks permission, binds, calls one service or selector, and renders or redirects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, F, Value, When
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from board import selectors, services
from board.forms_meetings import (
    RISK_WORDS,
    AgendaAddForm,
    AgendaMoveForm,
    MeetingCloneForm,
    MeetingForm,
    case_choice_label,
    person,
)
from board.models import AgendaItem, BoardMeeting
from board.views.worklist import STATUS_BADGES, signed_in
from careteams.access import visible
from patients.models import ReviewStatus

PAGE_SIZE = 25
# Cases the "Add a case" form offers: on the board's list and not decided (a scheduled case is on another agenda).
ADDABLE_STATUSES = (ReviewStatus.READY_FOR_BOARD, ReviewStatus.DISCUSSED)
# A save and the attendee change that follows it within this time are one change in the history.
SAME_CHANGE = timedelta(seconds=5)


def _posted(request: HttpRequest):
    """The POST data to bind, even when empty (an empty form must show its errors); None for GET."""
    return request.POST if request.method == "POST" else None


def _form_error(form: Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names when the form has it, else above it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _meeting_or_404(request: HttpRequest, pk: int) -> BoardMeeting:
    """The meeting, its agenda holding the cases of the patients the user may see (careteams.access)."""
    try:
        return selectors.meeting_detail(pk, user=request.user)
    except BoardMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _for_case(request: HttpRequest) -> int | None:
    """The saved case a new meeting is planned for (from the submit page), when named."""
    value = request.POST.get("for_case") or request.GET.get("for_case") or ""
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- meeting list, create, edit -----------------------------------------------------------------------------


@require_safe
@permission_required("board.view_boardmeeting", raise_exception=True)
def meeting_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming = When(starts_at__gte=now, then=Value(True))
    meetings = (
        selectors.meeting_list()
        .annotate(upcoming=Case(upcoming, default=Value(False), output_field=BooleanField()))
        # Upcoming meetings first, soonest first; then past meetings, latest first.
        .order_by("-upcoming", Case(When(starts_at__gte=now, then=F("starts_at"))).asc(), "-starts_at", "-id")
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "board/meeting_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@permission_required("board.add_boardmeeting", raise_exception=True)
def meeting_create(request: HttpRequest) -> HttpResponse:
    for_case = _for_case(request)
    form = MeetingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(data=form.cleaned_data, by=signed_in(request))
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"The meeting “{meeting.title}” was planned.")
            if for_case is not None:
                return redirect(f"{reverse('board:case_submit', args=[for_case])}?meeting={meeting.pk}")
            return redirect(meeting)
    return render(request, "board/meeting_form.html", {"form": form, "for_case": for_case})


@require_http_methods(["GET", "POST"])
@permission_required("board.change_boardmeeting", raise_exception=True)
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(BoardMeeting.objects.prefetch_related("attendees"), pk=pk)
    form = MeetingForm(_posted(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, data=form.cleaned_data, by=signed_in(request))
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The meeting was saved.")
            return redirect(meeting)
    return render(request, "board/meeting_form.html", {"form": form, "meeting": meeting})


# --- the agenda ---------------------------------------------------------------------------------------------


def _addable_cases(request: HttpRequest, meeting: BoardMeeting):
    cases = selectors.worklist(sort="patient", user=request.user)
    return cases.filter(status__in=ADDABLE_STATUSES).exclude(agenda_items__meeting=meeting)


def _agenda_page(request: HttpRequest, meeting: BoardMeeting, add_form: AgendaAddForm | None = None) -> HttpResponse:
    """The meeting and its agenda; the agenda shows patient data, so the view is logged (one INSERT)."""
    items = list(meeting.items.all())
    cases = [item.case_review for item in items]
    decisions = selectors.current_decisions(cases)
    rows = [
        {
            "item": item,
            "case": item.case_review,
            "classification": item.case_review.result_json.get("classification") or {},
            "decision": decisions.get(item.case_review_id),
        }
        for item in items
    ]
    can_change = request.user.has_perm("board.change_boardmeeting")
    candidates = [(case.pk, case_choice_label(case)) for case in _addable_cases(request, meeting)] if can_change else []
    if add_form is None and can_change:
        add_form = AgendaAddForm(cases=_addable_cases(request, meeting))
    services.log_meeting_view(user=signed_in(request), meeting=meeting, cases=cases)
    context = {
        "meeting": meeting,
        "rows": rows,
        "attendees": list(meeting.attendees.all()),
        "add_form": add_form,
        "candidates": candidates,  # the form's choices, read once (the form's own queryset validates a POST)
        "can_change": can_change,
        "status_badges": STATUS_BADGES,
        "risk_words": RISK_WORDS,
        "upcoming": meeting.starts_at >= timezone.now(),
    }
    return render(request, "board/meeting_detail.html", context)


@require_safe
@permission_required("board.view_boardmeeting", raise_exception=True)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _agenda_page(request, _meeting_or_404(request, pk))


@require_POST
@permission_required("board.change_boardmeeting", raise_exception=True)
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    form = AgendaAddForm(request.POST, cases=_addable_cases(request, meeting))
    if form.is_valid():
        case = form.cleaned_data["case"]
        try:
            services.agenda_add(meeting=meeting, case=case, by=signed_in(request))
        except ValidationError as exc:
            form.add_error("case", exc)
        else:
            messages.success(request, f"The case of {case.patient.name} was added to the agenda.")
            return redirect(f"{meeting.get_absolute_url()}#agenda")
    return _agenda_page(request, meeting, add_form=form)


def _item_or_404(request: HttpRequest, pk: int, item_pk: int) -> AgendaItem:
    items = AgendaItem.objects.select_related("case_review__patient").filter(
        visible(request.user, "case_review__patient")
    )
    return get_object_or_404(items, pk=item_pk, meeting_id=pk)


@require_POST
@permission_required("board.change_boardmeeting", raise_exception=True)
def agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item_or_404(request, pk, item_pk)
    name = item.case_review.patient.name
    try:
        services.agenda_remove(item=item, by=signed_in(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The case of {name} was taken off the agenda.")
    return redirect(f"{reverse('board:meeting', args=[pk])}#agenda")


@require_POST
@permission_required("board.change_boardmeeting", raise_exception=True)
def agenda_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item_or_404(request, pk, item_pk)
    form = AgendaMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Move a case up or down the agenda: direction is up or down.")
    services.agenda_move(item=item, by=signed_in(request), step=form.step)
    return redirect(f"{reverse('board:meeting', args=[pk])}#agenda-item-{item.pk}")


# --- clone --------------------------------------------------------------------------------------------------


def _week_later(starts_at: datetime) -> datetime:
    """The same local time seven days later (across a change to or from summer time too)."""
    local = timezone.localtime(starts_at).replace(tzinfo=None) + timedelta(days=7)
    return timezone.make_aware(local)


@require_http_methods(["GET", "POST"])
@permission_required(["board.add_boardmeeting", "board.change_boardmeeting"], raise_exception=True)
def meeting_clone(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    form = MeetingCloneForm(_posted(request), initial={"starts_at": _week_later(meeting.starts_at)})
    if request.method == "POST" and form.is_valid():
        try:
            clone = services.meeting_clone(
                meeting=meeting,
                starts_at=form.cleaned_data["starts_at"],
                by=signed_in(request),
                carry_over_open_cases=form.cleaned_data["carry_over"],
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            carried = clone.items.count()
            messages.success(
                request,
                f"The meeting was copied to {timezone.localtime(clone.starts_at):%Y-%m-%d %H:%M}"
                + (f" with {carried} case{'' if carried == 1 else 's'} carried over." if carried else "."),
            )
            return redirect(clone)
    items = list(meeting.items.all())
    context = {
        "meeting": meeting,
        "form": form,
        "open_items": [item for item in items if item.case_review.status in services.OPEN_STATUSES],
        "attendees": list(meeting.attendees.all()),
    }
    return render(request, "board/meeting_clone.html", context)


# --- history ------------------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    at: datetime
    by: Any
    what: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, before, after)


MEETING_LABELS = {"title": "Title", "starts_at": "Date and time", "location": "Place or video link",
                  "chair": "Chair", "guests": "Guests"}  # fmt: skip
MEETING_FIELDS = tuple(MEETING_LABELS)
WHAT_MEETING = {"+": "Meeting planned", "~": "Meeting changed", "-": "Meeting deleted"}
COPIED = "Meeting planned as a copy of an earlier meeting"
CARRIED = "Case carried over from the earlier meeting"


def _shown(name: str, value: Any, users: dict[int, Any]) -> str:
    if value in (None, ""):
        return "none"
    if name == "starts_at":
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if name == "chair":
        return person(users[value]) if value in users else f"user {value}"
    if name == "guests":
        return "; ".join(line for line in str(value).splitlines() if line.strip())
    return str(value)


def _meeting_entries(meeting: BoardMeeting) -> list[HistoryEntry]:
    """The meeting's own records, each with what changed against the record before it (oldest first)."""
    records = list(meeting.history.select_related("history_user").order_by("history_date", "history_id"))
    through = BoardMeeting.history.model._meta.get_field("historicalboardmeeting_attendees").related_model
    attendees: dict[int, set[int]] = {record.history_id: set() for record in records}
    for history_id, user_id in through.objects.filter(history__in=records).values_list("history_id", "user_id"):
        attendees[history_id].add(user_id)
    user_ids = set().union(*attendees.values()) | {record.chair_id for record in records if record.chair_id}
    users = get_user_model().objects.in_bulk(user_ids)
    labels = MEETING_LABELS

    def names(pks: set[int]) -> str:
        return ", ".join(sorted(person(users[pk]) if pk in users else f"user {pk}" for pk in pks))

    entries: list[HistoryEntry] = []
    previous = None
    for record in records:
        if previous is None:
            value = {name: getattr(record, "chair_id" if name == "chair" else name) for name in MEETING_FIELDS}
            changes = [(labels[name], "", _shown(name, value[name], users)) for name in MEETING_FIELDS]
            what = COPIED if meeting.cloned_from_id else WHAT_MEETING[record.history_type]
        else:
            delta = record.diff_against(previous, included_fields=list(MEETING_FIELDS), excluded_fields=["attendees"])
            changes = [
                (labels[c.field], _shown(c.field, c.old, users), _shown(c.field, c.new, users)) for c in delta.changes
            ]
            what = WHAT_MEETING[record.history_type]
        last = entries[-1] if entries else None
        # The attendees are set just after the save that plans or changes the meeting: one change, not two.
        follows = bool(
            last and not changes and last.by == record.history_user and record.history_date - last.at <= SAME_CHANGE
        )
        entry = last if follows and last else HistoryEntry(record.history_date, record.history_user, what, changes)
        before: set[int] = attendees[previous.history_id] if previous else set()
        after = attendees[record.history_id]
        if after - before:
            label = "Attendees added" if entry.what == WHAT_MEETING["~"] else "Attendees"
            entry.changes.append((label, "", names(after - before)))
        if before - after:
            entry.changes.append(("Attendees removed", names(before - after), ""))
        if not follows and (entry.changes or record.history_type != "~"):
            entries.append(entry)
        previous = record
    return entries


def _who(case: Any) -> str:
    return f"{case.patient.name} ({case.patient.mrn})"


def _agenda_entries(meeting_pk: int, user: Any) -> list[HistoryEntry]:
    """Cases added to (or carried over to, when the meeting was copied), moved on and taken off the agenda: those
    of the patients `user` may see (careteams.access)."""
    records = AgendaItem.history.filter(visible(user, "case_review__patient"), meeting_id=meeting_pk).select_related(
        "history_user", "case_review__patient"
    )
    entries: list[HistoryEntry] = []
    positions: dict[int, int] = {}
    for record in records.order_by("history_date", "history_id"):
        who = _who(record.case_review)
        if record.history_type == "+":
            added = CARRIED if record.history_change_reason == services.CARRIED_OVER else "Case added to the agenda"
            what, change = added, ("Position", "", str(record.position))
        elif record.history_type == "-":
            what, change = "Case taken off the agenda", ("Position", str(record.position), "")
        else:
            before = str(positions.get(record.id, ""))
            what, change = "Case moved on the agenda", ("Position", before, str(record.position))
        positions[record.id] = record.position
        entries.append(HistoryEntry(record.history_date, record.history_user, f"{what}: {who}", [change]))
    return entries


@require_safe
@permission_required("board.view_boardmeeting", raise_exception=True)
def meeting_history(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(BoardMeeting.objects.select_related("cloned_from"), pk=pk)
    entries = sorted(
        _meeting_entries(meeting) + _agenda_entries(pk, request.user), key=lambda entry: entry.at, reverse=True
    )
    return render(request, "board/meeting_history.html", {"meeting": meeting, "entries": entries})


urlpatterns = [
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/<id:pk>/", meeting_detail, name="meeting"),
    path("meetings/<id:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<id:pk>/clone/", meeting_clone, name="meeting_clone"),
    path("meetings/<id:pk>/history/", meeting_history, name="meeting_history"),
    path("meetings/<id:pk>/agenda/add/", agenda_add, name="agenda_add"),
    path("meetings/<id:pk>/agenda/<id:item_pk>/remove/", agenda_remove, name="agenda_remove"),
    path("meetings/<id:pk>/agenda/<id:item_pk>/move/", agenda_move, name="agenda_move"),
]
