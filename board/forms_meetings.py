"""Forms of the board's work list, submissions and meetings: they validate and normalise only.

Dates and times are typed in the server's time zone (settings.TIME_ZONE) into `<input type="datetime-local">`
and shown back in it; Django's DateTimeField makes them aware in the current time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import lazy

from board.models import BoardMeeting
from patients.models import CaseReview, ReviewStatus
from regimens.engine.recommend import SETTING_NAMES

# The groups whose members sit on the board: chairs and attendees are chosen among them.
BOARD_ROLES = ("clinician", "board member")
RISK_WORDS = {"high": "High risk", "standard": "Standard risk", "unknown": "Risk not known"}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
SEARCH_MAX_LENGTH = 100
WITHDRAWAL_REASON_MAX_LENGTH = 500  # CaseReview.withdrawal_reason
NO_MEETING = "Choose the meeting."
NO_REASON = "Say why the case is withdrawn."


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def person(user: Any) -> str:
    return user.get_full_name() or user.username


def board_people(keep: Iterable[int] = ()) -> QuerySet:
    """Active clinicians and board members, plus the users already named (`keep`: a meeting keeps its chair
    and attendees even when they leave those groups)."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=BOARD_ROLES, is_active=True) | Q(pk__in=list(keep)))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person(obj)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL)


# Lazy: the time zone is read when the form is shown, not when this module is imported.
_local_time_help = lazy(lambda: f"Local time ({settings.TIME_ZONE}).", str)


def datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_local_time_help(),
        error_messages={
            "required": "Give the date and time.",
            "invalid": "Give the date and time as year-month-day and hours:minutes, e.g. 2031-03-14 13:30.",
        },
    )


# --- work list ----------------------------------------------------------------------------------------------


class SearchInput(forms.TextInput):
    input_type = "search"


class WorklistFilterForm(forms.Form):
    """The work list's filters, read from the query string. A value that is not a choice is dropped (the list
    shows unfiltered on that field) rather than refused: these come from links and bookmarks."""

    q = forms.CharField(
        label="Patient name or MRN",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=SearchInput(attrs={"class": "form-control"}),
    )
    status = forms.ChoiceField(label="Status", required=False)
    setting = forms.ChoiceField(label="Setting", required=False)
    risk = forms.ChoiceField(label="Risk", required=False)
    meeting = forms.TypedChoiceField(label="Meeting", required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, meetings: Iterable[BoardMeeting], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        choices: dict[str, list[tuple[Any, str]]] = {
            "status": [("", "Any status"), *ReviewStatus.choices],
            "setting": [("", "Any setting")] + [(code, _capitalised(words)) for code, words in SETTING_NAMES.items()],
            "risk": [("", "Any risk"), *RISK_WORDS.items()],
            "meeting": [("", "Any meeting")]
            + [
                (meeting.pk, f"{meeting.title} ({timezone.localtime(meeting.starts_at):%Y-%m-%d})")
                for meeting in meetings
            ],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, Any]:
        """The valid filters, for selectors.worklist (an invalid one is left out)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            # A search longer than the field allows is cut, not dropped; a NUL byte (refused by the field, and by
            # PostgreSQL's text) is left out.
            "query": data.get("q") or str(self.data.get("q") or "").replace("\x00", "")[:SEARCH_MAX_LENGTH].strip(),
            "status": data.get("status") or "",
            "setting": data.get("setting") or "",
            "risk": data.get("risk") or "",
            "meeting": data.get("meeting"),
        }


# --- submit and withdraw ------------------------------------------------------------------------------------


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return meeting_choice_label(obj)


class CaseSubmitForm(forms.Form):
    meeting = MeetingChoiceField(
        label="Meeting",
        queryset=BoardMeeting.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": NO_MEETING, "invalid_choice": "Choose one of the meetings still to come."},
    )

    def __init__(self, *args: Any, meetings: QuerySet[BoardMeeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = meetings


def meeting_choice_label(meeting: BoardMeeting) -> str:
    when = timezone.localtime(meeting.starts_at)
    words = f"{meeting.title}, {when:%Y-%m-%d} at {when:%H:%M}"
    if meeting.location:
        words += f" · {meeting.location}"
    count = getattr(meeting, "case_count", None)
    if count is not None:
        words += f" · {count} case{'' if count == 1 else 's'} on the agenda"
    return words


class CaseWithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is the case withdrawn?",
        max_length=WITHDRAWAL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the case and shown to the board, for example “Patient chose to be treated elsewhere”.",
        error_messages={"required": NO_REASON},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(NO_REASON, code="required")
        return reason


# --- meetings -----------------------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    """A meeting's details; cleaned_data is what services.meeting_create / meeting_update take."""

    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Give the meeting a title."})
    starts_at = datetime_field("Date and time")
    location = forms.CharField(
        label="Place or video link",
        max_length=300,
        required=False,
        help_text="The room, or the video link attendees use.",
    )
    chair = PersonChoiceField(
        label="Chair", queryset=get_user_model().objects.none(), required=False, empty_label="Not chosen yet"
    )
    attendees = PeopleChoiceField(
        label="Attendees",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Clinicians and board members invited to the meeting.",
    )
    guests = forms.CharField(
        label="Guests",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="People without an account here, one per line (for example “Dr Grace Hopper, radiology”).",
    )

    def __init__(self, *args: Any, meeting: BoardMeeting | None = None, **kwargs: Any) -> None:
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": meeting.title,
                    "starts_at": meeting.starts_at,
                    "location": meeting.location,
                    "chair": meeting.chair_id,
                    "attendees": [user.pk for user in meeting.attendees.all()],
                    "guests": meeting.guests,
                },
            )
        super().__init__(*args, **kwargs)
        keep = [meeting.chair_id, *(user.pk for user in meeting.attendees.all())] if meeting else []
        people = board_people(pk for pk in keep if pk)
        for name in ("chair", "attendees"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        self.fields["title"].widget.attrs["placeholder"] = "Myeloma tumour board"

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the meeting a title.", code="required")
        return title


class MeetingCloneForm(forms.Form):
    starts_at = datetime_field("Date and time of the new meeting")
    carry_over = forms.BooleanField(
        label="Carry over cases not yet decided",
        required=False,
        initial=True,
        help_text="Cases ready for board, scheduled or discussed at this meeting go on the new agenda, in order.",
    )


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return case_choice_label(obj)


class AgendaAddForm(forms.Form):
    case = CaseChoiceField(
        label="Saved case",
        queryset=CaseReview.objects.none(),
        error_messages={
            "required": "Choose the case to add.",
            "invalid_choice": "That case cannot go on this agenda: choose one of the cases listed.",
        },
    )

    def __init__(self, *args: Any, cases: QuerySet[CaseReview], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["case"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cases
        field.empty_label = "Choose a saved case"


def case_choice_label(case: CaseReview) -> str:
    setting = SETTING_NAMES.get(getattr(case, "setting", "") or "", "setting not known")
    return (
        f"{case.patient.name} ({case.patient.mrn}) · saved {timezone.localtime(case.created_at):%Y-%m-%d} · "
        f"{setting} · {case.get_status_display().lower()}"
    )


class AgendaMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Move up"), ("down", "Move down")])

    @property
    def step(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1
