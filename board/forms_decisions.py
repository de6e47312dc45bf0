"""The board's decision form (record and amend). It validates and normalises what the board chose; whether the
choice follows the recommendation, and so whether a reason is needed, is the service's to decide
(`board.services.decision_record`), which reads the frozen result only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from board.models import BoardDecision, BoardMeeting, DecisionKind, OffReason
from board.services import DecisionInput
from patients.versions import MISSING_VERSION, MISSING_VERSION_CODE
from regimens.models import Regimen, RegimenKind

# Who may be ticked as present: the roles that sit on the board, and whoever the meeting lists.
BOARD_ROLES = ("clinician", "board member")

OFF_REASON_NEEDED = "The decision is off the recommendation: choose the reason."
NO_DECISION = "none"


def regimen_choices(result: dict[str, Any], regimens: Iterable[Regimen]) -> list[Any]:
    """The regimen select: the saved recommendation's options in its order, then its clinical trial options,
    then every other active regimen of the catalog (choosing one of those is off the recommendation)."""
    first = result.get("first_choice")
    offered = [
        (
            str(option["regimen"]),
            f"{option['regimen']} — {option.get('name') or ''} "
            f"({'first choice' if option['regimen'] == first else f'option {index}'})",
        )
        for index, option in enumerate(result.get("options") or [], start=1)
    ]
    seen = {code for code, _ in offered}
    trials = [
        (str(trial["code"]), f"{trial['code']} — {trial.get('name') or ''} (clinical trial option)")
        for trial in result.get("trial_options") or []
        if trial["code"] not in seen
    ]
    seen |= {code for code, _ in trials}
    others = [(regimen.code, f"{regimen.code} — {regimen.name}") for regimen in regimens if regimen.code not in seen]
    groups = [
        ("Offered by the recommendation", offered),
        ("Clinical trial options of the recommendation", trials),
        ("Other regimens in the catalog (off the recommendation)", others),
    ]
    return [("", "Choose a regimen"), *[(title, items) for title, items in groups if items]]


def catalog_regimens() -> QuerySet[Regimen]:
    """Every active drug regimen of today's catalog, by code (one query)."""
    return Regimen.objects.filter(active=True, kind=RegimenKind.REGIMEN).only("code", "name").order_by("code")


def attendee_choices(meeting: BoardMeeting | None, also: Iterable[int] = ()) -> QuerySet[User]:
    """People who can be ticked as present: active members of the board's roles, the meeting's attendees and
    anyone already recorded (`also`, user ids)."""
    users = get_user_model().objects
    listed = Q(pk__in=list(also))
    if meeting is not None:
        listed |= Q(board_meetings=meeting)
    return (
        users.filter(Q(is_active=True, groups__name__in=BOARD_ROLES) | listed)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label="The board decides",
        choices=DecisionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the board decides."},
    )
    regimen_code = forms.ChoiceField(label="Regimen from the catalog", required=False)
    detail = forms.CharField(
        label="The other regimen or the clinical trial, by name",
        max_length=300,
        required=False,
        help_text="For another regimen (not in the catalog) or a clinical trial.",
    )
    off_reason = forms.ChoiceField(
        label="Reason for going off the recommendation",
        choices=[("", "Choose a reason"), *OffReason.choices],
        required=False,
        help_text="Needed only when the decision is off the recommendation; otherwise it is not recorded.",
    )
    off_reason_text = forms.CharField(
        label="That reason in words", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rationale = forms.CharField(label="Rationale", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attendees_present = PersonChoiceField(
        label="Attendees present", queryset=get_user_model().objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    guests_present = forms.CharField(
        label="Guests present (one per line)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The decision in force the form was based on: "none" for a first decision, else its id (patients/versions.py).
    based_on = forms.CharField(widget=forms.HiddenInput, required=False, initial=NO_DECISION)
    amending = False

    def __init__(
        self,
        data: Any = None,
        *,
        result: dict[str, Any],
        regimens: Iterable[Regimen],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["regimen_code"].choices = regimen_choices(result, regimens)  # type: ignore[attr-defined]
        self.fields["attendees_present"].queryset = people  # type: ignore[attr-defined]

    def decision_based_on(self) -> int | None:
        """The id of the decision in force the form was based on; None for none."""
        value = self.cleaned_data.get("based_on") or NO_DECISION
        return int(value) if value.isdigit() else None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        value = (self.cleaned_data.get("based_on") or "").strip()
        valid = value.isdigit() and len(value) <= 18 if self.amending else value in ("", NO_DECISION)
        if not valid:  # e.g. an amendment posted without the decision it amends: it cannot be told from a stale one
            self.add_error(None, ValidationError(MISSING_VERSION, code=MISSING_VERSION_CODE))
        return cleaned

    def decision_input(self) -> DecisionInput:
        data = self.cleaned_data
        return DecisionInput(
            kind=data["kind"],
            regimen_code=data["regimen_code"],
            detail=data["detail"],
            off_reason=data["off_reason"],
            off_reason_text=data["off_reason_text"],
            rationale=data["rationale"],
            attendees_present=tuple(data["attendees_present"]),
            guests_present=data["guests_present"],
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's refusal on the form: each field's message beside its field, the rest at the top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class AmendmentForm(DecisionForm):
    amendment_reason = forms.CharField(
        label="Reason for the amendment",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the decision is amended."},
    )
    amending = True


def initial_from(decision: BoardDecision) -> dict[str, Any]:
    """The amendment form starts from the decision in force (its attendees prefetched)."""
    return {
        "kind": decision.kind,
        "regimen_code": decision.regimen_code,
        "detail": decision.detail,
        "off_reason": decision.off_reason,
        "off_reason_text": decision.off_reason_text,
        "rationale": decision.rationale,
        "attendees_present": [person.pk for person in decision.attendees_present.all()],
        "guests_present": decision.guests_present,
        "based_on": str(decision.pk),
    }


def initial_for(meeting: BoardMeeting | None) -> dict[str, Any]:
    """A new decision starts with the meeting's attendees ticked and its guests listed (attendees prefetched)."""
    if meeting is None:
        return {}
    return {"attendees_present": [person.pk for person in meeting.attendees.all()], "guests_present": meeting.guests}
