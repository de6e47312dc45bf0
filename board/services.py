"""Writes of the tumour board: meetings and their agendas, the saved cases' board status, decisions.

Every write is keyword-only, typed and atomic. A saved case's status moves only here:
ready for board -> scheduled (on an agenda) -> discussed -> decided; withdrawn (with a reason) from any status
before decided, and back to ready when resubmitted. Decisions are never edited: `decision_amend` adds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from board.concordance import concordance
from board.models import AgendaItem, BoardDecision, BoardMeeting, DecisionKind
from patients import accesslog, versions
from patients.models import AccessAction, CaseReview, ReviewStatus
from regimens.engine.rules import CAR_T_CLASS_SUFFIX
from regimens.models import Regimen

# The history's change reason of a case that followed its meeting to the copy.
CARRIED_OVER = "carried over from the earlier meeting"
# Statuses from which a case may still go on an agenda, be discussed or be withdrawn.
OPEN_STATUSES = (ReviewStatus.READY_FOR_BOARD, ReviewStatus.SCHEDULED, ReviewStatus.DISCUSSED)


# --- access log ---------------------------------------------------------------------------------------------


def log_meeting_view(
    *,
    user: User,
    meeting: BoardMeeting,
    cases: Iterable[CaseReview],
    action: str = AccessAction.VIEW,
    client_address: str | None = None,
) -> None:
    """One row for the meeting and one per case on its agenda (the agenda shows patient data), chained in one
    call: the same few queries for any number of cases."""
    rows = [accesslog.entry(user=user, meeting=meeting, action=action, client_address=client_address)]
    rows += [
        accesslog.entry(user=user, meeting=meeting, case_review=case, action=action, client_address=client_address)
        for case in cases
    ]
    accesslog.append(rows)


def log_case_view(
    *,
    user: User,
    case: CaseReview,
    action: str = AccessAction.VIEW,
    meeting: BoardMeeting | None = None,
    client_address: str | None = None,
    detail: str = "",
) -> None:
    accesslog.record(
        user=user, case_review=case, meeting=meeting, action=action, client_address=client_address, detail=detail
    )


# --- saved cases ----------------------------------------------------------------------------------------------


def _set_status(case: CaseReview, status: str, *, by: User, reason: str = "") -> None:
    case.status = status
    case.withdrawal_reason = reason
    case._history_user = by  # type: ignore[attr-defined]  # simple_history records who moved it
    case.save(update_fields=["status", "withdrawal_reason"])


def _locked_case(case: CaseReview) -> CaseReview:
    return CaseReview.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_withdraw(*, case: CaseReview, reason: str, by: User) -> CaseReview:
    """Take a case off the board's list (and off every agenda of a meeting still to come), with a reason."""
    case = _locked_case(case)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the case is withdrawn.")
    if case.status not in OPEN_STATUSES:
        raise ValidationError(f"A case that is {case.get_status_display().lower()} cannot be withdrawn.")
    AgendaItem.objects.filter(case_review=case, meeting__starts_at__gte=timezone.now()).delete()
    _set_status(case, ReviewStatus.WITHDRAWN, by=by, reason=reason)
    accesslog.record(user=by, case_review=case, action=AccessAction.UPDATE)
    return case


@transaction.atomic
def case_resubmit(*, case: CaseReview, by: User) -> CaseReview:
    case = _locked_case(case)
    if case.status != ReviewStatus.WITHDRAWN:
        raise ValidationError("Only a withdrawn case can be submitted again.")
    _set_status(case, ReviewStatus.READY_FOR_BOARD, by=by)
    accesslog.record(user=by, case_review=case, action=AccessAction.UPDATE)
    return case


@transaction.atomic
def case_mark_discussed(*, case: CaseReview, by: User) -> CaseReview:
    """The board discussed the case without deciding yet (for example, it waits for a test result)."""
    case = _locked_case(case)
    if case.status not in (ReviewStatus.READY_FOR_BOARD, ReviewStatus.SCHEDULED):
        raise ValidationError(f"A case that is {case.get_status_display().lower()} cannot be marked discussed.")
    _set_status(case, ReviewStatus.DISCUSSED, by=by)
    return case


# --- meetings -----------------------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "starts_at", "location", "chair", "guests")


def _meeting_assign(meeting: BoardMeeting, data: dict[str, Any]) -> None:
    for name in MEETING_FIELDS:
        if name in data:
            setattr(meeting, name, data[name])
    meeting.guests = "\n".join(line.strip() for line in (meeting.guests or "").splitlines() if line.strip())


@transaction.atomic
def meeting_create(*, data: dict[str, Any], by: User) -> BoardMeeting:
    meeting = BoardMeeting(created_by=by)
    _meeting_assign(meeting, data)
    meeting._history_user = by  # type: ignore[attr-defined]
    meeting.full_clean()
    meeting.save()
    if "attendees" in data:
        meeting.attendees.set(data["attendees"])
    return meeting


@transaction.atomic
def meeting_update(*, meeting: BoardMeeting, data: dict[str, Any], by: User) -> BoardMeeting:
    _meeting_assign(meeting, data)
    meeting._history_user = by  # type: ignore[attr-defined]
    meeting.full_clean()
    meeting.save()
    if "attendees" in data:
        meeting.attendees.set(data["attendees"])
    return meeting


@transaction.atomic
def meeting_clone(
    *, meeting: BoardMeeting, starts_at: datetime, by: User, carry_over_open_cases: bool = True
) -> BoardMeeting:
    """The same meeting (title, place, chair, attendees, guests) at a new date; cases the board has not
    decided yet follow it when `carry_over_open_cases`."""
    clone = BoardMeeting(
        title=meeting.title,
        starts_at=starts_at,
        location=meeting.location,
        chair=meeting.chair,
        guests=meeting.guests,
        cloned_from=meeting,
        created_by=by,
    )
    clone._history_user = by  # type: ignore[attr-defined]
    clone.full_clean()
    clone.save()
    clone.attendees.set(meeting.attendees.all())
    if carry_over_open_cases:
        open_items = list(
            meeting.items.filter(case_review__status__in=OPEN_STATUSES)
            .select_related("case_review")
            .order_by("position", "id")
        )
        carried = [
            AgendaItem(meeting=clone, case_review=item.case_review, position=index, added_by=by)
            for index, item in enumerate(open_items, start=1)
        ]
        for item in carried:
            item._change_reason = CARRIED_OVER  # type: ignore[attr-defined]  # the agenda history says so
        bulk_create_with_history(carried, AgendaItem, default_user=by)
        for item in open_items:
            if item.case_review.status == ReviewStatus.READY_FOR_BOARD:
                _set_status(item.case_review, ReviewStatus.SCHEDULED, by=by)
    return clone


@transaction.atomic
def agenda_add(*, meeting: BoardMeeting, case: CaseReview, by: User) -> AgendaItem:
    """Put a saved case at the end of a meeting's agenda (submitting it to the board)."""
    case = _locked_case(case)
    BoardMeeting.objects.select_for_update().get(pk=meeting.pk)  # one position at a time
    if case.status not in OPEN_STATUSES:
        raise ValidationError(f"A case that is {case.get_status_display().lower()} cannot go on an agenda.")
    if AgendaItem.objects.filter(meeting=meeting, case_review=case).exists():
        raise ValidationError("This case is already on the agenda of that meeting.")
    last = AgendaItem.objects.filter(meeting=meeting).aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(meeting=meeting, case_review=case, position=last + 1, added_by=by)
    item._history_user = by  # type: ignore[attr-defined]
    item.save()
    if case.status == ReviewStatus.READY_FOR_BOARD:
        _set_status(case, ReviewStatus.SCHEDULED, by=by)
    accesslog.record(user=by, case_review=case, meeting=meeting, action=AccessAction.UPDATE)
    return item


@transaction.atomic
def agenda_remove(*, item: AgendaItem, by: User) -> None:
    """Take a case off an agenda; it is ready for the board again unless another agenda still holds it."""
    case = _locked_case(item.case_review)
    if BoardDecision.objects.filter(case_review=case, meeting_id=item.meeting_id).exists():
        raise ValidationError("The board decided this case at this meeting: it stays on the agenda.")
    meeting = item.meeting
    item._history_user = by  # type: ignore[attr-defined]
    item.delete()
    if case.status == ReviewStatus.SCHEDULED and not AgendaItem.objects.filter(case_review=case).exists():
        _set_status(case, ReviewStatus.READY_FOR_BOARD, by=by)
    accesslog.record(user=by, case_review=case, meeting=meeting, action=AccessAction.UPDATE)


@transaction.atomic
def agenda_move(*, item: AgendaItem, by: User, step: int) -> None:
    """Move a case up (step -1) or down (step +1) the agenda by swapping it with its neighbour."""
    if step not in (-1, 1):
        raise ValueError("step is -1 or 1")
    items = list(AgendaItem.objects.select_for_update().filter(meeting_id=item.meeting_id).order_by("position", "id"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + step
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        if other.position != position:
            other.position = position
            other._history_user = by  # type: ignore[attr-defined]
            other.save(update_fields=["position"])


# --- decisions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionInput:
    kind: str
    regimen_code: str = ""
    detail: str = ""
    off_reason: str = ""
    off_reason_text: str = ""
    rationale: str = ""
    attendees_present: tuple[User, ...] = ()
    guests_present: str = ""


def _car_t_options(result: dict[str, Any]) -> set[str]:
    codes = [str(option["regimen"]) for option in result.get("options") or []]
    if not codes:
        return set()
    return set(
        Regimen.objects.filter(
            code__in=codes, components__drug__drug_class__code__endswith=CAR_T_CLASS_SUFFIX
        ).values_list("code", flat=True)
    )


def _regimen_name(case: CaseReview, code: str) -> str:
    """The name the saved recommendation gave the regimen; the catalog's name for one it did not offer."""
    for option in [*(case.result_json.get("options") or []), *(case.result_json.get("trial_options") or [])]:
        if option.get("regimen", option.get("code")) == code:
            return str(option.get("name") or code)
    regimen = Regimen.objects.filter(code=code).only("name").first()
    if regimen is None:
        raise ValidationError({"regimen_code": f"{code} is not a regimen in the catalog."})
    return regimen.name


def _decision(*, case: CaseReview, data: DecisionInput, by: User, meeting: BoardMeeting | None) -> BoardDecision:
    kind = DecisionKind(data.kind)
    regimen_code = data.regimen_code.strip() if kind == DecisionKind.REGIMEN else ""
    detail = data.detail.strip() if kind in (DecisionKind.OTHER_REGIMEN, DecisionKind.CLINICAL_TRIAL) else ""
    errors: dict[str, str] = {}
    if kind == DecisionKind.REGIMEN and not regimen_code:
        errors["regimen_code"] = "Choose the regimen."
    if kind == DecisionKind.OTHER_REGIMEN and not detail:
        errors["detail"] = "Name the regimen."
    if kind == DecisionKind.CLINICAL_TRIAL and not detail:
        errors["detail"] = "Name the clinical trial."
    if errors:
        raise ValidationError(errors)
    car_t = _car_t_options(case.result_json) if kind == DecisionKind.CAR_T_REFERRAL else set()
    verdict = concordance(case.result_json, kind=kind, regimen_code=regimen_code, car_t_options=car_t)
    off_reason = data.off_reason if verdict.off_list else ""
    off_reason_text = data.off_reason_text.strip() if verdict.off_list else ""
    if verdict.off_list and not off_reason:
        errors["off_reason"] = "The decision is off the recommendation: choose the reason."
    if verdict.off_list and not off_reason_text:
        errors["off_reason_text"] = "The decision is off the recommendation: say why in words."
    if errors:
        raise ValidationError(errors)
    return BoardDecision(
        case_review=case,
        meeting=meeting,
        kind=kind,
        regimen_code=regimen_code,
        regimen_name=_regimen_name(case, regimen_code) if regimen_code else "",
        detail=detail,
        concordance=verdict.concordance,
        concordance_basis=verdict.basis,
        off_reason=off_reason,
        off_reason_text=off_reason_text,
        rationale=data.rationale.strip(),
        guests_present="\n".join(line.strip() for line in data.guests_present.splitlines() if line.strip()),
        decided_at=timezone.now(),
        decided_by=by,
    )


def _meeting_of(case: CaseReview) -> BoardMeeting | None:
    """The meeting the case was on most recently (up to now), or None."""
    item = (
        AgendaItem.objects.filter(case_review=case, meeting__starts_at__lte=timezone.now())
        .select_related("meeting")
        .order_by("-meeting__starts_at")
        .first()
    ) or AgendaItem.objects.filter(case_review=case).select_related("meeting").order_by("meeting__starts_at").first()
    return item.meeting if item else None


def decided_meanwhile(decision: BoardDecision) -> versions.StaleRecord:
    """The refusal of a decision (or an amendment) based on an earlier state of the case: `decision` is the one
    in force now, recorded by someone else meanwhile. Its notice says who, when and what was decided."""
    who = versions.person(decision.decided_by)
    what = "an amendment of the board's decision" if decision.amends_id else "the board's decision"
    facts = [
        versions.Change("Decision", None, decision.choice_in_words()),
        versions.Change("Follows the recommendation", None, decision.get_concordance_display()),
    ]
    if decision.off_reason:
        off = decision.get_off_reason_display()
        facts.append(versions.Change("Reason for going off the recommendation", None, off))
    if decision.rationale:
        facts.append(versions.Change("Rationale", None, decision.rationale))
    if decision.amends_id:
        facts.append(versions.Change("Reason for the amendment", None, decision.amendment_reason))
    notice = versions.StaleNotice(
        what="case",
        based_on=0,
        current=decision.pk,  # what the re-rendered form is then based on
        saved_by=[who],
        saved_at=decision.decided_at,
        changes=facts,
        changes_title="The decision in force now:",
        title=f"Your decision was not recorded: {who} recorded {what} on this case meanwhile"
        f"{versions.on_time(decision.decided_at)}, after you opened the form.",
        advice="What you typed is kept below. To record it instead, as an amendment of the decision in force, "
        "give the reason for the amendment and record it; otherwise cancel.",
    )
    return versions.StaleRecord(notice)


@transaction.atomic
def decision_record(
    *, case: CaseReview, data: DecisionInput, by: User, meeting: BoardMeeting | None = None
) -> BoardDecision:
    """Record the board's decision on a saved case; the case is then decided and locked. Raises
    versions.StaleRecord when a decision was recorded meanwhile (by someone else, or by a second post of the
    same form)."""
    case = _locked_case(case)
    in_force = latest_decision(case)
    if in_force is not None:
        raise decided_meanwhile(in_force)
    if case.status not in OPEN_STATUSES:
        raise ValidationError(
            f"A case that is {case.get_status_display().lower()} takes no new decision"
            + (": amend the recorded decision instead." if case.status == ReviewStatus.DECIDED else ".")
        )
    decision = _decision(case=case, data=data, by=by, meeting=meeting or _meeting_of(case))
    decision.full_clean(exclude=["attendees_present"])
    decision.save()
    decision.attendees_present.set(data.attendees_present)
    _set_status(case, ReviewStatus.DECIDED, by=by)
    accesslog.record(user=by, case_review=case, action=AccessAction.CREATE)
    return decision


@transaction.atomic
def decision_amend(
    *, decision: BoardDecision, data: DecisionInput, reason: str, by: User, based_on: int | None = None
) -> BoardDecision:
    """Correct a recorded decision: a new decision that amends the latest one, with a reason; both stay.

    The amendment was based on the decision in force `based_on` (an id; default: `decision`); raises
    versions.StaleRecord when another decision is in force now (amended meanwhile)."""
    case = _locked_case(decision.case_review)
    latest = latest_decision(case)
    if latest is None:
        raise ValidationError("The board has not decided this case: there is nothing to amend.")
    if latest.pk != (decision.pk if based_on is None else based_on):
        raise decided_meanwhile(latest)
    decision = latest
    reason = reason.strip()
    if not reason:
        raise ValidationError({"amendment_reason": "Say why the decision is amended."})
    amendment = _decision(case=case, data=data, by=by, meeting=decision.meeting)
    amendment.amends = decision
    amendment.amendment_reason = reason
    amendment.full_clean(exclude=["attendees_present"])
    amendment.save()
    amendment.attendees_present.set(data.attendees_present)
    accesslog.record(user=by, case_review=case, action=AccessAction.UPDATE)
    return amendment


def latest_decision(case: CaseReview) -> BoardDecision | None:
    """The decision in force for a case: the end of its amendment chain (the caller holds the case's lock)."""
    return BoardDecision.objects.filter(case_review=case, amendment__isnull=True).order_by("-decided_at", "-id").first()
