"""Read-only catalog pages for clinicians: what the engine reasons over, with its published evidence."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from regimens import models as m
from regimens import selectors


@require_safe
def regimen_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    setting = request.GET.get("setting", "")
    if setting not in m.Setting.values:
        setting = ""
    regimens = selectors.regimen_list(query=query, setting=setting)
    page = Paginator(regimens, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "regimens/regimen_list.html",
        {"page": page, "query": query, "setting": setting, "settings": m.Setting.choices},
    )


@require_safe
def regimen_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        regimen = selectors.regimen_detail(code)
    except m.Regimen.DoesNotExist:
        raise Http404("No regimen with this code.") from None
    return render(request, "regimens/regimen_detail.html", {"regimen": regimen})
