"""Reads of the tumour board, each a fixed number of queries whatever the number of cases or meetings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils import timezone

from board.models import AgendaItem, BoardDecision, BoardMeeting
from careteams.access import visible
from patients.models import AccessLog, CaseReview, ReviewStatus

# Work-list sort keys (as in the URL) -> ordering.
WORKLIST_SORTS: dict[str, list[Any]] = {
    "saved": ["-created_at", "-id"],
    "patient": [Lower("patient__name"), "id"],
    "status": ["status", "-created_at"],
    "meeting": [F("meeting_starts_at").asc(nulls_last=True), "-created_at"],
    "setting": ["setting", "-created_at"],
    "risk": ["risk", "-created_at"],
}


def worklist(
    *,
    query: str = "",
    status: str = "",
    setting: str = "",
    risk: str = "",
    meeting: int | None = None,
    sort: str = "saved",
    user: Any = None,
) -> QuerySet[CaseReview]:
    """Saved cases for the board's work list with their patient, who saved them and their latest meeting: those
    of the patients `user` may see (careteams.access; every case for None, a command or a service)."""
    latest_item = AgendaItem.objects.filter(case_review=OuterRef("pk")).order_by("-meeting__starts_at", "-id")
    cases = (
        CaseReview.objects.select_related("patient", "created_by")
        .annotate(
            setting=KT("result_json__classification__setting"),
            risk=KT("result_json__classification__risk"),
            meeting_id=Subquery(latest_item.values("meeting_id")[:1]),
            meeting_title=Subquery(latest_item.values("meeting__title")[:1], output_field=CharField()),
            meeting_starts_at=Subquery(latest_item.values("meeting__starts_at")[:1]),
        )
        .defer("case_json", "result_json", "values_as_entered", "classification_overrides")
    )
    if user is not None:
        cases = cases.filter(visible(user, "patient"))
    if query:
        cases = cases.filter(Q(patient__name__icontains=query) | Q(patient__mrn__icontains=query))
    if status in ReviewStatus.values:
        cases = cases.filter(status=status)
    if setting:
        cases = cases.filter(result_json__classification__setting=setting)
    if risk:
        cases = cases.filter(result_json__classification__risk=risk)
    if meeting is not None:
        cases = cases.filter(agenda_items__meeting_id=meeting)
    return cases.order_by(*WORKLIST_SORTS.get(sort, WORKLIST_SORTS["saved"]))


def meeting_list(*, upcoming: bool | None = None) -> QuerySet[BoardMeeting]:
    meetings = BoardMeeting.objects.select_related("chair").annotate(case_count=Count("items"))
    if upcoming is True:
        return meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")
    if upcoming is False:
        return meetings.filter(starts_at__lt=timezone.now())
    return meetings


def meeting_detail(pk: int, user: Any = None) -> BoardMeeting:
    """A meeting with its chair, attendees and ordered agenda (each case with its patient). The pages that show
    the agenda's decisions read them apart, once (`current_decisions`, the agenda page and the minutes alike).
    The agenda holds the cases of the patients `user` may see (careteams.access; all of them for None)."""
    items = AgendaItem.objects.select_related("case_review__patient", "case_review__created_by", "added_by").order_by(
        "position", "id"
    )
    if user is not None:
        items = items.filter(visible(user, "case_review__patient"))
    return (
        BoardMeeting.objects.select_related("chair", "created_by", "cloned_from")
        .prefetch_related("attendees", Prefetch("items", queryset=items))
        .get(pk=pk)
    )


def upcoming_meetings_for_choice() -> QuerySet[BoardMeeting]:
    """Meetings a case can be submitted to: those still to come, soonest first."""
    return BoardMeeting.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")


@dataclass
class CaseFile:
    """A saved case as the board sees it: the frozen case, its agenda history and its decision chain."""

    case: CaseReview
    agenda: list[AgendaItem]
    decisions: list[BoardDecision]  # oldest first: the original, then each amendment

    @property
    def decision(self) -> BoardDecision | None:
        """The decision in force (the latest amendment, or the original)."""
        return self.decisions[-1] if self.decisions else None

    @property
    def result(self) -> dict[str, Any]:
        return self.case.result_json

    @property
    def meeting(self) -> BoardMeeting | None:
        """The meeting the case was presented at, or is to be: the latest on its agenda history."""
        return self.agenda[-1].meeting if self.agenda else None


def case_file(pk: int, user: Any = None) -> CaseFile:
    """Raises CaseReview.DoesNotExist, also for a case whose patient `user` may not see (careteams.access; None:
    any case). Four queries: the case, its restaging's lines, agenda, decisions."""
    cases = CaseReview.objects.select_related("patient", "restaging", "created_by")
    case = cases.filter(Q() if user is None else visible(user, "patient")).get(pk=pk)
    agenda = list(
        AgendaItem.objects.filter(case_review=case)
        .select_related("meeting__chair")
        .prefetch_related("meeting__attendees")
        .order_by("meeting__starts_at", "id")
    )
    decisions = list(
        BoardDecision.objects.filter(case_review=case)
        .select_related("decided_by", "meeting")
        .prefetch_related("attendees_present")
        .order_by("decided_at", "id")
    )
    return CaseFile(case=case, agenda=agenda, decisions=decisions)


def current_decisions(cases: list[CaseReview]) -> dict[int, BoardDecision]:
    """The decision in force for each of these cases (one query)."""
    decisions = BoardDecision.objects.filter(case_review__in=cases, amendment__isnull=True).select_related(
        "decided_by", "meeting"
    )
    return {decision.case_review_id: decision for decision in decisions}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_log_rows(
    *,
    user: str = "",
    patient: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """The access log, newest first, with who and what in the same query; dates are days in the site's time
    zone, both included. Only the columns the page and the CSV show are read (never a saved case's JSON)."""
    rows = AccessLog.objects.select_related("user", "patient", "meeting").only(
        "at", "action", "case_review", "client_address", "detail",
        "user__username", "user__first_name", "user__last_name",
        "patient__name", "patient__mrn", "meeting__title", "meeting__starts_at",
    )  # fmt: skip
    if user:
        rows = rows.filter(user__username=user)
    if patient:
        rows = rows.filter(Q(patient__name__icontains=patient) | Q(patient__mrn__icontains=patient))
    if action:
        rows = rows.filter(action=action)
    if date_from:
        rows = rows.filter(at__gte=_start_of(date_from))
    if date_to:
        rows = rows.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return rows.order_by("-at", "-id")
