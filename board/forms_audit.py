"""The access log's filters: validated and normalised here, applied by board/views/audit.py."""

from __future__ import annotations

from django import forms

from patients.models import AccessAction

ISO_DATE = "%Y-%m-%d"
DATES_IN_ORDER = "The “from” date is after the “to” date."


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )


class AuditFilterForm(forms.Form):
    """Every filter is optional; an empty form shows the whole log, newest first."""

    user = forms.CharField(
        label="User",
        required=False,
        max_length=150,
        help_text="The exact username.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    patient = forms.CharField(
        label="Patient",
        required=False,
        max_length=200,
        help_text="Part of the name or MRN.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any action"), *AccessAction.choices])
    date_from = _date("From (date)")
    date_to = _date("To (date, included)")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_IN_ORDER)
        return cleaned

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (after cleaning)."""
        return any(self.cleaned_data.get(name) for name in self.fields)
