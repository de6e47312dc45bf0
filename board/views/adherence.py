"""Tumour board pages: adherence to the recommendation (/board/adherence/) and its CSV (/board/adherence.csv).

Figures only, no patient: nothing here is written to the access log.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from board import adherence

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


@require_safe
@permission_required("board.view_boarddecision", raise_exception=True)
def adherence_page(request: HttpRequest) -> HttpResponse:
    form = AdherenceFilterForm(request.GET)
    report = adherence.report(**form.cleaned_data) if form.is_valid() else None
    context = {
        "form": form,
        "report": report,
        # The wide chart, and the phone's (drawn at about its own size, so its words stay readable).
        "charts": [
            (adherence.month_chart(report.by_month), "d-none d-md-block"),
            (adherence.month_chart(report.by_month, compact=True), "d-md-none"),
        ]
        if report and report.by_month
        else [],
        "query": request.GET.urlencode() if report else "",
    }
    return render(request, "board/adherence.html", context)


@require_safe
@permission_required("board.view_boarddecision", raise_exception=True)
def adherence_csv(request: HttpRequest) -> HttpResponse:
    form = AdherenceFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(str(error) for error in errors)}" for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(f"Bad filters: {problems}", content_type="text/plain; charset=utf-8")
    report = adherence.report(**form.cleaned_data)
    out = io.StringIO()
    csv.writer(out).writerows(adherence.csv_rows(report))
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    period = f"{start.isoformat() if start else 'start'}-to-{end.isoformat() if end else 'today'}"
    response = HttpResponse(out.getvalue().encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="board-adherence-{period}.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("adherence/", adherence_page, name="adherence"),
    path("adherence.csv", adherence_csv, name="adherence_csv"),
]
