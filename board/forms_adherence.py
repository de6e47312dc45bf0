"""The adherence figures' period: validated and normalised here, applied by board/views/adherence.py."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
DATES_IN_ORDER = "The “from” date is after the “to” date."
NOT_A_DATE = "Enter a date as YYYY-MM-DD."


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={"invalid": NOT_A_DATE},
    )


class AdherenceFilterForm(forms.Form):
    """The period of the figures: days of decision in the site's time zone, both included; both optional."""

    date_from = _date("Decided from")
    date_to = _date("Decided up to (included)")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_IN_ORDER)
        return cleaned
