"""Forms of the care teams: the break-the-glass request and the choice of a new patient's team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from careteams.models import CareTeam
from careteams.services import check_reason


class EmergencyAccessForm(forms.Form):
    mrn = forms.CharField(
        label="MRN (medical record number)",
        max_length=40,
        help_text="The patient's exact MRN: there is no search outside your care teams.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you need this patient's record now. It is kept in the access log and the administrators "
        "review every emergency access.",
    )

    def clean_mrn(self) -> str:
        return self.cleaned_data["mrn"].strip()

    def clean_reason(self) -> str:
        return check_reason(self.cleaned_data["reason"])


class TeamChoiceForm(forms.Form):
    """Which clinical team a new patient joins: asked only when the user is in more than one."""

    team = forms.ModelChoiceField(
        label="Care team",
        queryset=CareTeam.objects.none(),
        empty_label="Choose the patient's care team",
        help_text="The team whose clinicians will see and edit this patient.",
    )

    def __init__(self, data: Any = None, *, teams: QuerySet[CareTeam], **kwargs: Any) -> None:
        super().__init__(data, prefix="careteam", **kwargs)
        self.teams = list(teams)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams
        if len(self.teams) == 1:
            field.initial = self.teams[0].pk

    @property
    def has_no_team(self) -> bool:
        return not self.teams

    @property
    def asks(self) -> bool:
        """Shown on the page only when there is a choice to make."""
        return len(self.teams) > 1

    def chosen(self) -> CareTeam | None:
        """The team once the form is valid (the only one when there is no choice)."""
        if len(self.teams) == 1:
            return self.teams[0]
        return self.cleaned_data.get("team")

    def is_valid(self) -> bool:
        if self.has_no_team:
            return False
        if len(self.teams) == 1:
            return True
        return super().is_valid()
