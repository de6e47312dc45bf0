"""Tumour board pages: adherence to the recommendation (/board/adherence/) and its CSV (/board/adherence.csv).

Figures only, no patient: nothing here is written to the access log.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from board import adherence
from board.forms_adherence import AdherenceFilterForm


@require_safe
@permission_required("board.view_boarddecision", raise_exception=True)
def adherence_page(request: HttpRequest) -> HttpResponse:
    form = AdherenceFilterForm(request.GET)
    report = adherence.report(**form.cleaned_data, user=request.user) if form.is_valid() else None
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
    report = adherence.report(**form.cleaned_data, user=request.user)
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
